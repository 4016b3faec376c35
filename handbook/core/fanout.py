"""The websocket transport of ``serve``: one greenlet per connection, a room's frames built once.

Why this replaces engine.io's websocket handling (issues #5 and #12): python-engineio on gevent
with simple-websocket gives every connection four greenlets (the request's, a reader thread in
simple-websocket, engine.io's writer, and a sleeper per ping), a wsproto state machine, a queue
and a duplicate socket: about 70 KB and 180 garbage-collected objects per idle member, and
every broadcast woke a writer per reader to frame the same bytes again in pure Python. No
setting reaches that, so every engine.io socket is adopted here (``FastSocket``) and, on the
websocket transport, speaks RFC 6455 itself in the request's own greenlet:

- **Reading**: the request greenlet reads and parses the client's frames (masked, maybe
  fragmented, maybe compressed) and hands each message to engine.io's ``receive``, exactly
  what engine.io's reader loop did; answers pings, echoes the close handshake.
- **Writing**: a packet's frame is built once and kept on the packet, so every member of a
  room shares the same bytes (frames from a server are never masked). Writes made while a
  greenlet runs are gathered per connection and handed to the kernel when it yields (one
  hub callback for all connections): one ``send()`` per connection per turn of the loop, so
  comments posted together reach each reader in one system call, and a lone comment still
  goes at once. What the kernel does not take waits in the connection's backlog, written in
  order by a greenlet started only for that (``sendall``, which may wait); every later write
  goes behind it. Frames never interleave and order is kept: an ack after a broadcast
  arrives after it.
- **Pings**: engine.io's ping every ``ping_interval`` is sent by one greenlet for the whole
  process (a queue in due order), not a sleeping greenlet per socket; engine.io's own
  monitor still closes a client that stopped answering.
- **Compression**: a client that offers permessage-deflate (every browser) is answered with
  ``server_no_context_takeover`` and ``client_no_context_takeover``: packets over engine.io's
  ``compression_threshold`` (1 KB) are compressed once, shared by every reader, and the
  client's messages are inflated one at a time, so no connection keeps a zlib context
  (≈ 100-250 KB each with wsproto); smaller packets go uncompressed, as RFC 7692 allows.
- **Long-polling** sockets keep engine.io's code until they upgrade; the upgrade's probe is
  answered here and the queued packets go out first. A connection that is not gevent's plain
  TCP socket (TLS, another server) keeps the library's path entirely.

It relies on engine.io's ``Socket`` internals (``queue``, ``receive``, ``check_ping_timeout``,
``schedule_ping``, the upgrade flags) and gevent's ``socket.send(data, flags, timeout)`` and
loop callbacks, so it runs only with the exact versions it was written against (``PINNED``),
else the library's path is used, with a warning; ``SOCKETIO_FAST_FANOUT`` (default on)
switches it off. Every write here happens in a greenlet of the hub's thread (native threads only
hash passwords), which the gathering and ordering rules need.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import logging
import socket as _socket
import struct
import time
import zlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

import engineio.exceptions as eio_exceptions
import engineio.packet as eio_packet
import engineio.socket as eio_socket

from handbook.core import gcpolicy

logger = logging.getLogger(__name__)

#: The library versions whose internals this module was written against.
PINNED = {"python-engineio": "4.15.1", "python-socketio": "5.18.1", "gevent": "26.9.0"}

#: Where a packet keeps its shared websocket frames (plain, and compressed).
_FRAME = "_handbook_ws_frame"
_DEFLATED = "_handbook_ws_deflated"
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: How long a closing handshake may wait for the client before the socket is shut.
_CLOSE_WAIT_S = 5.0
_PING = eio_packet.Packet(eio_packet.PING)


def install(server: Any, *, enabled: bool) -> bool:
    """Adopt every new Engine.IO socket of ``server`` (a ``socketio.Server``); False if not."""
    if not enabled:
        return False
    if server.async_mode != "gevent":
        logger.debug("fast fan-out: async mode %s, library path kept", server.async_mode)
        return False
    found = {name: _version(name) for name in PINNED}
    if found != PINNED:
        logger.warning(
            "fast fan-out off: written for %s, found %s; using the library's path",
            PINNED,
            found,
        )
        return False
    eio = server.eio
    original = eio.handlers.get("connect")
    pings = _Pings(eio)

    def adopt(sid: str, environ: dict[str, Any]) -> Any:
        sock = eio.sockets.get(sid)
        if type(sock) is eio_socket.Socket:
            sock.__class__ = FastSocket  # same layout; only methods are added
            sock._pings = pings
            gcpolicy.connected()
        return original(sid, environ) if original is not None else None

    eio.on("connect", adopt)
    manager = server.manager
    manager.__class__ = type(f"Indexed{type(manager).__name__}", (RoomIndex, type(manager)), {})
    manager.joined = {}
    gcpolicy.start(eio)
    return True


class RoomIndex:
    """python-socketio's room manager, with each client's rooms at hand.

    To let a client go, python-socketio copies the table of rooms and looks for the client in
    every one of them, every client's own room included: O(clients) per disconnection, so a
    crowd of 2,000 leaving kept the server busy for seconds. This mixin keeps, per client, the
    rooms it is in (``joined``) and leaves exactly those."""

    joined: dict[tuple[str, str], set[Any]]

    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: Any = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]
        self.joined.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        rooms = self.joined.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.joined[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        manager: Any = self
        for room in self.joined.pop((namespace, sid), ()):
            super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        manager.callbacks.pop(sid, None)
        for pending in (manager.pending_connect, manager.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        return [room for room in self.joined.get((namespace, sid), ()) if room is not None]


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- frames


def _frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked, final websocket frame (``opcode`` with FIN and any RSV bits set)."""
    size = len(payload)
    if size < 126:
        return bytes((opcode, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", opcode, 126, size) + payload
    return struct.pack("!BBQ", opcode, 127, size) + payload


def plain_frame(pkt: eio_packet.Packet) -> bytes:
    """The uncompressed websocket frame of ``pkt``, built once per packet."""
    frame: bytes | None = pkt.__dict__.get(_FRAME)
    if frame is None:
        if pkt.binary:
            frame = _frame(0x82, bytes(pkt.data))  # FIN + binary
        else:
            frame = _frame(0x81, pkt.encode().encode("utf-8"))  # FIN + text
        pkt.__dict__[_FRAME] = frame
    return frame


def deflated_frame(pkt: eio_packet.Packet) -> bytes:
    """``pkt`` compressed on its own (no context taken over), built once per packet."""
    frame: bytes | None = pkt.__dict__.get(_DEFLATED)
    if frame is None:
        payload = bytes(pkt.data) if pkt.binary else pkt.encode().encode("utf-8")
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
        frame = _frame((0xC2 if pkt.binary else 0xC1), data[:-4])  # FIN + RSV1
        pkt.__dict__[_DEFLATED] = frame
    return frame


def _negotiate(offers: str) -> tuple[str, bool] | None:
    """The permessage-deflate answer to the client's offers and whether we may compress for
    it, or None to go without.

    We never keep a context on either side; a client that limits our window
    (``server_max_window_bits``) gets uncompressed messages, which RFC 7692 allows."""
    for offer in offers.split(","):
        name, *params = [p.strip() for p in offer.split(";")]
        if name.lower() != "permessage-deflate":
            continue
        answer = ["permessage-deflate", "server_no_context_takeover", "client_no_context_takeover"]
        compress = True
        for param in params:
            key = param.partition("=")[0].strip().lower()
            if key == "server_max_window_bits":
                answer.append(param)  # acknowledged: nothing is compressed for this client
                compress = False
            elif key not in {
                "client_max_window_bits",
                "server_no_context_takeover",
                "client_no_context_takeover",
            }:
                break  # a parameter we do not know: try the next offer
        else:
            return "; ".join(answer), compress
    return None


# --------------------------------------------------------------------------- the socket


class FastSocket(eio_socket.Socket):
    """An engine.io socket that, on the websocket transport, reads and writes frames itself."""

    _wire: _Wire | None = None
    _pings: _Pings | None = None
    _ping_at = 0.0
    # engine.io's own attributes, set in its __init__ (the library has no annotations)
    last_ping: float | None
    closed: bool
    closing: bool

    def send(self, pkt: eio_packet.Packet) -> None:
        wire = self._wire
        if wire is None or not wire.active:
            super().send(pkt)
            return
        if not self.check_ping_timeout():
            return
        if pkt.packet_type == eio_packet.MESSAGE:
            _messages[0] = True
        try:
            wire.write(wire.frame(pkt))
        except Exception:  # never break the caller's fan-out for one odd packet
            logger.warning("%s: could not frame a packet", self.sid, exc_info=True)
            return
        log = self.server.logger
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s: Sending packet %s data %s",
                self.sid,
                eio_packet.packet_names[pkt.packet_type],
                pkt.data if not isinstance(pkt.data, bytes) else "<binary>",
            )

    def schedule_ping(self) -> None:
        if self.last_ping and self._pings is not None:
            self.last_ping = None  # engine.io's sentinel: a ping is on its way
            self._pings.add(self)
        elif self.last_ping:
            super().schedule_ping()

    def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        if not self.closed and not self.closing:
            gcpolicy.disconnected()
        wire = self._wire
        if wire is None or not wire.active:
            super().close(wait=wait, abort=abort, reason=reason)
            return
        if self.closed or self.closing:
            return
        self.closing = True
        self.server._trigger_event(
            "disconnect", self.sid, reason or self.server.reason.SERVER_DISCONNECT, run_async=False
        )
        if not abort:
            wire.write(plain_frame(eio_packet.Packet(eio_packet.CLOSE)))
        self.closed = True
        wire.close(1000)

    def _upgrade_websocket(self, environ: dict[str, Any], start_response: Any) -> Any:
        sock = _raw_socket(environ)
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
        if (
            sock is None
            or self.upgraded
            or environ.get("HTTP_SEC_WEBSOCKET_VERSION") != "13"
            or len(key) > 64
        ):
            return super()._upgrade_websocket(environ, start_response)
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest())  # noqa: S324 - RFC 6455
        deflate = _negotiate(environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", ""))
        head = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n"
        )
        if deflate is not None:
            head += b"Sec-WebSocket-Extensions: " + deflate[0].encode() + b"\r\n"
        try:
            sock.sendall(head + b"\r\n")
        except OSError:  # gone before the answer: as a connection that ended
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
            return []
        wire = _Wire(
            self, sock, compress=deflate is not None and deflate[1], inflate=deflate is not None
        )
        self._wire = wire
        try:
            wire.run()
        finally:
            wire.end()
            self._wire = wire  # keep closing through it: sends after the end are dropped
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        return []


