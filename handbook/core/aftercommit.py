"""The one "after commit" mechanism: pushes, broadcasts and queued jobs wait for the commit.

A Socket.IO push or a queued job that goes out before its transaction commits tells the world
about something that may yet roll back (or that a worker cannot see yet). Whatever must
follow a change is handed to ``after_commit``: it runs once the database session commits, and
is dropped if the session rolls back. Every push and broadcast of the app goes this way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core import db

logger = logging.getLogger(__name__)

_PENDING = "handbook.after_commit"


def after_commit(action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``action(*args, **kwargs)`` when the current session commits (never on rollback)."""
    db.session.info.setdefault(_PENDING, []).append((action, args, kwargs))


@sa.event.listens_for(so.Session, "after_commit")
def _run_pending(session: so.Session) -> None:
    for action, args, kwargs in session.info.pop(_PENDING, []):
        try:
            action(*args, **kwargs)
        except Exception:  # one failed push must not stop the others, nor the caller
            logger.warning("after-commit action %r failed", action, exc_info=True)


@sa.event.listens_for(so.Session, "after_rollback")
def _drop_pending(session: so.Session) -> None:
    session.info.pop(_PENDING, None)
