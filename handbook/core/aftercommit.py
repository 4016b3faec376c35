"""The one "after commit" mechanism: pushes, broadcasts and queued jobs wait for the commit.

A Socket.IO push or a queued job that goes out before its transaction commits tells the world
about something that may yet roll back, or that a worker cannot see yet. Whatever must follow a
change is handed to ``after_commit``: it runs once the session's commit is over (the session
class in ``core/db.py`` runs it) and is dropped if the session rolls back. Every push,
broadcast and job the app queues goes this way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core import db


def after_commit(action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``action(*args, **kwargs)`` when the current session commits (never on rollback)."""
    db.session.info.setdefault(db.AFTER_COMMIT, []).append((action, args, kwargs))


@sa.event.listens_for(so.Session, "after_rollback")
def _drop_pending(session: so.Session) -> None:
    session.info.pop(db.AFTER_COMMIT, None)
