"""Room broadcasts framed once and written at once to every websocket (issue #5).

Why this reaches into engine.io: python-socketio hands one encoded ``Packet`` of a room
broadcast to every member's ``Socket.send``, which queues it; each socket's writer greenlet then
wakes, waits with a new gevent ``Timeout``, frames the packet with wsproto in pure Python and
sends it: 65-70 µs of server CPU per reader per comment (≈ 70 ms to 1,000 readers). No setting
reaches that, so websocket sockets are adopted here (``FastSocket``) and write a packet themselves:

- the websocket frame is built once per packet and kept on the packet object, so every
  member of a room shares the same bytes (frames from a server are never masked);
- the greenlet that emits hands those bytes to the kernel with one non-blocking ``send()``,
  when nothing else is pending for that socket; no queue, no switch, no timer.

Safety rules, for each connection:

- **One writer at a time, frames never interleave.** A direct write happens only when the
  socket's queue is empty and its writer is idle, and never yields (gevent is cooperative:
  nothing runs between the check and the write). If the kernel takes only part of a frame,
  the rest goes into the queue, where the writer sends it whole (``sendall``, which may
  yield); meanwhile every later write queues up behind it. simple-websocket's own writes
  (answers to the client's pings and closes) go through the same gate (``_GatedSocket``).
- **Order is kept.** A packet is written directly only when nothing is queued or being
  written, otherwise it is queued; the writer sends the queue in order (in one ``sendall``
  per batch). An ack sent after a broadcast therefore reaches that socket after it.
- **A slow or dead socket never stalls the fan-out.** A direct write never waits: a full
  socket buffer only means queueing, exactly as before; a broken one hands the bytes to the
  writer, which meets the error and ends the socket as engine.io's own writer does.
- **Polling, the upgrade, and anything unusual take the library's path.** Long-polling
  sockets, sockets still upgrading, and connections that are not gevent + simple-websocket
  over plain TCP use engine.io's code unchanged; direct writes start only once the
  websocket writer runs (after the upgrade's queued packets, which it sends first).
- **Compression.** A client that negotiated permessage-deflate (every browser) gets a
  packet larger than engine.io's ``compression_threshold`` (1,024 bytes) compressed by its
  own wsproto connection, framed in wire order, as before; smaller packets go out
  uncompressed and shared (RSV1 clear, which RFC 7692 allows per message and which does not
  touch the compression context), with the same 1 KB threshold as the JavaScript server.
- **Redis.** The message-queue listener emits through the same ``Manager.emit`` loop and
  rules. (The poster's own ack can still overtake a broadcast coming back through Redis, as
  it always could: python-socketio publishes and returns.)
- **Timeouts.** The writer waits on its queue without engine.io's per-packet ``Timeout`` (it
  idles while packets go directly); engine.io's ping check still closes a silent client.

It also ends simple-websocket 1.1.0's partial-send bug (#45) for adopted sockets: every byte
goes through ``sendall`` or the remainder queue.

It relies on engine.io's ``Socket`` internals (``queue``, ``poll``, ``_websocket_handler``,
``check_ping_timeout``), simple-websocket's ``Server`` attributes and gevent's socket
``send(data, flags, timeout)``, so it runs only with the exact versions it was written against
(``PINNED``), else the library's path is used, with a warning; ``SOCKETIO_FAST_FANOUT`` (default
on) switches it off. Every emit here runs in a greenlet of the hub thread (native threads only
hash passwords), which the "nothing runs in between" rule needs.
"""

from __future__ import annotations

import logging
import struct
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from engineio import packet as eio_packet
from engineio import socket as eio_socket

logger = logging.getLogger(__name__)

#: The library versions whose internals this module was written against.
PINNED = {"python-engineio": "4.15.1", "simple-websocket": "1.1.0", "gevent": "26.9.0"}

#: Where a packet keeps its shared websocket frame.
_FRAME = "_handbook_ws_frame"


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
    # Only now: engineio's gevent driver imports gevent's websocket support, which must not
    # load in a process that is not gevent's (tests, the CLI) before this check.
    from engineio.async_drivers import gevent as gevent_driver

    eio = server.eio
    if (
        gevent_driver.SimpleWebSocketWSGI is None
        or eio._async.get("websocket") is not gevent_driver.WebSocketWSGI
    ):
        logger.warning("fast fan-out off: the websocket driver is not simple-websocket")
        return False
    original = eio.handlers.get("connect")

    def adopt(sid: str, environ: dict[str, Any]) -> Any:
        sock = eio.sockets.get(sid)
        if type(sock) is eio_socket.Socket:
            sock.__class__ = FastSocket  # same layout; only methods are added
        return original(sid, environ) if original is not None else None

    eio.on("connect", adopt)
    return True


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def plain_frame(pkt: eio_packet.Packet) -> bytes:
    """The unmasked, uncompressed websocket frame of ``pkt``, built once per packet."""
    frame: bytes | None = pkt.__dict__.get(_FRAME)
    if frame is None:
        if pkt.binary:
            payload, opcode = bytes(pkt.data), 0x82  # FIN + binary
        else:
            payload, opcode = pkt.encode().encode("utf-8"), 0x81  # FIN + text
        size = len(payload)
        if size < 126:
            header = bytes((opcode, size))
        elif size < 65536:
            header = struct.pack("!BBH", opcode, 126, size)
        else:
            header = struct.pack("!BBQ", opcode, 127, size)
        frame = header + payload
        pkt.__dict__[_FRAME] = frame
    return frame


