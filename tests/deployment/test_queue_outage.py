"""The job queue (Redis) down while members of the committee work: what was asked is kept in the
database, the request answers as usual (never 500 after the commit: the user would retry and
make a duplicate), and the sweep queues the work once the queue answers again, once: at once
when a worker reads the queue again, a minute later at most otherwise.

Each test runs its own ``redis-server`` on a free loopback port, stops it mid-way and starts
it again (empty, as after a crash without persistence).
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from handbook import create_app
from handbook.accounts.operations import create_user
from handbook.audio.models import AudioStatus, AudioTrack
from handbook.core import db, jobs
from handbook.core.config import TestConfig
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.documents import jobs as document_jobs
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from handbook.documents.operations import WAITING_FOR_QUEUE, Upload, add_document
from handbook.meetings.models import Meeting
from handbook.orgs.models import OrgKind, Role
from handbook.orgs.operations import add_membership, create_organization
from tests.conftest import login
from tests.helpers import TEXT, api_session, create_meeting, response_text, upload_document
from tests.live import ROOT, free_port, start_redis, stop, wait_http

pytestmark = pytest.mark.timeout(300)

#: Long enough for a loaded 2-core machine; the tests wait for states, never assert on time.
READ_WITHIN_S = 150.0


class RedisServer:
    """A private ``redis-server`` without persistence, which a test stops and starts again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = start_redis(self.port, self.workdir)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(make_app: Callable[..., Flask], redis_server: RedisServer) -> Iterator[Flask]:
    """The app with the real scale-out job queue: Huey on this test's Redis, not inline."""
    app = make_app(JOBS_IMMEDIATE=False, REDIS_URL=redis_server.url)
    queue = jobs.huey.storage
    with app.app_context():
        yield app
        db.session.remove()
    app.extensions["handbook.engine"].dispose()
    queue.pool.disconnect()


def _documents() -> list[Document]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Document).order_by(Document.id)))


