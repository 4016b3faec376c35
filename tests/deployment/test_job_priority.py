"""Jobs by urgency: reading a file never waits for a voice. Long jobs (reading aloud) wait in
a queue of their own, taken only when nothing else waits and by all workers but one, so a scan
uploaded while documents are being voiced is read at once (issue #14 item 2).

The order of events is asserted, never a duration: a long job here holds its worker until the
test lets it go, and the real server's voice is a document far longer than the scan."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from handbook import create_app
from handbook.accounts.operations import create_user
from handbook.core import db, jobs
from handbook.core.config import TestConfig
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.orgs.models import OrgKind, Role
from handbook.orgs.operations import add_membership, create_organization
from tests.docs_store import makers
from tests.helpers import api_session
from tests.live import ROOT, embedded_env, free_port, start_redis, stop, wait_http

pytestmark = pytest.mark.timeout(300)

#: How long a step may take on a loaded 2-core machine; waited for, never asserted on.
WITHIN_S = 120.0


class Board:
    """What the test jobs did, in order, and the gates that hold the long ones."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[str] = []
        self.gates: dict[str, threading.Event] = {}

    def note(self, event: str) -> None:
        with self.lock:
            self.events.append(event)

    def gate(self, name: str) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(name, threading.Event())

    def wait_for(self, event: str) -> list[str]:
        deadline = time.monotonic() + WITHIN_S
        while time.monotonic() < deadline:
            with self.lock:
                if event in self.events:
                    return list(self.events)
            time.sleep(0.02)
        pytest.fail(f"never happened: {event!r}; what did: {self.events}")


board = Board()


@jobs.job(long_running=True)
def _voice(name: str) -> None:
    """A long job: holds its worker until the test opens its gate."""
    board.note(f"{name} started")
    board.gate(name).wait(WITHIN_S)
    board.note(f"{name} ended")


@jobs.job()
def _read(name: str) -> None:
    board.note(f"{name} read")


@pytest.fixture
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """``None`` for the embedded SQLite queue, or a private Redis's URL."""
    if request.param == "sqlite":
        yield None
        return
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = start_redis(port, tmp_path)
    yield f"redis://127.0.0.1:{port}/0"
    stop(server)


@pytest.fixture
def queued_app(make_app: Callable[..., Flask], queue_url: str | None) -> Iterator[Flask]:
    """The app on the real queue (not inline), with nothing waiting in it."""
    global board
    board = Board()
    app = make_app(JOBS_IMMEDIATE=False, REDIS_URL=queue_url)
    jobs.huey.flush()
    with app.app_context():
        yield app
        db.session.remove()
    jobs.huey.flush()
    for gate in board.gates.values():  # a failed test must not leave a worker waiting
        gate.set()
    app.extensions["handbook.engine"].dispose()
    if queue_url:
        jobs.huey.storage.pool.disconnect()


@pytest.mark.parametrize("queue_url", ["sqlite", "redis"], indirect=True)
def test_a_file_is_read_while_long_jobs_hold_all_workers_but_one(queued_app: Flask) -> None:
    _voice("voice A")
    _voice("voice B")
    assert jobs.huey.pending_count() == 0  # in the long jobs' queue, not the first one
    assert jobs.waiting(_voice) == {("voice A",), ("voice B",)}
    consumer = jobs.start_consumer(queued_app, workers=2, worker_type="thread")
    try:
        board.wait_for("voice A started")
        _read("scan")  # queued after both voices
        # Read by the worker the voices may not take, while the first voice is still made
        # and before the second one starts.
        assert board.wait_for("scan read") == ["voice A started", "scan read"]
        board.gate("voice A").set()
        assert board.wait_for("voice B started") == [
            "voice A started",
            "scan read",
            "voice A ended",
            "voice B started",
        ]
        board.gate("voice B").set()
        board.wait_for("voice B ended")
    finally:
        for gate in board.gates.values():
            gate.set()
        consumer.stop(graceful=True)


@pytest.mark.parametrize("queue_url", ["sqlite"], indirect=True)
def test_a_long_job_an_older_version_queued_first_still_waits_its_turn(
    queued_app: Flask,
) -> None:
    # Before the two queues, every job went to the first one.
    jobs.huey.storage.enqueue(jobs.huey.serialize_task(_voice.s("old voice")), None)
    assert jobs.waiting(_voice) == {("old voice",)}
    jobs.huey.long_slots = threading.BoundedSemaphore(1)
    jobs.huey.long_slots.acquire()  # the one worker long jobs may take is busy
    try:
        assert jobs.huey.dequeue() is None  # moved to its own queue, not run
        assert jobs.huey.pending_count() == 0
        assert jobs.waiting(_voice) == {("old voice",)}
    finally:
        jobs.huey.long_slots.release()
    task = jobs.huey.dequeue()
    assert task is not None and task.args == ("old voice",)
    assert not jobs.huey.long_slots.acquire(blocking=False)  # held while it runs
    board.gate("old voice").set()
    jobs.huey.execute(task)
    assert board.events == ["old voice started", "old voice ended"]
    assert jobs.huey.long_slots.acquire(blocking=False)  # and given back
    jobs.huey.long_slots = None


# --- end to end: the real server and its job worker, espeak-ng's voice, Tesseract's OCR -----

SECRETARY, PASSWORD = "0912999014", "mat-khau-14"


