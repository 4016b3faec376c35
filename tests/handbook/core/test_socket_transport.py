"""The websocket transport of ``serve`` (handbook/core/fanout.py) speaking RFC 6455 and 7692
itself, the room index that lets a crowd leave at once, the comment writer that stores the
comments posted together in one transaction, and the garbage collector's policy.

Broadcast order, acks, pings, slow and stalled readers and compression seen by clients are in
``test_fanout.py``; here, the protocol's edges on the wire, with a raw TCP client."""

from __future__ import annotations

import base64
import gc
import json
import logging
import os
import re
import socket
import struct
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import sqlalchemy as sa
from engineio import packet as eio_packet

from handbook.comments.models import Comment
from handbook.comments.operations import Writer
from handbook.core import db, fanout, gcpolicy
from handbook.core.timeutil import utcnow
from tests.conftest import login
from tests.helpers import demo_session, published_document, ready_document_id
from tests.live import run_live_server

pytestmark = pytest.mark.timeout(240)

# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("offer", "answer", "compress"),
    [
        (
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            True,
        ),
        (
            "permessage-deflate; server_max_window_bits=10",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10",
            False,
        ),
        ("x-webkit-deflate-frame", None, None),
        (
            "permessage-deflate; mystery=1, permessage-deflate",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            True,
        ),
        ("", None, None),
    ],
)
def test_compression_is_agreed_without_any_context_kept(offer, answer, compress) -> None:
    agreed = fanout._negotiate(offer)
    assert (agreed is None) if answer is None else agreed == (answer, compress)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_frames_carry_their_length_and_masks_come_off(size: int) -> None:
    payload = os.urandom(size)
    frame = fanout._frame(0x82, payload)
    length = frame[1]
    start = 2 if length < 126 else 4 if length == 126 else 10
    assert frame[0] == 0x82 and frame[start:] == payload
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    assert fanout._unmask(masked, mask) == payload


def test_a_packet_is_framed_once_and_compressed_once() -> None:
    pkt = eio_packet.Packet(
        eio_packet.MESSAGE, data='2["comment.new",{"body":"' + "ệ" * 900 + '"}]'
    )
    assert fanout.plain_frame(pkt) is fanout.plain_frame(pkt)
    deflated = fanout.deflated_frame(pkt)
    assert deflated is fanout.deflated_frame(pkt)
    assert deflated[0] == 0xC1  # FIN, RSV1 (compressed), text
    body = deflated[4:] if deflated[1] == 126 else deflated[2:]
    inflated = zlib.decompressobj(-15).decompress(body + b"\x00\x00\xff\xff")
    assert inflated.decode() == pkt.encode()


def test_a_client_leaves_exactly_its_rooms() -> None:
    """python-socketio's manager with the index: leaving touches only the client's rooms."""

    class Server:
        class eio:  # noqa: N801 - python-socketio's attribute name
            ids = iter(range(10**6))

            @classmethod
            def generate_id(cls) -> str:
                return f"sid{next(cls.ids)}"

        packet_class = socketio.packet.Packet

    manager = socketio.Manager()
    manager.set_server(Server())
    manager.__class__ = type("IndexedManager", (fanout.RoomIndex, socketio.Manager), {})
    manager.joined = {}
    a = manager.connect("eio-a", "/")
    b = manager.connect("eio-b", "/")
    for sid in (a, b):
        manager.enter_room(sid, "/", "document:1")
    manager.enter_room(a, "/", "user:7")
    assert sorted(manager.get_rooms(a, "/")) == sorted([a, "document:1", "user:7"])
    manager.leave_room(a, "/", "user:7")
    assert "user:7" not in manager.rooms["/"]
    manager.disconnect(a, "/")
    assert not manager.is_connected(a, "/") and manager.is_connected(b, "/")
    assert a not in manager.rooms["/"] and list(manager.rooms["/"]["document:1"]) == [b]
    assert (("/", a)) not in manager.joined
    manager.disconnect(b, "/")
    assert manager.rooms.get("/", {}) == {} and manager.joined == {}


def test_a_collection_of_the_oldest_generation_is_logged(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="handbook.core.gcpolicy"):
        gcpolicy._timed("start", {"generation": 2, "collected": 0, "uncollectable": 0})
        gcpolicy._timed("stop", {"generation": 2, "collected": 5, "uncollectable": 0})
        gcpolicy._timed("start", {"generation": 0, "collected": 0, "uncollectable": 0})
        gcpolicy._timed("stop", {"generation": 0, "collected": 1, "uncollectable": 0})
    assert [r.getMessage().split(",")[0] for r in caplog.records] == ["gc: generation 2 collection"]


