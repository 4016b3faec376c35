"""Claims on background work, so a job runs once at a time and a crash never strands it; and
one-time duties (``claim_once``), so a publication's audience is told once.

A worker claims a row (one UPDATE that only one worker can win) and renews the claim as it
goes; a claim not renewed for ``STALE_AFTER`` belongs to a dead worker and may be taken over,
and one held by a process of this host that no longer exists is taken over at once.
Works on any model with ``id``, ``status`` (``queued``/``processing``/…), ``progress``,
``claimed_at`` and ``claimed_by`` columns.

Each claim is one run's: ``claimed_by`` names the host, the process and a random part
(``host/run:pid``), and the thread that claimed remembers it. A worker that stalled past its
lease is still running when another run takes the row over, often in the same process (the
consumer's workers are threads); its ``renew`` and ``settle`` then change nothing, so the run
that holds the claim has the last word, whichever finishes first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from handbook.core import db
from handbook.core.jobs import NOT_QUEUED, waiting
from handbook.core.timeutil import utcnow

logger = logging.getLogger(__name__)

#: A claim not renewed for this long belongs to a worker that died.
STALE_AFTER = timedelta(minutes=3)
QUEUED, PROCESSING = "queued", "processing"


#: The runs this thread claimed and has not settled: (table, row id) -> its ``claimed_by``.
_claimed = threading.local()


def _host() -> str:
    return socket.gethostname()[:48]  # with the run and the pid, within ``claimed_by``'s 80


def _new_run() -> str:
    """A new run's ``claimed_by``: ``host/run:pid`` (see the module's docstring)."""
    return f"{_host()}/{secrets.token_hex(4)}:{os.getpid()}"


def _runs() -> dict[tuple[str, int], str]:
    runs: dict[tuple[str, int], str] | None = getattr(_claimed, "runs", None)
    if runs is None:
        runs = _claimed.runs = {}
    return runs


def _key(model: Any, row_id: int) -> tuple[str, int]:
    return (model.__table__.name, row_id)


def run_of(model: Any, row_id: int) -> str | None:
    """The run (its ``claimed_by``) with which this thread claimed the row, if it did."""
    return _runs().get(_key(model, row_id))


def run_tag(model: Any, row_id: int) -> str:
    """A short name for this thread's run of the row, for its own files: the run, this host
    and this process (``a1b2c3d4-9f8e7d-4242``), so that a later run can tell at once the files
    of a run whose process is gone (``run_gone``) from those of one that may still write."""
    run = run_of(model, row_id)
    if run is None:
        raise LookupError(f"{model.__name__} {row_id} is not claimed by this thread")
    return f"{run.rpartition(':')[0].rpartition('/')[2]}-{_host_mark()}-{os.getpid()}"


def _host_mark() -> str:
    return hashlib.blake2s(_host().encode(), digest_size=3).hexdigest()


_TAG = re.compile(r"\b[0-9a-f]{8}-([0-9a-f]{6})-([0-9]+)\b")


def run_gone(name: str) -> bool:
    """Whether the file ``name`` (holding a ``run_tag``) belongs to a run whose process was on
    this host and no longer exists: a killed run, whose files nobody will finish."""
    found = _TAG.search(name)
    if found is None or found[1] != _host_mark() or int(found[2]) == os.getpid():
        return False
    try:
        os.kill(int(found[2]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def owner_is_dead(claimed_by: str | None) -> bool:
    """True only when the claim's process was on this host and no longer exists."""
    where, _, pid = (claimed_by or "").rpartition(":")
    host = where.partition("/")[0]  # ``host/run``, or ``host`` before runs were named
    if host != _host() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim(model: Any, row_id: int) -> bool:
    """Take the job unless another live worker has it or it is finished; the caller commits."""
    now, run = utcnow(), _new_run()
    claimed = db.session.execute(
        sa.update(model)
        .where(
            model.id == row_id,
            sa.or_(
                model.status == QUEUED,
                sa.and_(
                    model.status == PROCESSING,
                    sa.or_(model.claimed_at.is_(None), model.claimed_at < now - STALE_AFTER),
                ),
            ),
        )
        .values(status=PROCESSING, progress=0, claimed_at=now, claimed_by=run)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]  # a CursorResult, for an UPDATE
        return False
    _runs()[_key(model, row_id)] = run
    return True