class FastSocket(eio_socket.Socket):
    """An engine.io socket that, on the websocket transport, writes its packets itself."""

    _wire: _Wire | None = None

    def send(self, pkt: eio_packet.Packet) -> None:
        wire = self._wire
        if wire is None or not wire.active:
            super().send(pkt)
            return
        if not self.check_ping_timeout():
            return
        if wire.busy or self.queue.qsize() or not wire.sws.connected:
            self.queue.put(pkt)  # behind what is pending; a closing connection: the writer
        else:
            try:
                data = wire.frame(pkt)
            except Exception:  # never break the caller's fan-out: the writer meets it
                self.queue.put(pkt)
            else:
                wire.write_now(data)
        log = self.server.logger
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s: Sending packet %s data %s",
                self.sid,
                eio_packet.packet_names[pkt.packet_type],
                pkt.data if not isinstance(pkt.data, bytes) else "<binary>",
            )

    def poll(self) -> list[eio_packet.Packet]:
        wire = self._wire
        if wire is not None and self.upgraded and not wire.done:
            return wire.run_writer()  # engine.io's websocket writer greenlet lands here
        return super().poll()

    def _websocket_handler(self, ws: Any) -> Any:
        wire = _Wire.attach(self, ws)
        if wire is None:
            return super()._websocket_handler(ws)
        self._wire = wire
        try:
            return super()._websocket_handler(ws)
        finally:
            wire.active = False
            wire.done = True


class _Wire:
    """One websocket connection's write side: direct writes, frames, and the writer loop."""

    def __init__(self, socket: FastSocket, sws: Any, sock: Any) -> None:
        self.socket = socket
        self.queue = socket.queue
        self.sws = sws  # simple_websocket.Server
        self.sock = sock  # its gevent socket
        extensions = sws.environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", "")
        #: The client may have negotiated permessage-deflate: big packets stay per socket.
        self.deflate = "permessage-deflate" in extensions.lower()
        self.threshold = socket.server.compression_threshold
        #: Direct writes allowed (the websocket writer runs); False before and after.
        self.active = False
        #: The writer holds bytes not yet fully written (it may be waiting for the kernel).
        self.busy = False
        self.done = False

    @classmethod
    def attach(cls, socket: FastSocket, ws: Any) -> _Wire | None:
        """The wire for engine.io's websocket wrapper ``ws``, or None for the library path."""
        import gevent.socket
        import simple_websocket

        sws = getattr(ws, "ws", None)
        if not isinstance(sws, simple_websocket.Server) or sws.mode != "gevent":
            return None
        sock = sws.sock
        if type(sock) is not gevent.socket.socket:  # TLS or anything else: library path
            return None
        wire = cls(socket, sws, sock)
        # a stand-in, not a socket.socket: it forwards all but send (duck typing, as intended)
        sws.sock = _GatedSocket(sock, wire)  # type: ignore[assignment]
        return wire

    def frame(self, pkt: eio_packet.Packet) -> bytes:
        frame = plain_frame(pkt)
        if self.deflate and len(frame) > self.threshold:
            from wsproto.events import Message, TextMessage

            # Compressed by this connection's own context, in wire order, as simple-websocket
            # would; the packet is framed here, right before it is written or queued as bytes.
            event = Message(data=bytes(pkt.data)) if pkt.binary else TextMessage(pkt.encode())
            return bytes(self.sws.ws.send(event))
        return frame

    def write_now(self, data: bytes | memoryview) -> None:
        """Write while nothing is pending; what the kernel does not take is queued."""
        try:
            sent = self.sock.send(data, 0, 0.0)  # gevent: timeout 0 never waits
        except OSError:  # full (BlockingIOError) or broken: the writer takes over
            sent = 0
        if sent < len(data):
            self.queue.put(memoryview(data)[sent:] if sent else data)

    def write_or_queue(self, data: bytes | memoryview) -> None:
        if self.busy or self.queue.qsize():
            self.queue.put(bytes(data))
        else:
            self.write_now(data)

    def run_writer(self) -> list[eio_packet.Packet]:
        """The websocket writer: send what is queued, in order; [] ends it (engine.io closes)."""
        queue = self.queue
        self.active = True
        try:
            while True:
                item = queue.get()  # no timeout: close() and the reader's end put None
                self.busy = True
                queue.task_done()
                chunks: list[bytes | memoryview] = []
                stop = False
                while True:
                    if item is None:
                        stop = True
                        break
                    if not isinstance(item, eio_packet.Packet):
                        chunks.append(item)  # an already framed remainder or control frame
                    elif self.sws.connected:
                        chunks.append(self.frame(item))
                    # else: the client closed; engine.io's writer drops the rest as well
                    if not queue.qsize():
                        break
                    item = queue.get_nowait()
                    queue.task_done()
                if chunks:
                    self.sock.sendall(chunks[0] if len(chunks) == 1 else b"".join(chunks))
                self.busy = False
                if stop:
                    return []
        except Exception as exc:  # a broken connection ends the writer, as in engine.io
            logger.debug("%s: websocket writer ended: %r", self.socket.sid, exc)
            return []
        finally:
            # From here on simple-websocket writes its close frame itself.
            self.active = False
            self.busy = False
            self.done = True


class _GatedSocket:
    """simple-websocket's socket, whose own writes (pongs, close frames) take their turn."""

    def __init__(self, sock: Any, wire: _Wire) -> None:
        self._sock = sock
        self._wire = wire

    def send(self, data: bytes, *args: Any) -> int:
        if not self._wire.active:
            return int(self._sock.send(data, *args))
        self._wire.write_or_queue(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
