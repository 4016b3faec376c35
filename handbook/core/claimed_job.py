"""The skeleton every background job on a row shares (reading a file, reading it aloud).

A run claims its row (``claims.claim``: one worker wins, a dead one's claim is taken over),
tells the row's readers at each step, records how far it got at most once per ``every``
seconds or ``step`` percent (renewing its lease), and ends by recording the result or the
failure; a crash leaves a lapsing claim that the minute sweep queues again
(``claims.requeue_unfinished``). What a step tells the readers is pushed once it is committed
(``core.aftercommit``), never for a change that rolled back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from handbook.core import claims, db
from handbook.core.aftercommit import after_commit
from handbook.core.realtime import push


class ClaimedJob:
    """One run of a job on the row ``model(row_id)``; readers hear ``event`` with
    ``payload(row)`` in room ``room(row)``."""

    def __init__(
        self,
        model: Any,
        row_id: int,
        *,
        event: str,
        payload: Callable[[Any], dict[str, Any]],
        room: Callable[[Any], str],
        every: float,
        step: int = 5,
    ) -> None:
        self.model, self.row_id = model, row_id
        self.event, self.payload, self.room = event, payload, room
        self.every, self.step = every, step
        self._told_percent, self._told_at = -step, 0.0

    def start(self) -> Any | None:
        """Claim the row and tell its readers; ``None`` when another worker has it, it is
        done already, or it is gone."""
        if not claims.claim(self.model, self.row_id):
            db.session.rollback()
            return None
        row = db.session.get(self.model, self.row_id, populate_existing=True)
        if row is not None:
            self._tell(row)
        db.session.commit()
        return row

    def progress(self, done: int, total: int, **values: Any) -> None:
        """``done`` of ``total``: recorded and told when it moved ``step`` percent or ``every``
        seconds passed (a heartbeat that keeps the claim), not at each call."""
        percent = min(99, done * 100 // total) if total else 0
        now = time.monotonic()
        if percent < self._told_percent + self.step and now - self._told_at < self.every:
            return
        self._told_percent, self._told_at = percent, now
        self.report(progress=percent, **values)

    def report(self, **values: Any) -> None:
        """Record ``values`` now, renewing the claim, commit, and tell the readers."""
        claims.renew(self.model, self.row_id, **values)
        row = db.session.get(self.model, self.row_id, populate_existing=True)
        if row is not None:
            self._tell(row)
        db.session.commit()

    def finish(self, row: Any) -> None:
        """Commit what the caller set on ``row``; its readers are told once it is stored."""
        self._tell(row)
        db.session.commit()

    def _tell(self, row: Any) -> None:
        """Readers hear the row as it is now, once that is committed."""
        after_commit(push, self.event, self.payload(row), to=self.room(row))

    def fail(self, status: Any, **values: Any) -> Any | None:
        """Take back what the run wrote, mark the row ``status`` with ``values`` (the
        message), commit and tell; returns the row, or ``None`` if it is gone or no longer
        this run's (taken over after its lease lapsed: the run that holds it has the last
        word, ``claims.settle``)."""
        db.session.rollback()
        if claims.run_of(self.model, self.row_id) is not None:
            if not claims.settle(self.model, self.row_id, status=status, **values):
                db.session.rollback()
                return None
            row = db.session.get(self.model, self.row_id, populate_existing=True)
            if row is not None:
                self.finish(row)
            return row
        row = db.session.get(self.model, self.row_id)
        if row is None:
            return None
        row.status = status
        for name, value in values.items():
            setattr(row, name, value)
        self.finish(row)
        return row
