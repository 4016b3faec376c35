"""Claims on background work, so a job runs once at a time and a crash never strands it; and
one-time duties (``claim_once``), so a publication's audience is told once.

A worker claims a row (one UPDATE that only one worker can win) and renews the claim as it
goes; a claim not renewed for ``STALE_AFTER`` belongs to a dead worker and may be taken over,
and one held by a process of this host that no longer exists is taken over at once.
Works on any model with ``id``, ``status`` (``queued``/``processing``/…), ``progress``,
``claimed_at`` and ``claimed_by`` columns.
"""

from __future__ import annotations

import logging
import os
import socket
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


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(claimed_by: str | None) -> bool:
    """True only when the claim's process was on this host and no longer exists."""
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
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
    now = utcnow()
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
        .values(status=PROCESSING, progress=0, claimed_at=now, claimed_by=owner())
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def claim_once(model: Any, row_id: int, column: str, now: datetime) -> bool:
    """Take a one-time duty (telling a publication's audience: ``notified_at``) by setting
    ``column`` where it is still empty; only one run ever wins it. The caller commits."""
    field = getattr(model, column)
    taken = db.session.execute(
        sa.update(model).where(model.id == row_id, field.is_(None)).values({column: now})
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def renew(model: Any, row_id: int, **values: Any) -> None:
    """Record progress and keep the claim fresh; the caller commits."""
    db.session.execute(
        sa.update(model).where(model.id == row_id).values(claimed_at=utcnow(), **values)
    )


def settle(model: Any, row_id: int, **values: Any) -> bool:
    """Record a finished run's ``values`` if the row is still this worker's run: not queued
    again meanwhile (a correction asks for the work anew, and that run has the last word).
    Says whether they were recorded; the caller commits (or rolls back when not)."""
    stored = db.session.execute(
        sa.update(model)
        .where(model.id == row_id, model.status == PROCESSING, model.claimed_by == owner())
        .values(**values)
    )
    return bool(stored.rowcount)  # type: ignore[attr-defined]  # a CursorResult, for an UPDATE


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
