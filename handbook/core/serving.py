"""Connection limits for ``python -m handbook serve``: slow or idle clients are let go.

gevent's WSGI server waits for a client as long as the client likes: a connection that sends
half a request line, or keeps a keep-alive connection open and says nothing, holds a greenlet
and a socket forever, so a few hundred of them (slowloris) exhaust the process. This handler
adds what nginx does in front of an application server:

- **header timeout** (``SERVE_HEADER_TIMEOUT_S``): the request line and every header must have
  arrived within N seconds, counted from the connection (first request) or from the first byte
  of the request (later ones); a client that trickles headers byte by byte is still cut, as the
  deadline is for the whole head, not for each read;
- **idle timeout** (``SERVE_IDLE_TIMEOUT_S``): a keep-alive connection with no new request for
  N seconds is closed; while a request body is read, each read waits at most N seconds for the
  next byte (nginx's ``client_body_timeout``), so a slow upload that keeps moving is never cut,
  only one that has stopped;
- **connections per peer** (``SERVE_MAX_CONNECTIONS_PER_IP``): a peer address with that many
  open connections gets a short 503 for the next one, which is then closed.

What is never cut: an established websocket (simple-websocket reads its own duplicate of the
socket, which has no timeout, and Socket.IO's pings keep it alive), a long-poll the application
is holding (nothing is read from the client meanwhile), and any response being written (sends
have no deadline: a slow phone downloading a recording is progressing, not idle; one that stops
reading altogether is nginx's ``send_timeout`` to end). A connection whose websocket has closed
is closed with it, rather than read as HTTP again.

The bound is per **peer**: behind nginx every connection comes from nginx, so there it is off
by default (``PROXY_COUNT`` > 0) and nginx limits each member's address itself (``limit_conn``
in ``deploy/nginx.conf``). ``serve`` must never face the internet without nginx in front.
"""

from __future__ import annotations

import io
import logging
import socket
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from gevent import Timeout  # type: ignore[import-untyped]
from gevent.pywsgi import WSGIHandler  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

#: Sent to a connection over the bound, then closed. The body is for a person reading it.
_REFUSAL_BODY = "Quá nhiều kết nối từ địa chỉ này. Vui lòng thử lại sau ít phút.\n".encode()
_REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: " + str(len(_REFUSAL_BODY)).encode() + b"\r\n"
    b"Retry-After: 30\r\n"
    b"Connection: close\r\n\r\n" + _REFUSAL_BODY
)
#: A response body up to this size goes out in the same write as its headers.
_ONE_WRITE_MAX = 256 * 1024
#: How long a refused connection may take to receive its 503 and let us read what it sent
#: (closing with unread data would reset the connection and lose the answer).
_REFUSAL_LINGER_S = 2.0


@dataclass(frozen=True)
class Limits:
    """The limits of one server; ``None`` or 0 switches a limit off."""

    header_timeout: float | None = 10.0
    idle_timeout: float | None = 60.0
    max_per_peer: int = 50

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """From the app's ``SERVE_*`` settings (``handbook/core/config.py``)."""
        return cls(
            header_timeout=float(config["SERVE_HEADER_TIMEOUT_S"]) or None,
            idle_timeout=float(config["SERVE_IDLE_TIMEOUT_S"]) or None,
            max_per_peer=max(0, int(config["SERVE_MAX_CONNECTIONS_PER_IP"])),
        )


def handler_class(limits: Limits) -> type[WSGIHandler]:
    """A handler class for one server (``WSGIServer(handler_class=...)``), with its own table
    of open connections per peer."""
    return type(
        "LimitedHandler",
        (LimitedHandler,),
        {"limits": limits, "open_by_peer": Counter(), "refusing": set()},
    )


class _PatientReader(io.RawIOBase):
    """The client's side of the socket, for gevent's buffered ``rfile``: each read waits at
    most ``timeout`` for the next bytes, then raises ``TimeoutError``; after that the
    connection is unusable, as with ``socket.makefile``. Writes do not come through here."""

    def __init__(self, sock: socket.socket, timeout: float | None) -> None:
        super().__init__()
        # simple-websocket takes the socket from here (``rfile.raw._sock``) for an upgrade.
        self._sock = sock
        self._timeout = timeout
        self._timed_out = False

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._sock.fileno()

    def readinto(self, buffer: Any) -> int:
        if self._timed_out:
            raise TimeoutError("cannot read from a connection that timed out")
        previous = self._sock.gettimeout()
        self._sock.settimeout(self._timeout)
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError:
            self._timed_out = True
            raise
        finally:
            self._sock.settimeout(previous)


class _HeadTimeout(ValueError):
    """The request head did not arrive in time (a ``ValueError``, as gevent expects of a bad
    request, so that it ends the connection instead of calling the application)."""


