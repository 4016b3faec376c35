"""Socket.IO for votes: ``vote.join`` (follow a meeting's votes; the answer is their state now,
for a screen that reconnects), ``vote.cast`` (a ballot, acked; the same service as the API's).
Pushed to the meeting's room after each commit: ``vote.opened``, ``vote.progress`` (how many
have voted, never what they chose) and ``vote.closed`` (with the result).

Every event answers through its ack: ``{"ok": true, ...}`` or ``{"ok": false, "status",
"error"}`` with a Vietnamese message; nothing a client sends can raise past this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import request
from flask_socketio import join_room

from handbook.accounts.models import User
from handbook.comments.events import member
from handbook.core import db
from handbook.core.extensions import socketio
from handbook.core.realtime import forget_request
from handbook.voting import service
from handbook.voting.operations import VoteError

logger = logging.getLogger(__name__)

_SIGNED_OUT = {
    "ok": False,
    "status": 401,
    "error": "Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.",
}


def _handle(work: Callable[[User], dict[str, Any]]) -> dict[str, Any]:
    try:
        user = member()
        if user is None:
            return _SIGNED_OUT
        return work(user)
    except VoteError as error:
        db.session.rollback()
        return service.refusal(error)
    except Exception:
        db.session.rollback()
        logger.exception("vote event failed")  # the traceback names no ballot's choice
        return {"ok": False, "status": 500, "error": "Hệ thống gặp sự cố, vui lòng gửi lại."}
    finally:
        forget_request()


@socketio.on("vote.join")
def _join(data: Any = None) -> dict[str, Any]:
    def work(user: User) -> dict[str, Any]:
        room, answer = service.join(user, data)
        join_room(room, sid=request.sid)  # type: ignore[attr-defined]
        return answer

    return _handle(work)


@socketio.on("vote.cast")
def _cast(data: Any = None) -> dict[str, Any]:
    return _handle(lambda user: service.cast(user, data))