def test_freezing_keeps_objects_out_of_collections_until_reclaimed() -> None:
    gc.collect()
    frozen = gc.get_freeze_count()
    try:
        cycle: list[Any] = []
        cycle.append(cycle)
        gcpolicy.freeze("a test")
        assert gc.get_freeze_count() > frozen
        del cycle
        gcpolicy.reclaim(0)
        assert gc.get_freeze_count() >= 0
    finally:
        gc.unfreeze()


# --------------------------------------------------------------------------- the writer


class _Result:
    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None

    def set(self, value: Any) -> None:
        self.value = value

    def set_exception(self, error: BaseException) -> None:
        self.error = error


def _row(document: Any, author: int, client_id: str, body: str) -> dict[str, Any]:
    return {
        "meeting_id": document.meeting_id,
        "document_id": document.id,
        "agenda_item_id": None,
        "paragraph": None,
        "parent_id": None,
        "author_id": author,
        "client_id": client_id,
        "body": body,
        "created_at": utcnow(),
        "edited_at": None,
        "deleted_at": None,
        "hidden_at": None,
        "hidden_reason": "",
        "hidden_by_id": None,
        "disposition": "none",
        "version": 1,
    }


def test_comments_posted_together_are_stored_once_each_in_one_batch(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    writer = Writer(app)
    mai, dung = tree.member_b1.id, tree.member_b2.id
    rows = [
        _row(document, mai, "lo-thi-mai-0001", "Một"),
        _row(document, dung, "nong-dung-0001", "Hai"),
        _row(document, mai, "lo-thi-mai-0001", "Một"),  # the same comment from another tab
        _row(document, mai, "lo-thi-mai-0002", "Ba"),
    ]
    results = [_Result() for _ in rows]
    writer._store(list(zip(rows, results, strict=True)))
    ids = [r.value for r in results]
    assert all(r.error is None for r in results)
    assert ids[2] is None and None not in (ids[0], ids[1], ids[3])
    assert ids[0] < ids[1] < ids[3]  # in the order they were posted
    db.session.expire_all()
    stored = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert [(c.client_id, c.body) for c in stored] == [
        ("lo-thi-mai-0001", "Một"),
        ("nong-dung-0001", "Hai"),
        ("lo-thi-mai-0002", "Ba"),
    ]


def test_one_bad_row_fails_only_its_poster(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    writer = Writer(app)
    good = _row(document, tree.member_b1.id, "tot-000000001", "Được")
    bad = _row(document, tree.member_b1.id, "xau-000000001", "Không")
    bad["document_id"] = 10**6  # no such document
    results = [_Result(), _Result()]
    writer._store([(good, results[0]), (bad, results[1])])
    assert isinstance(results[0].value, int) and results[0].error is None
    assert isinstance(results[1].error, sa.exc.IntegrityError)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Comment.client_id)).all() == ["tot-000000001"]


# --------------------------------------------------------------------------- on the wire


@dataclass
class Served:
    base: str
    session: requests.Session
    document: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[Served]:
    """``python -m handbook serve`` on the embedded default, with the demo data."""
    server = run_live_server(
        tmp_path_factory,
        artifacts_dir,
        "serve-transport",
        AUDIO_AUTO="0",  # the demo's documents are read, not voiced: nothing here listens
        LOGIN_RATE_LIMIT="1000 per minute",
        COMMENT_RATE_LIMIT="100000 per minute",
    )
    base = next(server)
    try:
        session = demo_session(base, "0912000003")
        yield Served(base, session, ready_document_id(base, session))
    finally:
        server.close()