def _raw_socket(environ: dict[str, Any]) -> Any:
    """gevent's plain TCP socket under this request, or None (TLS, another server)."""
    import gevent.socket

    if not str(environ.get("SERVER_SOFTWARE", "")).startswith("gevent"):
        return None
    stream = environ.get("wsgi.input")
    if stream is not None and not hasattr(stream, "raw") and hasattr(stream, "rfile"):
        stream = stream.rfile
    sock = getattr(getattr(stream, "raw", None), "_sock", None)
    return sock if type(sock) is gevent.socket.socket else None


# --------------------------------------------------------------------------- one connection


class _Closed(Exception):
    """The connection ended (EOF, reset, a protocol error, or the close handshake)."""


class _Wire:
    """One websocket connection: its reader loop (in the request's greenlet) and its writes."""

    __slots__ = (
        "socket",
        "sock",
        "compress",
        "inflate",
        "threshold",
        "limit",
        "active",
        "pending",
        "backlog",
        "writer",
        "closing",
        "timer",
        "buffer",
    )

    def __init__(self, socket: FastSocket, sock: Any, *, compress: bool, inflate: bool) -> None:
        self.socket = socket
        self.sock = sock
        #: The client takes compressed messages (and may send them).
        self.compress = compress
        self.inflate = inflate
        self.threshold = socket.server.compression_threshold
        self.limit = socket.server.max_http_buffer_size
        #: Direct writes allowed (the websocket is up); False before and after.
        self.active = False
        #: Bytes written during this turn of the loop, sent when it yields.
        self.pending: list[bytes] = []
        #: Bytes the kernel did not take yet, sent in order by ``writer``.
        self.backlog: collections.deque[bytes | memoryview] | None = None
        self.writer: Any = None
        self.closing = False
        self.timer: Any = None
        self.buffer = bytearray()

    # --- writing ---------------------------------------------------------------------------

    def frame(self, pkt: eio_packet.Packet) -> bytes:
        frame = plain_frame(pkt)
        if self.compress and len(frame) > self.threshold:
            return deflated_frame(pkt)
        return frame

    def write(self, data: bytes) -> None:
        """Queue ``data`` behind everything written before; it leaves when the loop turns.
        Nothing follows a close frame."""
        if self.closing:
            return
        if self.backlog is not None:
            self.backlog.append(data)
            return
        if not self.pending:
            _gather(self)
        self.pending.append(data)

    def flush(self) -> None:
        """Hand what this turn wrote to the kernel, without waiting; the rest to the writer."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        if self.backlog is not None:
            self.backlog.append(data)
            return
        try:
            sent = self.sock.send(data, 0, 0.0)  # gevent: timeout 0 never waits
        except OSError:  # full (a timeout) or broken: the writer meets it
            sent = 0
        if sent < len(data):
            self.backlog = collections.deque([memoryview(data)[sent:] if sent else data])
            import gevent

            self.writer = gevent.spawn(self._drain)

    def _drain(self) -> None:
        """Send the backlog in order (waiting for the kernel), then go back to direct writes."""
        backlog = self.backlog
        try:
            while backlog:
                self.sock.sendall(backlog.popleft())
        except OSError as exc:
            logger.debug("%s: websocket write failed: %r", self.socket.sid, exc)
            self.shutdown()
        finally:
            self.backlog = None
            self.writer = None

    def close(self, code: int) -> None:
        """Start the closing handshake; the socket is shut if the client does not answer."""
        if self.closing:
            return
        self.write(_frame(0x88, struct.pack("!H", code)))
        self.closing = True
        if self.active:
            import gevent

            self.timer = gevent.get_hub().loop.timer(_CLOSE_WAIT_S)
            self.timer.start(self.shutdown)

    def shutdown(self) -> None:
        try:
            self.sock.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass

    def end(self) -> None:
        self.active = False
        if self.timer is not None:
            self.timer.close()
            self.timer = None
        self.buffer = bytearray()

    # --- reading ---------------------------------------------------------------------------

    def run(self) -> None:
        """engine.io's websocket session: the upgrade's probe if it began polling, then every
        message to ``receive`` until the connection ends."""
        socket = self.socket
        try:
            if socket.connected:  # upgrading from long-polling
                socket.upgrading = True
                if self.message() != "2probe":
                    socket.upgrading = False
                    return
                self.sock.sendall(_frame(0x81, b"3probe"))
                socket.queue.put(eio_packet.Packet(eio_packet.NOOP))  # ends the pending poll
                if self.message() != "5":
                    socket.upgrading = False
                    return
                socket.upgrading = False
            socket.connected = socket.upgraded = True
            self.active = True
            self._take_queued()
            while True:
                message = self.message()
                try:
                    pkt = eio_packet.Packet(encoded_packet=message)
                except Exception:  # not an Engine.IO packet
                    logger.info("%s: unreadable packet, websocket closed", socket.sid)
                    self._fail(1002)
                try:
                    socket.receive(pkt)
                except eio_exceptions.UnknownPacketError:
                    pass
                except eio_exceptions.SocketIsClosedError:
                    return
                del pkt, message  # not kept alive while the member is idle
        except _Closed:
            return
        except Exception:  # as engine.io: logged, and the connection ends properly
            logger.exception("%s: websocket session failed", socket.sid)

    def _take_queued(self) -> None:
        """Packets engine.io queued before the websocket was up (the handshake, or what a
        long-polling socket was given during its upgrade) go first, in order; the queue is
        not needed after that (``_NO_QUEUE``)."""
        queue = self.socket.queue
        while queue.qsize():
            pkt = queue.get_nowait()
            queue.task_done()
            if pkt is not None:
                self.write(self.frame(pkt))
        self.socket.queue = _NO_QUEUE

    def _read(self, need: int) -> None:
        if not self.buffer:
            self.buffer = bytearray()  # an idle member holds no grown buffer
        while len(self.buffer) < need:
            try:
                data = self.sock.recv(65536)
            except OSError:
                raise _Closed from None
            if not data:
                raise _Closed
            self.buffer += data

    def message(self) -> str | bytes:
        """The next whole message (text or binary); control frames are answered on the way."""
        parts: list[bytes] = []
        size = 0
        opcode = compressed = 0
        while True:
            self._read(2)
            b0, b1 = self.buffer[0], self.buffer[1]
            if not b1 & 0x80 or b0 & 0x30 or (b0 & 0x40 and not self.inflate):
                self._fail(1002)  # unmasked, or reserved bits we did not agree on
            length = b1 & 0x7F
            start = 2
            if length == 126:
                self._read(4)
                length, start = struct.unpack_from("!H", self.buffer, 2)[0], 4
            elif length == 127:
                self._read(10)
                length, start = struct.unpack_from("!Q", self.buffer, 2)[0], 10
            code = b0 & 0x0F
            if code >= 0x8 and (length > 125 or not b0 & 0x80):
                self._fail(1002)
            if size + length > self.limit:
                self._fail(1009)
            self._read(start + 4 + length)
            mask = bytes(self.buffer[start : start + 4])
            payload = _unmask(self.buffer[start + 4 : start + 4 + length], mask)
            del self.buffer[: start + 4 + length]
            if code == 0x8:  # close: answer it, then the session ends
                self.close(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1000)
                self.flush()
                raise _Closed
            if code == 0x9:  # ping
                self.write(_frame(0x8A, payload))
                continue
            if code == 0xA:  # pong
                continue
            if code in (0x1, 0x2):
                if parts:
                    self._fail(1002)
                opcode, compressed = code, b0 & 0x40
            elif code != 0x0 or not opcode:
                self._fail(1002)
            parts.append(payload)
            size += length
            if b0 & 0x80:
                break
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        if compressed:
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(data + b"\x00\x00\xff\xff", self.limit + 1)
            if len(data) > self.limit or inflater.unconsumed_tail:
                self._fail(1009)
        if opcode == 0x2:
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self._fail(1007)

    def _fail(self, code: int) -> NoReturn:
        self.close(code)
        self.flush()
        raise _Closed


class _NoQueue:
    """What a websocket socket has for engine.io's packet queue once its own writes take
    over: engine.io's closing puts one last ``None`` there and may wait for it."""

    def put(self, _item: Any) -> None:
        pass

    def join(self) -> None:
        pass

    def qsize(self) -> int:
        return 0


