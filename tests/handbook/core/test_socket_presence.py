"""Who has the app open (``core.realtime.Presence``): a socket counts exactly as long as it is
open, in its own process and, through Redis, in every other one; closing a member's sockets
reaches every process; a process that dies stops counting; nothing is written to the database.

python-socketio ignores a disconnect that arrives while the connect handler still runs, so a
member who left the page while their connection was being filed stayed "open" for good, and
was never pushed to again."""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio as sio_client
import sqlalchemy as sa

from handbook.core import db, realtime
from handbook.core.extensions import socketio
from handbook.core.realtime import Presence
from tests.conftest import PG_URL, FreshContextSocket, login, socket_for
from tests.helpers import demo_session
from tests.live import free_port, start_redis, stop, two_processes

pytestmark = pytest.mark.timeout(240)


def _live(app, user) -> bool:
    with app.app_context():
        return user.id in realtime.live_users([user.id])


def test_an_open_socket_counts_until_it_closes_and_nothing_is_stored(app, tree) -> None:
    live = socket_for(app, tree.member_b1)
    assert _live(app, tree.member_b1)
    assert not _live(app, tree.member_b2)
    with app.app_context():
        tables = sa.inspect(db.session.get_bind()).get_table_names()
    assert "socket_connections" not in tables
    live.disconnect()
    assert not _live(app, tree.member_b1)


