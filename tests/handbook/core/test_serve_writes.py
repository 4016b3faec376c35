"""``serve``'s handler sends an answer's headers and body in one write on a connection without
Nagle's delay (``handbook/core/serving.py``): a keep-alive reader otherwise waits for its own
delayed ACK between the two, about 40 ms a page.

The handler runs in gevent's real WSGI server on a real TCP socket, in this process; the test
counts the writes the handler makes and asks the server's own socket for ``TCP_NODELAY``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import gevent  # type: ignore[import-untyped]
import pytest
from gevent import socket as gsocket
from gevent.pywsgi import WSGIServer  # type: ignore[import-untyped]

from handbook.core.serving import Limits, handler_class

PAGE = ("<p>Nghị quyết chi bộ</p>" * 400).encode()  # about 10 KB, like a page
BIG = b"x" * (1024 * 1024)  # past the one-write size: sent as gevent sends it


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes] | Iterator[bytes]:
    path = environ["PATH_INFO"]
    if path == "/stream":  # no length: chunked
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one ", b"two ", b"three"])
    body = BIG if path == "/big" else PAGE
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]


class _Observed:
    """What the handler did on each connection: its writes and its socket's option."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.no_delay: list[int] = []


@pytest.fixture
def server() -> Iterator[tuple[int, _Observed]]:
    observed = _Observed()
    base = handler_class(Limits(header_timeout=5.0, idle_timeout=5.0, max_per_peer=0))

    class Spy(base):  # type: ignore[misc, valid-type]
        def _sendall(self, data: bytes) -> None:
            observed.writes.append(bytes(data))
            observed.no_delay.append(self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            super()._sendall(data)

    wsgi = WSGIServer(("127.0.0.1", 0), _app, handler_class=Spy, log=None)
    wsgi.start()
    try:
        port = wsgi.server_port
        assert port is not None
        yield port, observed
    finally:
        wsgi.stop(timeout=1)


def _exchange(port: int, requests: list[str]) -> bytes:
    """Send the requests on one keep-alive connection, read until the server closes."""
    sock = gsocket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall("".join(requests).encode())
        received = bytearray()
        with gevent.Timeout(30):
            while chunk := sock.recv(65536):
                received += chunk
        return bytes(received)
    finally:
        sock.close()


def _get(path: str, *, close: bool = False) -> str:
    return (
        f"GET {path} HTTP/1.1\r\nHost: t\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    )


def test_a_page_goes_out_in_one_write_without_nagle(server: tuple[int, _Observed]) -> None:
    port, observed = server
    received = _exchange(port, [_get("/"), _get("/", close=True)])

    assert received.count(PAGE) == 2  # both answers, whole, on one connection
    assert len(observed.writes) == 2  # one write an answer: headers and body together
    for write in observed.writes:
        assert write.startswith(b"HTTP/1.1 200 OK\r\n") and write.endswith(PAGE)
    assert observed.no_delay and all(observed.no_delay)


def test_streamed_and_large_answers_arrive_whole(server: tuple[int, _Observed]) -> None:
    port, observed = server
    received = _exchange(port, [_get("/stream"), _get("/big", close=True)])

    head, _, rest = received.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert rest.startswith(b"4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n")
    assert rest.endswith(BIG)
    # gevent's own path: the big body is not copied behind its headers.
    assert any(write == BIG for write in observed.writes)
