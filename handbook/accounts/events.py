"""Who may open a Socket.IO connection: a signed-in member on a live device, whose one-time
password has been changed. The socket is filed under that device, so signing the device out
closes it (``core.realtime.end_sessions``)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from handbook.accounts.sessions import device_key
from handbook.core import realtime
from handbook.core.extensions import socketio


@socketio.on("connect")
def _connect(_auth: Any = None) -> bool:
    # A one-time password must be changed before anything else, sockets included.
    if not current_user.is_authenticated or current_user.must_change_password:
        return False
    realtime.accept(current_user.id, device_key())
    return True