_NO_QUEUE = _NoQueue()


def _unmask(data: bytearray | bytes, mask: bytes) -> bytes:
    """The client's payload unmasked, with one big-integer XOR instead of a Python loop."""
    size = len(data)
    if not size:
        return b""
    key = (mask * (size // 4 + 1))[:size]
    value = int.from_bytes(data, "little") ^ int.from_bytes(key, "little")
    return value.to_bytes(size, "little")


# --------------------------------------------------------------------------- the process


#: Connections written to during this turn of the loop, flushed by one hub callback.
_dirty: list[_Wire] = []
#: Whether a Socket.IO message (not only pings) went out during this turn.
_messages = [False]


def _gather(wire: _Wire) -> None:
    if not _dirty:
        import gevent

        gevent.get_hub().loop.run_callback(_flush_all)
    _dirty.append(wire)


def _flush_all() -> None:
    wires = _dirty[:]
    _dirty.clear()
    if _messages[0]:
        _messages[0] = False
        gcpolicy.broadcast()
    for wire in wires:
        try:
            wire.flush()
        except Exception:  # one broken connection must not stop the others
            logger.debug("websocket flush failed", exc_info=True)


class _Pings:
    """Engine.IO's pings for every socket of one server, from one greenlet.

    Every socket waits the same ``ping_interval``, so the queue stays in due order."""

    def __init__(self, eio: Any) -> None:
        self.eio = eio
        self.due: collections.deque[tuple[float, FastSocket]] = collections.deque()
        self.greenlet: Any = None

    def add(self, socket: FastSocket) -> None:
        socket._ping_at = at = time.monotonic() + self.eio.ping_interval
        self.due.append((at, socket))
        if self.greenlet is None:
            import gevent

            self.greenlet = gevent.spawn(self._run)

    def _run(self) -> None:
        import gevent

        due = self.due
        try:
            while due:
                at, socket = due[0]
                wait = at - time.monotonic()
                if wait > 0:
                    gevent.sleep(wait)
                    continue
                due.popleft()
                if socket._ping_at != at or socket.closing or socket.closed:
                    continue
                socket.last_ping = time.time()
                try:
                    socket.send(_PING)
                except Exception:  # a closed socket: nothing to ping
                    logger.debug("%s: ping not sent", socket.sid, exc_info=True)
        finally:
            self.greenlet = None