def claim_once(model: Any, row_id: int, column: str, now: datetime) -> bool:
    """Take a one-time duty (telling a publication's audience: ``notified_at``) by setting
    ``column`` where it is still empty; only one run ever wins it. The caller commits."""
    field = getattr(model, column)
    taken = db.session.execute(
        sa.update(model).where(model.id == row_id, field.is_(None)).values({column: now})
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def _ours(model: Any, row_id: int) -> sa.ColumnElement[bool]:
    """The row, while it is still this thread's run: processing, under the claim it took."""
    return sa.and_(
        model.id == row_id, model.status == PROCESSING, model.claimed_by == run_of(model, row_id)
    )


def renew(model: Any, row_id: int, **values: Any) -> bool:
    """Record progress and keep the claim fresh, if the row is still this thread's run (a run
    whose lease lapsed and was taken over changes nothing); says whether it was. Rows this
    thread did not claim are renewed as before runs were named. The caller commits."""
    where = _ours(model, row_id) if run_of(model, row_id) else model.id == row_id
    renewed = db.session.execute(
        sa.update(model).where(where).values(claimed_at=utcnow(), **values)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]  # a CursorResult, for an UPDATE


def settle(model: Any, row_id: int, **values: Any) -> bool:
    """Record a finished run's ``values`` (its result, or its failure) if the row is still
    this thread's run: not queued again meanwhile (a correction asks for the work anew, and
    that run has the last word), nor taken over after its lease lapsed (the run that holds the
    claim has it). Says whether they were recorded; the caller commits (or rolls back when
    not). The run is over for this thread either way."""
    if run_of(model, row_id) is None:
        return False
    stored = db.session.execute(sa.update(model).where(_ours(model, row_id)).values(**values))
    _runs().pop(_key(model, row_id), None)
    return bool(stored.rowcount)  # type: ignore[attr-defined]  # a CursorResult, for an UPDATE


def forget(model: Any, row_id: int) -> None:
    """This thread's run of the row is over without ``settle`` (it lost the row)."""
    _runs().pop(_key(model, row_id), None)


def unfinished(model: Any) -> list[int]:
    """Rows to queue again: waiting ones, and those whose worker died (released here)."""
    stale = utcnow() - STALE_AFTER
    fresh = db.session.execute(
        sa.select(model.id, model.claimed_by).where(
            model.status == PROCESSING, model.claimed_at >= stale
        )
    ).all()
    for row_id, claimed_by in fresh:
        if owner_is_dead(claimed_by):  # our own server, restarted: its work is ours now
            db.session.execute(
                sa.update(model)
                .where(model.id == row_id, model.claimed_by == claimed_by)
                .values(status=QUEUED, claimed_at=None, claimed_by=None)
            )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(model.id).where(
                sa.or_(
                    model.status == QUEUED,
                    sa.and_(
                        model.status == PROCESSING,
                        sa.or_(model.claimed_at.is_(None), model.claimed_at < stale),
                    ),
                )
            )
        )
    )


def requeue_unfinished(model: Any, task: Any, *, what: str) -> int:
    """Queue every row of ``model`` waiting in the database but not in the queue (never queued
    because the queue was down, or left half done by a crash); returns how many were queued.

    What is already in the queue is left alone, so a sweep every minute piles nothing up; a
    duplicate (a race with a worker taking the job) just loses the claim.
    """
    unfinished_ids = unfinished(model)
    if not unfinished_ids:
        return 0
    queued = waiting(task)
    if queued is None:
        return 0  # the queue is unreachable: the next sweep tries again
    count = 0
    for row_id in unfinished_ids:
        if (row_id,) in queued:
            continue
        if task(row_id) is NOT_QUEUED:
            break  # the queue went away meanwhile
        count += 1
    if count:
        logger.info("queued %s %s left unfinished", count, what)
    return count