class Wire:
    """A websocket client on a bare TCP socket: every byte of the handshake and the frames."""

    def __init__(self, served: Served, extensions: str | None = None) -> None:
        host, port = served.base.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        head = (
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\n"
            f"Cookie: session={served.session.cookies['session']}\r\n"
            f"User-Agent: {served.session.headers['User-Agent']}\r\n"
        )
        if extensions:
            head += f"Sec-WebSocket-Extensions: {extensions}\r\n"
        self.sock.sendall((head + "\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        answer, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.head = answer.decode()
        assert self.head.startswith("HTTP/1.1 101"), self.head

    def send(
        self,
        payload: bytes,
        *,
        opcode: int = 0x1,
        fin: bool = True,
        rsv1: bool = False,
        masked: bool = True,
    ) -> None:
        first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
        size = len(payload)
        mask_bit = 0x80 if masked else 0
        if size < 126:
            head = bytes((first, mask_bit | size))
        elif size < 65536:
            head = struct.pack("!BBH", first, mask_bit | 126, size)
        else:
            head = struct.pack("!BBQ", first, mask_bit | 127, size)
        if masked:
            mask = os.urandom(4)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            head += mask
        self.sock.sendall(head + payload)

    def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: (first byte, payload)."""
        self._need(2)
        first, length = self.buffer[0], self.buffer[1]
        assert not length & 0x80, "a server frame must not be masked"
        start = 2
        if length == 126:
            self._need(4)
            length, start = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif length == 127:
            self._need(10)
            length, start = struct.unpack("!Q", self.buffer[2:10])[0], 10
        self._need(start + length)
        payload = self.buffer[start : start + length]
        self.buffer = self.buffer[start + length :]
        return first, payload

    def text(self) -> str:
        """The next text message (inflated if compressed), answering Engine.IO pings."""
        while True:
            first, payload = self.frame()
            if first & 0x0F != 0x1:
                continue
            if first & 0x40:
                payload = zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff")
            message = payload.decode()
            if message == "2":
                self.send(b"3")
                continue
            return message

    def _need(self, size: int) -> None:
        while len(self.buffer) < size:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the server")
            self.buffer += data

    def connect(self) -> None:
        assert self.text().startswith("0{")
        self.send(b"40")
        assert self.text().startswith("40{")

    def close(self) -> None:
        self.sock.close()


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def test_a_browser_offer_is_answered_with_no_context_kept(served: Served) -> None:
    wire = Wire(served, "permessage-deflate; client_max_window_bits")
    try:
        assert re.search(
            r"(?im)^Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
            r"client_no_context_takeover\r?$",
            wire.head,
        ), wire.head
        wire.connect()
    finally:
        wire.close()


def test_compressed_and_fragmented_messages_are_understood(served: Served) -> None:
    wire = Wire(served, "permessage-deflate")
    try:
        wire.connect()
        join = b"420" + json.dumps(["comments.join", {"document": served.document}]).encode()
        compressed = _deflate(join)
        half = len(compressed) // 2
        wire.send(compressed[:half], fin=False, rsv1=True)
        wire.send(b"", opcode=0x9)  # a ping between the fragments is answered at once
        wire.send(compressed[half:], opcode=0x0)
        first, payload = wire.frame()
        assert first == 0x8A and payload == b""  # the pong
        answer = wire.text()
        assert answer.startswith("430[") and json.loads(answer[3:])[0]["ok"]
    finally:
        wire.close()


def test_a_big_broadcast_reaches_a_compressing_reader_compressed(served: Served) -> None:
    wire = Wire(served, "permessage-deflate")
    poster = socketio.Client(reconnection=False)
    try:
        wire.connect()
        wire.send(
            b"420"
            + json.dumps(
                ["comments.join", {"document": served.document, "after": 2**31 - 1}]
            ).encode()
        )
        assert wire.text().startswith("430[")
        poster.connect(
            served.base,
            transports=["websocket"],
            headers={
                "Cookie": f"session={served.session.cookies['session']}",
                "User-Agent": served.session.headers["User-Agent"],
            },
            wait_timeout=20,
        )
        body = "Góp ý dài " + "ệ" * 2000
        ack = poster.call(
            "comment.post",
            {"document": served.document, "client_id": uuid.uuid4().hex, "body": body},
            timeout=30,
        )
        assert ack["ok"], ack
        while True:
            first, payload = wire.frame()
            if first & 0x0F == 0x1 and first & 0x40:
                break
        message = zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff").decode()
        event = json.loads(message[2:])
        assert event[0] == "comment.new" and event[1]["body"] == body
    finally:
        poster.disconnect()
        wire.close()


@pytest.mark.parametrize(
    ("send", "code"),
    [
        ({"payload": b"4" + b"x" * (70 * 1024)}, 1009),  # over max_http_buffer_size
        ({"payload": b"40", "masked": False}, 1002),  # clients must mask
        ({"payload": b"\xff\xfe"}, 1007),  # not UTF-8
        ({"payload": b"", "opcode": 0x8}, 1000),  # the client closes: echoed
    ],
)
def test_the_server_closes_properly_when_it_must(served: Served, send, code) -> None:
    wire = Wire(served)
    try:
        assert wire.text().startswith("0{")
        kwargs = dict(send)
        if kwargs.get("opcode") == 0x8:
            kwargs["payload"] = struct.pack("!H", 1000)
        wire.send(**kwargs)
        while True:
            first, payload = wire.frame()
            if first & 0x0F == 0x8:
                break
        assert struct.unpack("!H", payload[:2])[0] == code
        wire.sock.settimeout(10)
        assert wire.sock.recv(1) == b""  # and the connection ends
    finally:
        wire.close()
