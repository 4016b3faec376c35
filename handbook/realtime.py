"""Socket.IO plumbing shared by every feature: who may connect, rooms, and pushing events.

A socket is accepted only with a signed-in session; it joins its user's room at once (for
notifications) and other rooms (a document's) only after the access policy allows it.
The database stays the source of truth: a push that fails is logged, never fatal, and the
page recovers by asking the server again.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import request, session
from flask_login import current_user
from flask_socketio import join_room

from handbook import db
from handbook.accounts.models import SocketConnection
from handbook.accounts.sessions import DEVICE
from handbook.extensions import socketio

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


def session_key() -> str:
    """The signed-in device of this browser: its sockets are filed under it, so signing it out
    (here or from another device) closes exactly them."""
    device_id = str(session.get(DEVICE, "")).partition(".")[0]
    return f"device-{device_id}"


@socketio.on("connect")
def _connect(_auth: Any = None) -> bool:
    # A one-time password must be changed before anything else, sockets included.
    if not current_user.is_authenticated or current_user.must_change_password:
        return False
    join_room(user_room(current_user.id))
    db.session.merge(
        SocketConnection(sid=request.sid, user_id=current_user.id, session_key=session_key())  # type: ignore[attr-defined]
    )
    db.session.commit()
    return True


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
            socketio.server.disconnect(sid, namespace="/")
        except Exception:
            logger.warning("could not close socket %s", sid, exc_info=True)
    if sids:
        db.session.execute(sa.delete(SocketConnection).where(SocketConnection.sid.in_(sids)))
        db.session.commit()
    return len(sids)


@socketio.on("document.join")
def _join_document(data: Any = None) -> dict[str, Any]:
    """Follow a document's live events; allowed only to those who may view it.

    A refusal carries its HTTP-like ``status`` (401, 400, 404) as every other ack does; an id
    no database column can hold is refused before any query.
    """
    from handbook.documents.models import Document
    from handbook.inputs import is_id
    from handbook.policy import Action, can

    if not current_user.is_authenticated:
        return {"ok": False, "status": 401, "error": "Vui lòng đăng nhập lại."}
    document_id = data.get("document") if isinstance(data, dict) else None
    if not is_id(document_id):
        return {"ok": False, "status": 400, "error": "Yêu cầu không hợp lệ."}
    document = db.session.get(Document, document_id)
    if document is None or not can(current_user, Action.DOCUMENT_VIEW, document):
        return {"ok": False, "status": 404, "error": "Không tìm thấy tài liệu."}
    join_room(document_room(document.id), sid=request.sid)  # type: ignore[attr-defined]
    return {"ok": True, "status": document.status.value, "progress": document.progress}