def _wait_until_read(ids: list[int], consumer_log: str = "") -> None:
    deadline = time.monotonic() + READ_WITHIN_S
    while time.monotonic() < deadline:
        db.session.expire_all()
        statuses = {db.session.get(Document, i).status for i in ids}
        if statuses <= {DocumentStatus.READY, DocumentStatus.FAILED}:
            return
        time.sleep(0.2)
    pytest.fail(f"documents {ids} were not read: {statuses} {consumer_log}")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_uploads_while_redis_is_down_wait_and_are_read_once_it_is_back(
    app, client, tree, redis_server
) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    redis_server.stop()

    # The page: the usual redirect, a clear message, the document listed as waiting.
    page = client.post(
        f"/meetings/{meeting.id}/documents",
        data={"files": (io.BytesIO(TEXT.encode()), "nghi-quyet.txt")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 302, response_text(page)
    shown = response_text(client.get(f"/meetings/{meeting.id}"))
    assert WAITING_FOR_QUEUE in shown
    assert "đang chờ xử lý" in shown
    # The page's own JSON answer (the upload form with JavaScript): 201, waiting.
    as_json = upload_document(
        client, meeting, name="ke-hoach.txt", data=b"KE HOACH\n\nThuc hien.\n"
    )
    assert as_json.status_code == 201, response_text(as_json)
    assert [d["status"] for d in as_json.json["documents"]] == ["queued"]
    assert as_json.json["documents"][0]["label"] == "đang chờ xử lý"
    assert as_json.json["notice"] == WAITING_FOR_QUEUE
    # The JSON API: 201 as for any upload.
    api = client.post(
        f"/api/v1/meetings/{meeting.id}/documents",
        data={"file": (io.BytesIO(b"BAO CAO\n\nTinh hinh thon.\n"), "bao-cao.txt")},
        content_type="multipart/form-data",
    )
    assert api.status_code == 201, response_text(api)
    assert api.json["status"] == "queued"

    # Publishing queues a job too (now, and at a chosen time): kept, no 500.
    later = (utcnow() + timedelta(days=2)).astimezone(VIETNAM_TZ)
    scheduled = client.post(
        f"/meetings/{meeting.id}/publish",
        # Its documents are still waiting to be read: the secretary confirms publishing anyway.
        data={
            "when": "later",
            "date": later.strftime("%Y-%m-%d"),
            "time": "08:00",
            "confirm": "1",
        },
    )
    assert scheduled.status_code == 302, response_text(scheduled)
    document_id = api.json["id"]
    at_once = client.post(f"/api/v1/documents/{document_id}/publish", json={})
    assert at_once.status_code == 200, response_text(at_once)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).publish_at is not None
    assert db.session.get(Document, document_id).publish_at is not None

    waiting = _documents()
    assert [d.status for d in waiting] == [DocumentStatus.QUEUED] * 3  # kept, none doubled
    ids = [d.id for d in waiting]
    assert document_jobs.sweep() == 0  # the queue is still down: nothing to do yet

    redis_server.start()  # empty: whatever was queued before the outage is gone too
    assert document_jobs.sweep() == 3
    assert jobs.waiting(document_jobs.extract_document) == {(i,) for i in ids}
    assert document_jobs.sweep() == 0  # already queued: never queued twice
    assert jobs.huey.pending_count() == 3

    consumer = jobs.start_consumer(app, workers=1, worker_type="thread")
    try:
        _wait_until_read(ids)
    finally:
        consumer.stop(graceful=True)
    read = _documents()
    assert [d.status for d in read] == [DocumentStatus.READY] * 3
    assert all(d.page_count == 1 for d in read)
    assert db.session.scalar(sa.select(sa.func.count(DocumentPage.id))) == 3

    # Asking for the voice again while the queue is down: accepted, waiting, then queued.
    redis_server.stop()
    remake = client.post(f"/documents/{document_id}/audio", json={"engine": "espeak"})
    assert remake.status_code == 202, response_text(remake)
    assert remake.json["status"] == "queued"
    track = db.session.scalars(sa.select(AudioTrack)).one()
    assert track.status is AudioStatus.QUEUED
    redis_server.start()
    from handbook.audio.jobs import sweep as audio_sweep
    from handbook.audio.jobs import synthesize_audio

    audio_sweep()
    assert jobs.waiting(synthesize_audio) == {(track.id,)}


def test_the_embedded_sweep_queues_a_document_never_queued_once(
    make_app: Callable[..., Flask],
) -> None:
    """The embedded default (Huey on SQLite in the instance folder): a document committed but
    never queued (the process died in between) is queued by the sweep, once, and read."""
    app = make_app(JOBS_IMMEDIATE=False)
    with app.app_context():
        assert type(jobs.huey.storage).__name__ == "SqliteStorage"
        document_id = _never_queued_document()
        assert document_jobs.sweep() == 1
        assert document_jobs.sweep() == 0  # waiting in the queue already
        assert jobs.waiting(document_jobs.extract_document) == {(document_id,)}
        consumer = jobs.start_consumer(app, workers=1, worker_type="thread")
        try:
            _wait_until_read([document_id])
        finally:
            consumer.stop(graceful=True)
        assert db.session.get(Document, document_id).status is DocumentStatus.READY
        db.session.remove()
    app.extensions["handbook.engine"].dispose()


def _never_queued_document() -> int:
    """A branch, its secretary, a meeting and an upload stored and committed, never queued."""
    province = create_organization("Tỉnh Thử", OrgKind.PROVINCE, None)
    branch = create_organization("Chi bộ Thử", OrgKind.BRANCH, province)
    secretary, _ = create_user(full_name="Bí Thư", phone="0912999002", password="mat-khau-2")
    add_membership(secretary, branch, Role.SECRETARY)
    meeting = Meeting(organization=branch, title="Họp", starts_at=utcnow() + timedelta(days=3))
    db.session.add(meeting)
    db.session.flush()
    document = add_document(
        Upload("nghi-quyet.txt", io.BytesIO(TEXT.encode())),
        organization=branch,
        actor=secretary,
        meeting=meeting,
    )
    db.session.commit()
    return document.id


# --- end to end: the real `serve` and `worker` processes ----------------------------------


def _wait_for_line(log: Path, line: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READ_WITHIN_S
    while line not in log.read_text(errors="replace"):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def _status(db_path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute("SELECT status, page_count FROM documents ORDER BY id").fetchall()


def test_real_serve_and_worker_an_upload_during_an_outage_is_read_after_it(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    db_path = instance / "handbook.db"
    url = f"sqlite:///{db_path}"
    db.upgrade(url)
    config: dict[str, Any] = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(INSTANCE_PATH=str(instance), DATABASE_URL=url)
    app = create_app(config)
    with app.app_context():
        province = create_organization("Tỉnh Thử", OrgKind.PROVINCE, None)
        branch = create_organization("Chi bộ Thử", OrgKind.BRANCH, province)
        secretary, _ = create_user(full_name="Bí Thư", phone="0912999001", password="mat-khau-1")
        add_membership(secretary, branch, Role.SECRETARY)
        meeting = Meeting(organization=branch, title="Họp", starts_at=utcnow() + timedelta(days=3))
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    app.extensions["handbook.engine"].dispose()

    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "HANDBOOK_INSTANCE": str(instance),
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "queue-outage-test",
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "SERVER_JOB_WORKERS": "0",
        "AUDIO_AUTO": "0",
    }
    serve_log, worker_log = tmp_path / "serve.log", tmp_path / "worker.log"
    with serve_log.open("wb") as out_s, worker_log.open("wb") as out_w:
        serve = subprocess.Popen(
            [sys.executable, "-m", "handbook", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out_s,
            stderr=out_s,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "handbook", "worker", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out_w,
            stderr=out_w,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/login", serve, log=serve_log)
            session, csrf = api_session(base, "0912999001", "mat-khau-1")
            _wait_for_line(worker_log, "Huey consumer started", worker)  # it finds nothing

            redis_server.stop()
            answer = session.post(
                f"{base}/meetings/{meeting_id}/documents",
                files={"files": ("nghi-quyet.txt", TEXT.encode(), "text/plain")},
                headers={"Accept": "application/json", "X-CSRFToken": csrf},
                timeout=60,
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["documents"][0]["label"] == "đang chờ xử lý"
            assert _status(db_path) == [("queued", 0)]

            _wait_for_line(worker_log, "Error reading from queue", worker)  # it noticed
            redis_server.start()  # the worker reads the queue again, sweeps, and reads it
            deadline = time.monotonic() + READ_WITHIN_S
            while time.monotonic() < deadline and _status(db_path)[0][0] == "queued":
                assert worker.poll() is None, worker_log.read_text(errors="replace")
                time.sleep(0.5)
            while time.monotonic() < deadline and _status(db_path)[0][0] == "processing":
                time.sleep(0.2)
            assert _status(db_path) == [("ready", 1)], worker_log.read_text(errors="replace")
            # Queued by the worker's sweep as the queue came back (its start-up recovery found
            # nothing), not a minute later by the periodic one.
            log = worker_log.read_text(errors="replace")
            back = log.index("the job queue answers again")
            assert "queued 1 documents left unfinished" in log[back:]
        finally:
            stop(serve)
            stop(worker)
