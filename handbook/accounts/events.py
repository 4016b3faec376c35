"""Who may open a Socket.IO connection: a signed-in member on a live device, whose one-time
password has been changed. The socket is filed under that device, so signing the device out
closes it (``core.realtime.end_sessions``)."""

from __future__ import annotations

from typing import Any

from handbook.accounts.sessions import device_key, socket_member
from handbook.core import realtime
from handbook.core.extensions import socketio


@socketio.on("connect")
def _connect(_auth: Any = None) -> bool:
    # A one-time password must be changed before anything else, sockets included
    # (``socket_member`` asks, with the rest of what a page checks).
    user_id = socket_member()
    if user_id is None:
        return False
    realtime.accept(user_id, device_key())
    return True
