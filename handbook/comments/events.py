"""Socket.IO events for comments: join (with resync), post, edit, delete, hide, disposition.

Every event answers through its ack: ``{"ok": true, ...}`` or ``{"ok": false, "status",
"error"}`` with a Vietnamese message; nothing a client sends can raise past this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import join_room

from handbook.comments import service
from handbook.comments.operations import CommentError
from handbook.core import db
from handbook.core.extensions import socketio

logger = logging.getLogger(__name__)

_SIGNED_OUT = {
    "ok": False,
    "status": 401,
    "error": "Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.",
}


def _handle(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    if not current_user.is_authenticated:
        return _SIGNED_OUT
    try:
        return work()
    except CommentError as error:
        db.session.rollback()
        return service.refusal(error)
    except Exception:
        db.session.rollback()
        logger.exception("comment event failed")
        return {"ok": False, "status": 500, "error": "Hệ thống gặp sự cố, vui lòng gửi lại sau."}


@socketio.on("comments.join")
def _join(data: Any = None) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        room, result = service.sync(current_user, data)
        join_room(room, sid=request.sid)  # type: ignore[attr-defined]
        return result

    return _handle(work)


@socketio.on("comment.post")
def _post(data: Any = None) -> dict[str, Any]:
    return _handle(lambda: service.post(current_user, data))


def _change(action: str) -> Callable[[Any], dict[str, Any]]:
    def handler(data: Any = None) -> dict[str, Any]:
        return _handle(lambda: service.change(current_user, action, data))

    return handler


for _action in ("edit", "delete", "hide", "disposition"):
    socketio.on_event(f"comment.{_action}", _change(_action))
