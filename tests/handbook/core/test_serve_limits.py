"""``python -m handbook serve`` lets slow, idle and too many connections go
(handbook/core/serving.py), and never the ones doing real work: a websocket, a long-poll, a
slow upload.

Every check is on a real server process, over real sockets; each waits for a behaviour (the
server closing a connection: EOF) up to a generous bound, never for a speed. Each test talks
from loopback addresses of its own (127.0.0.x) so the per-address counts do not mix."""

from __future__ import annotations

import http.client
import os
import re
import selectors
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import socketio
from websocket import ABNF

from handbook.core.serving import Limits
from handbook.demo import DEMO_PASSWORD
from tests.helpers import demo_session
from tests.live import ROOT, run_live_server

pytestmark = pytest.mark.timeout(240)

HEADER_TIMEOUT_S = 2.0
IDLE_TIMEOUT_S = 5.0
#: How long a test waits for the server to do something before calling it a failure.
PATIENCE_S = 60.0


def _serve(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path, name: str, **settings: str
) -> Iterator[str]:
    """``serve`` (``tests/live.py``) with these settings in its environment; no job workers
    (these tests need no document read or spoken, and the CPU is shared)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVER_JOB_WORKERS", "0")
        for key, value in settings.items():
            patch.setenv(key, value)
        server = run_live_server(tmp_path_factory, artifacts_dir, name=name)
        base = next(server)  # started: its environment is taken
    yield base
    server.close()  # stops it


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[str]:
    """Short timeouts, so that the tests see them act."""
    yield from _serve(
        tmp_path_factory,
        artifacts_dir,
        "serve-limits",
        SERVE_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S),
        SERVE_IDLE_TIMEOUT_S=str(IDLE_TIMEOUT_S),
        SERVE_MAX_CONNECTIONS_PER_IP="50",
    )


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[str]:
    """Three connections per address and no timeouts: what is held stays held."""
    yield from _serve(
        tmp_path_factory,
        artifacts_dir,
        "serve-bounded",
        SERVE_HEADER_TIMEOUT_S="0",
        SERVE_IDLE_TIMEOUT_S="0",
        SERVE_MAX_CONNECTIONS_PER_IP="3",
    )


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _connect(base: str, source: str) -> socket.socket:
    """A TCP connection to the server from the loopback address ``source``."""
    return socket.create_connection(_address(base), timeout=PATIENCE_S, source_address=(source, 0))


def _http(base: str, source: str) -> http.client.HTTPConnection:
    host, port = _address(base)
    return http.client.HTTPConnection(host, port, timeout=PATIENCE_S, source_address=(source, 0))


def _get(connection: http.client.HTTPConnection, path: str = "/login") -> int:
    """One request on a keep-alive connection; its status (the body is read whole)."""
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    assert not response.will_close, "the server should keep the connection alive"
    return response.status


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or resets it)."""
    sock.settimeout(PATIENCE_S)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {PATIENCE_S:.0f} s")
    return received


# --- settings ------------------------------------------------------------------------------