def _long_text(seed: int) -> bytes:
    """A document that takes minutes to voice (every sentence its own, none cached)."""
    return "\n\n".join(
        f"Mục {n}. Ngày {n % 28 + 1}/{n % 12 + 1}/2026, chi bộ thôn số {seed} họp bàn việc "
        f"trồng {n * 3 + seed} ha chè và hỗ trợ {n + seed} hộ làm nhà mới. Ủy ban nhân dân xã "
        f"giao chỉ tiêu {n * 7 + seed} cho tổ {n % 9 + 1}."
        for n in range(1, 2001)
    ).encode()


def _state(db_path: Path) -> tuple[dict[int, tuple[str, int]], dict[int, tuple[str, int, str]]]:
    """Documents (status, pages) and audio tracks by document (status, sentences done,
    claimed by), from the server's database."""
    with sqlite3.connect(db_path, timeout=30) as conn:
        documents = conn.execute("SELECT id, status, page_count FROM documents").fetchall()
        tracks = conn.execute(
            "SELECT document_id, status, sentences_done, claimed_by FROM audio_tracks"
        ).fetchall()
    return (
        {d: (status, pages) for d, status, pages in documents},
        {d: (status, done, str(owner)) for d, status, done, owner in tracks},
    )


def _text(db_path: Path, document: int) -> str:
    with sqlite3.connect(db_path, timeout=30) as conn:
        rows = conn.execute(
            "SELECT blocks FROM document_pages WHERE document_id = ? ORDER BY number", (document,)
        ).fetchall()
    return " ".join(block["text"] for (blocks,) in rows for block in json.loads(blocks))


def _prepared_instance(instance: Path) -> int:
    """A branch, its secretary and a meeting in a fresh instance; the meeting's id."""
    url = f"sqlite:///{instance / 'handbook.db'}"
    db.upgrade(url)
    config: dict[str, Any] = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(INSTANCE_PATH=str(instance), DATABASE_URL=url)
    app = create_app(config)
    with app.app_context():
        province = create_organization("Tỉnh Thử", OrgKind.PROVINCE, None)
        branch = create_organization("Chi bộ Thử", OrgKind.BRANCH, province)
        secretary, _ = create_user(full_name="Bí Thư", phone=SECRETARY, password=PASSWORD)
        add_membership(secretary, branch, Role.SECRETARY)
        meeting = Meeting(organization=branch, title="Họp", starts_at=utcnow() + timedelta(days=3))
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    app.extensions["handbook.engine"].dispose()
    return meeting_id


def _upload(base: str, session: requests.Session, csrf: str, meeting: int, **files: bytes) -> list:
    answer = session.post(
        f"{base}/meetings/{meeting}/documents",
        files=[("files", (name, io.BytesIO(data))) for name, data in files.items()],
        headers={"Accept": "application/json", "X-CSRFToken": csrf},
        timeout=120,
    )
    assert answer.status_code == 201, answer.text
    return [d["document"] for d in answer.json()["documents"]]


def test_a_scan_uploaded_while_documents_are_voiced_is_read_at_once(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    meeting = _prepared_instance(instance)
    db_path = instance / "handbook.db"
    scan = makers.scanned_a4_pdf(tmp_path / "ban-quet.pdf", pages=2).read_bytes()
    # Two job workers, every document voiced as soon as it is read (AUDIO_AUTO).
    env = embedded_env(
        instance,
        SERVER_JOB_WORKERS="2",
        TTS_ENGINE="espeak",
        AUDIO_AUTO="1",
        SECRET_KEY="job-priority-test",
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "handbook", "serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"{base}/login", server, log=log_path)
            session, csrf = api_session(base, SECRETARY, PASSWORD)
            voiced = _upload(
                base, session, csrf, meeting, **{"bao-cao-1.txt": _long_text(1)}
            ) + _upload(base, session, csrf, meeting, **{"bao-cao-2.txt": _long_text(2)})

            def seen() -> dict[int, tuple[str, int, str]]:
                """The tracks now; never more than one voice made at once (of two workers)."""
                _, tracks = _state(db_path)
                making = [d for d, (status, _, _) in tracks.items() if status == "processing"]
                assert len(making) <= 1, f"{tracks}: a voice on every worker"
                return tracks

            deadline = time.monotonic() + WITHIN_S
            while True:  # both read, one voice being made (and under way), the other waiting
                tracks = seen()
                statuses = sorted(tracks[d][0] for d in voiced if d in tracks)
                if statuses == ["processing", "queued"] and max(t[1] for t in tracks.values()):
                    break
                assert time.monotonic() < deadline, f"{tracks}\n{log_path.read_text()}"
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
            making = next(d for d in voiced if tracks[d][0] == "processing")
            waiting = next(d for d in voiced if d != making)
            maker = tracks[making][2]  # host:pid of the worker making it

            (scanned,) = _upload(base, session, csrf, meeting, **{"ban-quet.pdf": scan})
            deadline = time.monotonic() + WITHIN_S
            while (documents := _state(db_path)[0])[scanned][0] not in ("ready", "failed"):
                seen()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            tracks = seen()
            # Read while the same run of the first voice was still being made, the second
            # still waiting: nothing of the scan waited for a voice.
            assert documents[scanned] == ("ready", 2), log_path.read_text()
            assert tracks[making][0::2] == ("processing", maker)
            assert tracks[waiting][0] == "queued"
            # The scan's own voice, asked for once its text was read, waits its turn too.
            assert tracks.get(scanned, ("queued",))[0] == "queued"
            assert "nghị quyết" in _text(db_path, scanned).lower()
        finally:
            stop(server)
