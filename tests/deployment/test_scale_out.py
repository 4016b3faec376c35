"""Two server processes sharing one Redis and one PostgreSQL: a comment posted through one
reaches readers on the other; Redis stopped for 30 s and started again: both processes
re-subscribe, a comment posted meanwhile is stored, and readers resync with no gap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL
from tests.helpers import Reader, demo_session, ready_document_id
from tests.live import ROOT, free_port, run_demo, start_redis, stop, wait_http

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    schema = f"hb_scale_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    work = tmp_path_factory.mktemp("cluster")
    redis_port = free_port()
    redis = start_redis(redis_port, work)
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": "cluster-test-secret",
        "LOG_LEVEL": "WARNING",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "HANDBOOK_INSTANCE": str(work / "instance-a"),
        # Every process must see the same files: one blob store, shared.
        "DOCS_STORE_ROOT": str(work / "blobs"),
    }
    run_demo(env)
    ports = [free_port(), free_port()]
    servers = []
    logs = []
    for i, port in enumerate(ports):
        server_env = {
            **env,
            "PORT": str(port),
            "HANDBOOK_INSTANCE": str(work / f"instance-{i}"),
            "SERVER_JOB_WORKERS": "1" if i == 0 else "0",
        }
        log = (work / f"server-{i}.log").open("wb")
        logs.append(log)
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "handbook", "serve"],
                cwd=ROOT,
                env=server_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    state = {
        "urls": [f"http://127.0.0.1:{p}" for p in ports],
        "redis": redis,
        "redis_port": redis_port,
        "work": work,
    }
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_http(f"http://127.0.0.1:{port}/login", server)
        yield state
    finally:
        for server in servers:
            stop(server)
        for log in logs:
            log.close()
        stop(state["redis"])  # the test may have replaced it with a restarted one
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_a_comment_crosses_processes_and_survives_a_redis_outage(cluster) -> None:
    a, b = cluster["urls"]
    poster_session = demo_session(a, "0912000002")
    reader_session = demo_session(b, "0912000003")  # signed in on B, same secret and database
    document = ready_document_id(a, poster_session)
    poster = Reader(a, poster_session)
    reader = Reader(b, reader_session)
    try:
        assert poster.join(document)["ok"] and reader.join(document)["ok"]
        first = poster.post(document, "Gửi từ tiến trình A")
        assert first["ok"]
        assert reader.arrived.wait(15), "the comment did not cross to process B"
        assert [c["id"] for c in reader.heard] == [first["comment"]["id"]]

        # Redis goes away for 30 seconds; the database does not.
        stop(cluster["redis"])
        time.sleep(2)
        during = poster.post(document, "Gửi khi Redis ngừng")
        assert during["ok"]  # stored and acked: the queue is not the source of truth
        time.sleep(28)
        cluster["redis"] = start_redis(cluster["redis_port"], cluster["work"])

        # The reader resyncs from the last comment it saw: no gap.
        resync = reader.join(document, after=first["comment"]["id"])
        assert [c["id"] for c in resync["comments"]] == [during["comment"]["id"]]

        # Both processes re-subscribe by themselves: live delivery comes back.
        reader.arrived.clear()
        deadline = time.monotonic() + 90
        delivered = None
        while delivered is None and time.monotonic() < deadline:
            after = poster.post(document, f"Sau khi Redis trở lại {time.monotonic():.0f}")
            if reader.arrived.wait(5) and any(
                c["id"] == after["comment"]["id"] for c in reader.heard
            ):
                delivered = after
        assert delivered is not None, "process B never re-subscribed"
        stored = poster_session.get(f"{a}/api/v1/documents/{document}/comments", timeout=30).json()
        ids = [c["id"] for c in stored["comments"]]
        assert len(ids) == len(set(ids))
        assert first["comment"]["id"] in ids and during["comment"]["id"] in ids
    finally:
        poster.close()
        reader.close()