class LimitedHandler(WSGIHandler):
    """gevent's handler with the limits of :class:`Limits` (use :func:`handler_class`)."""

    limits: ClassVar[Limits] = Limits(None, None, 0)
    open_by_peer: ClassVar[Counter[str]] = Counter()
    #: Peers at the bound that were told so in the log (once per burst, not per connection).
    refusing: ClassVar[set[str]] = set()

    _head_deadline: Timeout | None = None
    _requests_begun = 0

    def __init__(self, sock: socket.socket, address: Any, server: Any) -> None:
        reader = io.BufferedReader(_PatientReader(sock, self.limits.idle_timeout))
        # rfile= is gevent's (kept for compatibility, left out of types-gevent)
        super().__init__(sock, address, server, rfile=reader)  # type: ignore[call-arg]

    # --- connections per peer ------------------------------------------------------------

    def handle(self) -> None:
        """Serve the connection unless its peer already has as many as allowed."""
        peer = str(self.client_address[0]) if isinstance(self.client_address, tuple) else ""
        bound = self.limits.max_per_peer
        if bound and self.open_by_peer[peer] >= bound:
            self._refuse(peer)
            return
        self.open_by_peer[peer] += 1
        _no_delay(self.socket)
        try:
            super().handle()
        finally:
            self.open_by_peer[peer] -= 1
            if self.open_by_peer[peer] <= 0:
                del self.open_by_peer[peer]
                self.refusing.discard(peer)

    def _refuse(self, peer: str) -> None:
        """A short 503, then close; the client gets a moment to read it."""
        if peer not in self.refusing:
            self.refusing.add(peer)
            logger.warning(
                "%s has %d connections open: refusing more", peer, self.open_by_peer[peer]
            )
        sock = self.socket
        try:
            # False: gevent's silent timeout (the block just ends); types-gevent omits it
            with Timeout(_REFUSAL_LINGER_S, False):  # type: ignore[arg-type]
                sock.sendall(_REFUSAL)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(4096):
                    pass
        except OSError:
            pass
        finally:
            sock.close()

    # --- header and idle timeouts --------------------------------------------------------

    def read_requestline(self) -> str:
        """Wait for a request (at most the idle timeout after the first one), then start the
        deadline for its head; an empty line tells gevent to close the connection."""
        if self._requests_begun:
            try:
                if not self.rfile.peek(1):
                    return ""  # the client closed the connection
            except OSError:  # the idle timeout, or a reset
                return ""
        self._requests_begun += 1
        if self.limits.header_timeout:
            self._head_deadline = Timeout.start_new(self.limits.header_timeout)
        try:
            return str(super().read_requestline())
        except Timeout as timeout:
            if timeout is not self._head_deadline:
                raise
            self._head_deadline = None
            logger.debug("%s: no request line in time, closed", self.client_address)
            return ""

    # types-gevent says OldMessage; gevent returns True (or raises), as its docstring says
    def read_request(self, raw_requestline: str) -> bool:  # type: ignore[override]
        """gevent's parsing of the headers, within the head's deadline."""
        try:
            return bool(super().read_request(raw_requestline))
        except Timeout as timeout:
            if timeout is not self._head_deadline:
                raise
            raise _HeadTimeout("request headers not received in time") from None
        finally:
            self._cancel_head_deadline()

    def handle_one_request(self) -> Any:
        """gevent's request cycle; the head's deadline never outlives it, also when gevent
        returns before reading the headers (an empty or too long request line)."""
        try:
            return super().handle_one_request()
        finally:
            self._cancel_head_deadline()

    def handle_one_response(self) -> None:
        """The application's answer; after a websocket the connection is closed, not read as
        HTTP again (simple-websocket answers the upgrade itself, so gevent would otherwise wait
        for a next request and parse the client's last frames as one)."""
        super().handle_one_response()
        if self._connection_upgrade_requested():  # type: ignore[attr-defined]  # gevent's own
            self.close_connection = True

    # --- one write an answer ---------------------------------------------------------------

    def _write_with_headers(self, data: bytes) -> None:
        """Headers and a page's body in one write: gevent sends them apart, and on a
        keep-alive connection the body then waits for the client's delayed ACK of the
        headers (Nagle), about 40 ms a page, unless ``TCP_NODELAY`` is set, which
        :meth:`handle` also does; one write is one packet and one system call."""
        # gevent keeps the status and headers as latin-1 bytes by now (its stubs say str)
        gevent_handler: Any = self
        gevent_handler.headers_sent = True
        gevent_handler.finalize_headers()  # decides on chunked framing, too
        head = bytearray(b"HTTP/1.1 ")
        head += gevent_handler.status
        head += b"\r\n"
        for header, value in gevent_handler.response_headers:
            head += header
            head += b": "
            head += value
            head += b"\r\n"
        head += b"\r\n"
        if gevent_handler.response_use_chunked or len(data) > _ONE_WRITE_MAX:
            gevent_handler._sendall(head)  # as gevent does: no copy of a big body
            gevent_handler._write(data)  # frames a chunk
            return
        head += data
        gevent_handler._sendall(head)

    def _handle_client_error(self, ex: BaseException) -> Any:
        if isinstance(ex, _HeadTimeout):
            logger.debug("%s: %s, closed", self.client_address, ex)
            return None  # close without an answer, as for a late request line
        return super()._handle_client_error(ex)  # type: ignore[misc]  # gevent's, not in stubs

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.close()
            self._head_deadline = None


def _no_delay(sock: socket.socket) -> None:
    """No Nagle delay on a TCP connection (a Unix socket has none to switch off)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # the peer has already gone
