"""Who has the app open: a socket's row lives exactly as long as the socket. python-socketio
ignores a disconnect that arrives while the connect handler still runs, so a member who left
the page while their connection was being filed (SQLite busy with a job) stayed "open" for
good, and was never pushed to again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook.core import db, realtime
from handbook.core.extensions import socketio
from handbook.core.realtime import SocketConnection
from tests.conftest import FreshContextSocket, login, socket_for


def _rows(user) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(SocketConnection.sid).where(SocketConnection.user_id == user.id)
        )
    )


def test_an_open_socket_is_filed_and_unfiled_when_it_closes(app, tree) -> None:
    live = socket_for(app, tree.member_b1)
    assert len(_rows(tree.member_b1)) == 1
    live.disconnect()
    assert _rows(tree.member_b1) == []


def test_a_socket_gone_while_it_was_being_filed_leaves_nothing(
    app, tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = realtime.join_room

    def leave_meanwhile(room: str) -> None:
        joined(room)
        # The page is left now, before the row is committed: Engine.IO reports the end.
        server = socketio.server
        eio_sid = server.manager.eio_sid_from_sid(realtime.request.sid, "/")
        server._handle_eio_disconnect(eio_sid, server.reason.TRANSPORT_CLOSE)

    monkeypatch.setattr(realtime, "join_room", leave_meanwhile)
    browser = app.test_client()
    login(browser, tree.member_b1)
    FreshContextSocket(app, browser)
    assert _rows(tree.member_b1) == []
