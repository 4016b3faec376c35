"""Socket.IO plumbing shared by every feature: rooms, pushing events, and the register of
open connections that lets ending a session close its sockets on any process.

Who may connect is the accounts domain's to say (``accounts/events.py``); which rooms a socket
may join is each domain's (``documents/events.py``, ``comments/events.py``), asking the policy.
The database stays the source of truth: a push that fails is logged, never fatal, and the
page recovers by asking the server again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import request
from flask_socketio import join_room

from handbook.core import db
from handbook.core.db import Base
from handbook.core.extensions import socketio
from handbook.core.timeutil import UTCDateTime, utcnow

logger = logging.getLogger(__name__)


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def document_room(document_id: int) -> str:
    return f"document:{document_id}"


def agenda_room(item_id: int) -> str:
    return f"agenda:{item_id}"


def push(event: str, data: dict[str, Any], *, to: str) -> None:
    """Emit to a room from anywhere (a request, a job, a worker process)."""
    try:
        socketio.emit(event, data, to=to)
    except Exception:
        logger.warning("could not push %s to %s", event, to, exc_info=True)


class SocketConnection(Base):
    """An open Socket.IO connection, so ending a session can close its sockets on any process."""

    __tablename__ = "socket_connections"

    #: The Socket.IO session id (unique across processes).
    sid: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The signed-in device it came from: signing it out closes that device's sockets only.
    session_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    connected_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


def accept(user_id: int, session_key: str) -> None:
    """File the connecting socket under its user and device, and join the user's room.

    python-socketio ignores a disconnect that arrives while the connect handler still runs
    (the socket is "pending"), so a page left while this commit waited (SQLite busy with a
    job) would leave its row behind for good, and its member would count as having the app
    open: never pushed to. Once the row is committed, a socket already gone is unfiled here;
    nothing yields between that check and python-socketio marking the socket connected.
    """
    sid = request.sid  # type: ignore[attr-defined]
    join_room(user_room(user_id))
    db.session.merge(SocketConnection(sid=sid, user_id=user_id, session_key=session_key))
    db.session.commit()
    if not _still_open(sid):
        db.session.execute(sa.delete(SocketConnection).where(SocketConnection.sid == sid))
        db.session.commit()


def _still_open(sid: str) -> bool:
    """python-socketio drops a connection's environ when Engine.IO tells it the connection
    ended, even when it ignores that disconnect (as it does while the connect handler runs)."""
    server = socketio.server  # type: ignore[attr-defined]
    eio_sid = server.manager.eio_sid_from_sid(sid, "/")
    return eio_sid is not None and eio_sid in server.environ


@socketio.on("disconnect")
def _disconnect(*_reason: Any) -> None:
    db.session.execute(sa.delete(SocketConnection).where(SocketConnection.sid == request.sid))  # type: ignore[attr-defined]
    db.session.commit()


def end_sessions(user_id: int, *, session_key: str | None = None) -> int:
    """Close the user's open sockets (only one browser's, given its key), on every process.

    Called after sign-out, a password change or reset, and disabling the account.
    """
    query = sa.select(SocketConnection.sid).where(SocketConnection.user_id == user_id)
    if session_key is not None:
        query = query.where(SocketConnection.session_key == session_key)
    sids = list(db.session.scalars(query))
    for sid in sids:
        try:
            # .server (python-socketio's) is left out of types-Flask-SocketIO on purpose
            socketio.server.disconnect(sid, namespace="/")  # type: ignore[attr-defined]
        except Exception:
            logger.warning("could not close socket %s", sid, exc_info=True)
    if sids:
        db.session.execute(sa.delete(SocketConnection).where(SocketConnection.sid.in_(sids)))
        db.session.commit()
    return len(sids)