def test_a_socket_gone_while_it_was_being_filed_leaves_nothing(
    app, tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = realtime.join_room

    def leave_meanwhile(room: str) -> None:
        joined(room)
        # The page is left now, before the socket is filed: Engine.IO reports the end.
        server = socketio.server
        eio_sid = server.manager.eio_sid_from_sid(realtime.request.sid, "/")
        server._handle_eio_disconnect(eio_sid, server.reason.TRANSPORT_CLOSE)

    monkeypatch.setattr(realtime, "join_room", leave_meanwhile)
    browser = app.test_client()
    login(browser, tree.member_b1)
    FreshContextSocket(app, browser)
    assert not _live(app, tree.member_b1)


def test_closing_a_member_closes_only_the_device_asked(app, tree) -> None:
    phone = socket_for(app, tree.member_b1)
    tablet = socket_for(app, tree.member_b1)
    with app.app_context():
        register = realtime.presence()
        keys = {key for _user, key in register.sockets.values()}
        assert len(keys) == 2
        (phone_sid,) = _sids(register, phone)
        phone_key = register.sockets[phone_sid][1]
        assert realtime.end_sessions(tree.member_b1.id, session_key=phone_key) == 1
    assert not phone.is_connected() and tablet.is_connected()
    assert _live(app, tree.member_b1)
    with app.app_context():
        assert realtime.end_sessions(tree.member_b1.id) == 1
    assert not tablet.is_connected()
    assert not _live(app, tree.member_b1)


def _sids(register: Presence, client: FreshContextSocket) -> list[str]:
    """The Socket.IO sid of a test client's connection."""
    server = socketio.server
    return [
        sid
        for sid in register.sockets
        if server.manager.eio_sid_from_sid(sid, "/") == client.eio_sid
    ]


# --------------------------------------------------------------------------- several processes


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = start_redis(port, tmp_path)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


@pytest.fixture
def named_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sockets here are names ("sid-…"), open until closed: the registers of processes that
    are simulated, not served."""
    monkeypatch.setattr(realtime, "_open", lambda sid: sid.startswith("sid-"))


def _pair(app, redis_url: str) -> tuple[Presence, Presence]:
    """Two processes' registers of one deployment (driven by hand, no background loops)."""
    prefix = f"test-{uuid.uuid4().hex[:8]}:presence"
    return (
        Presence(redis_url, prefix, background=False),
        Presence(redis_url, prefix, background=False),
    )


def test_a_member_online_in_one_process_counts_in_the_others(app, redis_url, named_sockets) -> None:
    a, b = _pair(app, redis_url)
    a.add("sid-1", 7, "device-1")
    a.add("sid-2", 7, "device-2")
    a.add("sid-3", 8, "device-3")
    a.flush()
    assert b.live({7, 8, 9}) == {7, 8}
    a.remove("sid-1")
    a.flush()
    assert b.live({7}) == {7}  # still on another device
    a.remove("sid-2")
    a.remove("sid-3")
    a.flush()
    assert b.live({7, 8}) == set()


def test_a_process_that_died_stops_counting(app, redis_url, named_sockets, monkeypatch) -> None:
    monkeypatch.setattr(realtime, "PRESENCE_TTL_S", 1)
    a, b = _pair(app, redis_url)
    a.add("sid-1", 7, "device-1")
    a.flush()
    assert b.live({7}) == {7}
    time.sleep(2.2)  # a killed by SIGKILL: no more refreshes, its set expires
    assert b.live({7}) == set()


def test_a_restarted_redis_gets_the_whole_set_again(
    app, redis_url, named_sockets, monkeypatch
) -> None:
    monkeypatch.setattr(realtime, "REFRESH_S", 0.0)
    a, b = _pair(app, redis_url)
    a.add("sid-1", 7, "device-1")
    a.flush()
    a._client().flushall()
    assert b.live({7}) == set()
    a.flush()  # the next refresh, nothing having changed
    assert b.live({7}) == {7}


def test_with_redis_down_a_process_still_knows_its_own(app, named_sockets) -> None:
    down = f"redis://127.0.0.1:{free_port()}/0"
    a = Presence(down, "down:presence", background=False)
    a.add("sid-1", 7, "device-1")
    with app.app_context():
        assert a.live({7, 8}) == {7}
        assert a.close(7, None) == 1  # closed here; the others could not be told
    with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises for a refused port
        a.flush()
    assert a.changed == {7}  # kept for the next flush


def test_closing_in_one_process_reaches_the_others(app, redis_url, named_sockets) -> None:
    a, b = _pair(app, redis_url)
    b.add("sid-phone", 7, "device-phone")
    b.add("sid-tablet", 7, "device-tablet")
    listener = threading.Thread(target=b._listen_loop, daemon=True)
    with app.app_context():
        listener.start()
        try:
            time.sleep(0.5)  # subscribed
            a.close(7, "device-phone")
            deadline = time.monotonic() + 10
            while "sid-phone" in b.sockets and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            b.stopped.set()
            listener.join(5)
    assert set(b.sockets) == {"sid-tablet"}


def test_the_close_message_names_member_and_device(app, redis_url, named_sockets) -> None:
    a, b = _pair(app, redis_url)
    b.add("sid-1", 7, "device-1")
    with app.app_context():
        b.handle({"data": json.dumps({"user": 7, "key": "device-2", "from": a.process})})
        assert set(b.sockets) == {"sid-1"}
        b.handle({"data": json.dumps({"user": 7, "key": None, "from": b.process})})
        assert set(b.sockets) == {"sid-1"}  # its own message: closed already when sent
        b.handle({"data": json.dumps({"user": 7, "key": None, "from": a.process})})
        assert b.sockets == {}


# --------------------------------------------------------------------------- real processes


def test_signing_out_on_one_process_closes_that_device_on_the_other(tmp_path: Path) -> None:
    """Two ``serve`` processes on one PostgreSQL and one Redis: a member's phone and tablet
    both have a socket on B; the phone signs out through A; B closes the phone's socket only,
    and B no longer counts the phone once both are gone... while the tablet is still open."""
    with two_processes(PG_URL, tmp_path, "presence") as cluster:
        a, b = cluster["urls"]
        phone = demo_session(a, "0912000003")
        tablet = demo_session(a, "0912000003")
        closed = {"phone": threading.Event(), "tablet": threading.Event()}
        clients = {}
        for name, session in (("phone", phone), ("tablet", tablet)):
            client = sio_client.Client(reconnection=False)
            client.on("disconnect", lambda *_, name=name: closed[name].set())
            client.connect(
                b,
                transports=["websocket"],
                wait_timeout=20,
                headers={
                    "Cookie": f"session={session.cookies['session']}",
                    "User-Agent": session.headers["User-Agent"],
                },
            )
            clients[name] = client
        token = phone.get(f"{a}/api/v1/me", timeout=30).json()["csrf_token"]
        answer = phone.post(f"{a}/logout", data={"csrf_token": token}, timeout=30)
        assert answer.status_code == 200 and answer.url.endswith("/login"), answer.url
        assert closed["phone"].wait(15), "process B kept the signed-out phone's socket"
        time.sleep(1.0)
        assert not closed["tablet"].is_set() and clients["tablet"].connected
        clients["tablet"].disconnect()
