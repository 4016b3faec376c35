"""The socket's edges on the real server: origins, long-polling only, and hostile payloads."""

from __future__ import annotations

import threading
import uuid

import pytest
import socketio
from socketio.exceptions import ConnectionError as SocketConnectionError

from tests.helpers import Reader, demo_session, ready_document_id

pytestmark = pytest.mark.timeout(180)


def _headers(session, origin: str | None) -> dict[str, str]:
    headers = {
        "Cookie": f"session={session.cookies['session']}",
        "User-Agent": session.headers["User-Agent"],
    }
    if origin is not None:
        headers["Origin"] = origin
    return headers


# The origin check runs on the Engine.IO handshake, whatever the transport.
@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_a_socket_from_another_origin_is_refused_even_with_a_session(live_server, origin) -> None:
    session = demo_session(live_server, "0912000003")
    for transports in (["polling"], ["websocket"]):
        client = socketio.Client(reconnection=False)
        with pytest.raises(SocketConnectionError):
            client.connect(
                live_server,
                headers=_headers(session, origin),
                transports=transports,
                wait_timeout=10,
            )


@pytest.mark.parametrize(
    ("origin", "status"),
    [(None, 200), ("same", 200), ("http://evil.example", 400), ("null", 400)],
)
def test_the_handshake_checks_the_origin_exactly(live_server, origin, status) -> None:
    """The Engine.IO handshake itself, with exactly one Origin header (or none): the websocket
    client library adds an Origin of its own, so it cannot show the accepted case."""
    session = demo_session(live_server, "0912000003")
    headers = {} if origin is None else {"Origin": live_server if origin == "same" else origin}
    response = session.get(
        f"{live_server}/socket.io/?EIO=4&transport=polling", headers=headers, timeout=10
    )
    assert response.status_code == status, response.text


def test_no_origin_and_no_session_is_refused(live_server) -> None:
    client = socketio.Client(reconnection=False)
    with pytest.raises(SocketConnectionError):
        client.connect(live_server, transports=["websocket"], wait_timeout=10)


def test_comments_work_over_long_polling_alone(live_server) -> None:
    """A proxy that blocks websockets still lets members discuss (Socket.IO's long-polling)."""
    session = demo_session(live_server, "0912000003")
    document = ready_document_id(live_server, session)
    client = socketio.Client(reconnection=False)
    heard = []
    client.on("comment.new", heard.append)
    client.connect(
        live_server, headers=_headers(session, None), transports=["polling"], wait_timeout=10
    )
    assert client.transport() == "polling"
    assert client.call("comments.join", {"document": document}, timeout=20)["ok"]
    ack = client.call(
        "comment.post",
        {"document": document, "client_id": uuid.uuid4().hex, "body": "Gửi qua long-polling"},
        timeout=20,
    )
    assert ack["ok"] and ack["comment"]["body"] == "Gửi qua long-polling"
    client.disconnect()


def test_hostile_payloads_never_take_the_server_down(live_server) -> None:
    session = demo_session(live_server, "0912000004")
    document = ready_document_id(live_server, session)
    attacker = Reader(live_server, session)
    nested: object = "x"
    for _ in range(20_000):
        nested = [nested]
    try:
        attacker.client.emit("comment.post", {"document": document, "body": nested})
        attacker.client.emit("comment.post", {"document": document, "body": "a" * 200_000})
    except Exception:  # noqa: BLE001, S110 - the server may drop this socket, that is fine
        pass
    # Whatever happened to that socket, the server still serves everyone else.
    fresh = Reader(live_server, demo_session(live_server, "0912000004"))
    ack = fresh.client.call(
        "comment.post",
        {"document": document, "client_id": uuid.uuid4().hex, "body": "Vẫn hoạt động"},
        timeout=20,
    )
    assert ack["ok"]
    fresh.close()
    try:
        attacker.close()
    except Exception:  # noqa: BLE001, S110
        pass


def test_the_same_client_id_from_several_tabs_at_once_is_stored_once(live_server) -> None:
    session = demo_session(live_server, "0912000003")
    document = ready_document_id(live_server, session)
    token = session.get(f"{live_server}/api/v1/me", timeout=30).json()["csrf_token"]
    client_id = uuid.uuid4().hex
    barrier = threading.Barrier(10)
    answers: list[tuple[int, int]] = []

    def tab() -> None:
        barrier.wait()
        response = session.post(
            f"{live_server}/api/v1/documents/{document}/comments",
            json={"client_id": client_id, "body": "Gửi cùng lúc từ nhiều thẻ"},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
        assert "comment" in response.json(), (response.status_code, response.text)
        answers.append((response.status_code, response.json()["comment"]["id"]))

    threads = [threading.Thread(target=tab) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200] * 9 + [201]
    assert len({comment_id for _, comment_id in answers}) == 1
