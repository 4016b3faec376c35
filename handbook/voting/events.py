"""Socket.IO for votes: ``vote.join`` (follow a meeting's votes; the answer is their state now,
for a screen that reconnects), ``vote.cast`` (a ballot, acked; the same service as the API's).
Pushed to the meeting's room after each commit: ``vote.opened``, ``vote.progress`` (how many
have voted, never what they chose) and ``vote.closed`` (with the result).

Every event answers through its ack: ``{"ok": true, ...}`` or ``{"ok": false, "status",
"error"}`` with a Vietnamese message; nothing a client sends can raise past this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_socketio import join_room

from handbook.accounts.models import User
from handbook.comments.events import handle
from handbook.core.extensions import socketio
from handbook.voting import service
from handbook.voting.operations import VoteError


def _handle(work: Callable[[User], dict[str, Any]]) -> dict[str, Any]:
    # A failure's traceback names no ballot's choice: the payload is not logged.
    return handle(work, VoteError, service.refusal, "vote")


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
