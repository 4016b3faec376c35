"""The server killed with SIGKILL during a burst of comments: every acked comment is there
after the restart, and resending the unacked ones (as the outbox does) stores each once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.helpers import Reader, demo_session, ready_document_id
from tests.live import ROOT, free_port, run_demo, stop, wait_http

pytestmark = pytest.mark.timeout(300)
COMMENTS = 40
KILL_AFTER = 15


def _serve(env: dict[str, str], log) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "handbook", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_acked_comments_survive_a_kill_and_resends_store_once(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HANDBOOK_INSTANCE": str(tmp_path / "instance"),
        "PORT": str(port),
        "SECRET_KEY": "crash-test-secret",
        "LOG_LEVEL": "WARNING",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "COMMENT_RATE_LIMIT": "100000 per minute",
    }
    for key in ("DATABASE_URL", "REDIS_URL", "DOCS_STORE_ROOT"):
        env.pop(key, None)
    run_demo(env)
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "server.log").open("wb") as log:
        server = _serve(env, log)
        try:
            wait_http(f"{base}/login", server)
            session = demo_session(base, "0912000002")
            document = ready_document_id(base, session)
            reader = Reader(base, session)
            client_ids = [uuid.uuid4().hex for _ in range(COMMENTS)]
            acked: dict[str, int] = {}
            for n, client_id in enumerate(client_ids):
                if n == KILL_AFTER:
                    server.send_signal(signal.SIGKILL)  # mid-burst, no warning
                    server.wait(timeout=10)
                try:
                    ack = reader.client.call(
                        "comment.post",
                        {"document": document, "client_id": client_id, "body": f"Góp ý số {n}"},
                        # Before the kill every post is acked, however slowly a loaded disk
                        # syncs it (synchronous=FULL); after it no answer ever comes.
                        timeout=60 if n < KILL_AFTER else 3,
                    )
                except Exception:  # noqa: BLE001, S112 - the server is gone: this one stays unacked
                    continue
                if ack.get("ok"):
                    acked[client_id] = ack["comment"]["id"]
            assert len(acked) == KILL_AFTER
            try:
                reader.close()
            except Exception:  # noqa: BLE001, S110 - already dropped with the server
                pass

            server = _serve(env, log)
            wait_http(f"{base}/login", server)
            session = demo_session(base, "0912000002")
            again = Reader(base, session)
            # The outbox resends everything it has no ack for, and some it has (a lost ack).
            for n, client_id in enumerate(client_ids):
                if client_id not in acked or n % 5 == 0:
                    ack = again.client.call(
                        "comment.post",
                        {"document": document, "client_id": client_id, "body": f"Góp ý số {n}"},
                        timeout=20,
                    )
                    assert ack["ok"], ack
                    if client_id in acked:
                        assert ack["created"] is False and ack["comment"]["id"] == acked[client_id]
            again.close()
            stored = session.get(f"{base}/api/v1/documents/{document}/comments", timeout=30).json()
        finally:
            stop(server)
    bodies = [c["body"] for c in stored["comments"]]
    assert len(bodies) == COMMENTS == len(set(bodies))
    assert set(acked.values()) <= {c["id"] for c in stored["comments"]}
