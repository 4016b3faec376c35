"""The embedded mode's channel for live events from the job worker to ``serve``
(``core.jobevents``): what a worker emits reaches the clients of the server that hears it,
as python-socketio's Redis manager would bring it; nothing else changes for that server."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

import pytest
import socketio

from handbook.core import jobevents


class Recorded(socketio.Server):  # type: ignore[misc]
    """A python-socketio server that records the packets it would write to each client."""

    def __init__(self, **options: Any) -> None:
        super().__init__(async_mode="threading", **options)
        self.sent: list[tuple[str, str]] = []

    def _send_eio_packet(self, eio_sid: str, eio_pkt: Any) -> None:
        self.sent.append((eio_sid, eio_pkt.data))


def _client(server: Recorded, eio_sid: str, *rooms: str) -> None:
    sid = server.manager.connect(eio_sid, "/")
    for room in rooms:
        server.manager.enter_room(sid, "/", room)


def _wait_for(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.01)
    assert predicate()


def _events(server: Recorded, eio_sid: str) -> list[list[Any]]:
    """The Socket.IO events written to one client, as ``[event, data]``."""
    return [json.loads(data[1:]) for sid, data in server.sent if sid == eio_sid]


@pytest.fixture
def pair() -> Any:
    receiver = jobevents.Receiver()
    server = Recorded(client_manager=receiver)
    receiver.listen()
    worker_end = os.dup(receiver.theirs.fileno())  # what the worker inherits
    sender = jobevents.Sender(worker_end)
    worker = socketio.Server(async_mode="threading", client_manager=sender)
    yield server, worker, receiver
    sender._socket.close()
    receiver.close()


def test_what_the_worker_emits_reaches_the_room_on_serve(pair: Any) -> None:
    server, worker, _ = pair
    _client(server, "reader", "document:7")
    _client(server, "elsewhere", "document:8")
    worker.emit("audio.status", {"document": 7, "progress": 40}, to="document:7")
    worker.emit("audio.status", {"document": 7, "progress": 80}, to="document:7")
    _wait_for(lambda: len(_events(server, "reader")) == 2)
    assert _events(server, "reader") == [
        ["audio.status", {"document": 7, "progress": 40}],
        ["audio.status", {"document": 7, "progress": 80}],
    ]
    assert _events(server, "elsewhere") == []


def test_the_server_s_own_emits_stay_local_and_unwrapped(pair: Any) -> None:
    server, _, receiver = pair
    _client(server, "reader", "user:1")
    published: list[Any] = []
    receiver._publish = published.append
    server.emit("notice", {"id": 1}, to="user:1")
    assert _events(server, "reader") == [["notice", {"id": 1}]]
    assert published == []  # nothing goes anywhere else


def test_a_disconnect_asked_by_the_worker_happens_on_serve(pair: Any) -> None:
    server, worker, _ = pair
    _client(server, "reader")
    sid = server.manager.sid_from_eio_sid("reader", "/")
    worker.disconnect(sid)
    _wait_for(lambda: not server.manager.is_connected(sid, "/"))


def test_a_sender_without_a_listener_drops_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    ours.close()  # serve is gone
    sender = jobevents.Sender(theirs.detach())
    worker = socketio.Server(async_mode="threading", client_manager=sender)
    worker.emit("document.status", {"document": 1}, to="document:1")  # logged, not raised
    sender._socket.close()
    assert "job event document.status not delivered" in caplog.text


def test_which_manager_each_process_gets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(jobevents.FD_ENV, raising=False)
    assert jobevents.manager(redis=True, serve=True) is None  # Redis's message queue
    assert jobevents.manager(redis=False, serve=False) is None  # tests, commands
    receiver = jobevents.manager(redis=False, serve=True)
    assert isinstance(receiver, jobevents.Receiver)
    receiver.close()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    monkeypatch.setenv(jobevents.FD_ENV, str(theirs.fileno()))
    sender = jobevents.manager(redis=False, serve=False)
    assert isinstance(sender, jobevents.Sender)
    assert jobevents.manager(redis=False, serve=False) is sender  # one per descriptor
    jobevents._senders.clear()
    theirs.detach()
    sender._socket.close()
    ours.close()


def test_the_worker_pushes_every_notice_through_serve_which_alone_knows_who_is_online(
    pair: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live notices go only to members with a page open, where the process can know it. The
    job worker has no sockets and no Redis register: it must not take "nobody online" for an
    answer, but hand every notice to ``serve``, whose room finds the page that is open."""
    from handbook.core import realtime
    from handbook.core.extensions import socketio as app_socketio
    from handbook.notifications import operations

    server, worker, _receiver = pair
    _client(server, "page-of-7", realtime.user_room(7))
    with app.app_context():
        assert realtime.knows_who_is_live()
        assert operations._online([7, 8]) == set()  # this process has no socket of theirs
        monkeypatch.setattr(app_socketio, "server", worker)  # now the job worker's manager
        assert not realtime.knows_who_is_live()
        assert operations._online([7, 8]) == {7, 8}
        for uid in sorted(operations._online([7, 8])):
            realtime.push("notification", {"unread": 1}, to=realtime.user_room(uid))
    _wait_for(lambda: _events(server, "page-of-7"))
    assert _events(server, "page-of-7") == [["notification", {"unread": 1}]]