def _config_value(name: str, **env: str) -> str:
    """A setting as a fresh process reads it from this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SERVE_", "PROXY_"))}
    return subprocess.run(
        [sys.executable, "-c", f"from handbook.core.config import Config; print(Config.{name})"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_bound_is_per_peer_so_it_is_off_behind_a_proxy_unless_asked() -> None:
    assert _config_value("SERVE_MAX_CONNECTIONS_PER_IP") == "50"
    assert _config_value("SERVE_MAX_CONNECTIONS_PER_IP", PROXY_COUNT="1") == "0"
    assert (
        _config_value(
            "SERVE_MAX_CONNECTIONS_PER_IP", PROXY_COUNT="1", SERVE_MAX_CONNECTIONS_PER_IP="500"
        )
        == "500"
    )
    config = {
        "SERVE_HEADER_TIMEOUT_S": 10.0,
        "SERVE_IDLE_TIMEOUT_S": 0,
        "SERVE_MAX_CONNECTIONS_PER_IP": 0,
    }
    assert Limits.from_config(config) == Limits(
        header_timeout=10.0, idle_timeout=None, max_per_peer=0
    )


# --- header timeout ------------------------------------------------------------------------


def test_slowloris_clients_are_closed_and_the_server_still_answers(limited: str) -> None:
    """Half a request line, or headers that keep coming a line at a time but never end: both
    are closed without an answer (the deadline is for the whole head, not each read); then an
    ordinary page still loads."""
    with ExitStack() as stack:
        stalled = [stack.enter_context(_connect(limited, "127.0.0.2")) for _ in range(10)]
        trickling = [stack.enter_context(_connect(limited, "127.0.0.2")) for _ in range(10)]
        for sock in stalled:
            sock.sendall(b"GET /login HT")
        for sock in trickling:
            sock.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")

        selector = stack.enter_context(selectors.DefaultSelector())
        for sock in stalled + trickling:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        answered: dict[int, bytes] = {}
        deadline = time.monotonic() + PATIENCE_S
        while len(answered) < len(stalled) + len(trickling):
            assert time.monotonic() < deadline, f"{len(answered)} of 20 slow clients were closed"
            for key, _ in selector.select(timeout=0.25):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                if data:
                    answered[sock.fileno()] = answered.get(sock.fileno(), b"") + data
                    continue
                answered.setdefault(sock.fileno(), b"")
                selector.unregister(sock)
            for sock in trickling:  # one more header line every quarter of a second
                if sock.fileno() not in answered:
                    try:
                        sock.send(b"X-Slow: 1\r\n")
                    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                        pass
        assert set(answered.values()) == {b""}, "a slow client was answered instead of closed"

    with closing(_http(limited, "127.0.0.2")) as connection:
        assert _get(connection) == 200


# --- idle timeout --------------------------------------------------------------------------


def test_an_idle_keep_alive_connection_is_closed(limited: str) -> None:
    with closing(_http(limited, "127.0.0.3")) as connection:
        assert _get(connection) == 200  # kept alive after the answer...
        assert connection.sock is not None
        assert _until_closed(connection.sock) == b""  # ... until it has been idle too long


def test_a_request_body_that_stops_is_cut(limited: str) -> None:
    with _connect(limited, "127.0.0.4") as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            b"login=09"
        )
        _until_closed(sock)  # whatever it answered, it let the connection go


def test_a_slow_upload_that_keeps_moving_is_not_cut(limited: str) -> None:
    """A sign-in form whose body takes longer than both timeouts, a few bytes at a time."""
    form = _session_form(limited)
    body = f"login=0912000002&password={DEMO_PASSWORD}&csrf_token={form['token']}".encode()
    pieces = [body[i : i + 4] for i in range(0, len(body), 4)]
    pause = (HEADER_TIMEOUT_S + IDLE_TIMEOUT_S) * 1.2 / len(pieces)
    assert pause < IDLE_TIMEOUT_S / 10  # each pause far below the idle timeout
    with _connect(limited, "127.0.0.5") as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\nCookie: session={form['cookie']}\r\n".encode()
            + b"Connection: close\r\n\r\n"
        )
        started = time.monotonic()
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        assert time.monotonic() - started > HEADER_TIMEOUT_S + IDLE_TIMEOUT_S
        answer = _until_closed(sock)
    status = answer.split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 302 FOUND", answer[:500]  # signed in: the body arrived whole
    assert re.search(rb"(?im)^Set-Cookie: session=", answer)


def _session_form(base: str) -> dict[str, str]:
    """A fresh sign-in form's CSRF token and the session cookie it belongs to."""
    with closing(_http(base, "127.0.0.5")) as connection:
        connection.request("GET", "/login")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = re.search(r"session=([^;]+)", response.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert cookie and token
    return {"cookie": cookie.group(1), "token": token.group(1)}


def test_idle_socketio_connections_are_never_cut(limited: str) -> None:
    """A websocket saying nothing and a long-poll held by the server, each for longer than
    the idle timeout: both still connected, on the same session, and answering."""
    session = demo_session(limited, "0912000003")
    clients: dict[str, socketio.Client] = {}
    dropped: list[str] = []
    try:
        for transport in ("websocket", "polling"):
            client = socketio.Client(reconnection=False)
            client.on("disconnect", lambda *_, t=transport: dropped.append(t))
            client.connect(
                limited,
                transports=[transport],
                wait_timeout=20,
                headers={
                    "Cookie": f"session={session.cookies['session']}",
                    "User-Agent": session.headers["User-Agent"],
                },
            )
            clients[transport] = client
        sids = {t: c.get_sid() for t, c in clients.items()}
        time.sleep(2 * IDLE_TIMEOUT_S + HEADER_TIMEOUT_S)  # at least this long, never less
        assert dropped == []
        for transport, client in clients.items():
            assert client.connected, transport
            assert client.get_sid() == sids[transport], transport
            # Signed in still (not 401), and answering: no such document.
            ack = client.call("comments.join", {"document": 10**9}, timeout=30)
            assert ack["ok"] is False and ack["status"] == 404, (transport, ack)
    finally:
        for client in clients.values():
            client.disconnect()


# --- connections per address ---------------------------------------------------------------


def test_connections_beyond_the_bound_are_refused_and_the_others_work(bounded: str) -> None:
    with ExitStack() as stack:
        held = [stack.enter_context(closing(_http(bounded, "127.0.0.6"))) for _ in range(3)]
        for connection in held:
            assert _get(connection) == 200

        with _connect(bounded, "127.0.0.6") as extra:
            answer = _until_closed(extra)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 "), answer
        assert "Quá nhiều kết nối" in body.decode()

        for connection in held:  # the earlier ones are untouched
            assert _get(connection) == 200
        with closing(_http(bounded, "127.0.0.7")) as other:  # the bound is per address
            assert _get(other) == 200

        held.pop().close()  # one goes: its place is free again, once the server has seen it
        deadline = time.monotonic() + PATIENCE_S
        while True:
            with closing(_http(bounded, "127.0.0.6")) as again:
                again.request("GET", "/login")
                response = again.getresponse()
                response.read()
                if response.status == 200:
                    break
                assert response.status == 503
            assert time.monotonic() < deadline, "the closed connection was never counted out"
            time.sleep(0.2)


def test_a_connection_ends_with_its_websocket(bounded: str) -> None:
    """After a websocket closes, its connection is not read as HTTP again (no timeouts on
    this server: only that rule closes it)."""
    with _connect(bounded, "127.0.0.8") as sock:
        sock.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 101 "), head
        sock.sendall(ABNF.create_frame(struct.pack("!H", 1000), ABNF.OPCODE_CLOSE).format())
        _until_closed(sock)
