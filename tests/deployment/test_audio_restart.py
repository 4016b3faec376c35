"""A server killed while it reads a document aloud: after restart the new process finishes the
same track from the sentences already spoken (read back from the cache, not spoken again), and
leaves exactly one whole MP3: no duplicate track, no half file."""

from __future__ import annotations

import io
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import miniaudio

from handbook import create_app
from handbook.accounts.operations import create_user
from handbook.audio.models import AudioTrack
from handbook.audio.storage import audio_store
from handbook.core import db
from handbook.core.config import TestConfig
from handbook.core.timeutil import utcnow
from handbook.documents.jobs import queue_after_commit
from handbook.documents.operations import Upload, add_document
from handbook.meetings.models import Meeting
from handbook.orgs.models import OrgKind, Role
from handbook.orgs.operations import add_membership, create_organization
from tests.deployment.processes import job_worker, wait_ended
from tests.live import ROOT, embedded_env, stop, wait_for

TEXT = "\n\n".join(
    f"Mục {n}. Ngày {n % 28 + 1}/{n % 12 + 1}/2026, Chi bộ thôn Nà Phìa họp bàn việc trồng "
    f"{n * 3} ha chè và hỗ trợ {n + 2} hộ làm nhà. UBND xã giao chỉ tiêu cho từng tổ."
    for n in range(1, 161)
)


def _track(db_path: Path) -> tuple[int, str, int, str | None, int]:
    with sqlite3.connect(db_path, timeout=30) as conn:
        rows = conn.execute(
            "SELECT id, status, early_size, blob_sha256, sentences_total FROM audio_tracks"
        ).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _cache_files(instance: Path) -> dict[Path, int]:
    """Each cached sentence and its inode: a sentence spoken again is a new file."""
    return {p: p.stat().st_ino for p in (instance / "tts-cache").glob("??/*.chunk")}


def test_reading_aloud_resumes_after_a_server_kill(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'handbook.db'}"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(INSTANCE_PATH=str(instance), DATABASE_URL=url, AUDIO_AUTO=False)
    db.upgrade(url)
    app = create_app(config)
    with app.app_context():
        province = create_organization("Tỉnh Thử", OrgKind.PROVINCE, None)
        branch = create_organization("Chi bộ Thử", OrgKind.BRANCH, province)
        secretary, _ = create_user(full_name="Bí Thư", phone="0912999000", password="mat-khau-1")
        add_membership(secretary, branch, Role.SECRETARY)
        meeting = Meeting(organization=branch, title="Họp", starts_at=utcnow().replace(year=2099))
        db.session.add(meeting)
        db.session.flush()
        document = add_document(
            Upload("bao-cao.txt", io.BytesIO(TEXT.encode())),
            organization=branch,
            actor=secretary,
            meeting=meeting,
        )
        queue_after_commit(document)  # inline here: the text is ready after this commit
        db.session.commit()
        # Asked for, committed, and then the process died before it could queue the job.
        db.session.add(AudioTrack(document_id=document.id, requested_engine="espeak"))
        db.session.commit()
    app.extensions["handbook.engine"].dispose()

    env = embedded_env(
        instance, SERVER_JOB_WORKERS="1", TTS_ENGINE="espeak", SECRET_KEY="audio-restart-test"
    )
    db_path = instance / "handbook.db"
    log = (tmp_path / "server.log").open("wb")
    serve = [sys.executable, "-m", "handbook", "serve"]

    first = subprocess.Popen(serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # Killed once the beginning is playable: part of the document spoken, not all of it.
        wait_for(lambda: _track(db_path)[2] > 0, 120, "the first part of the audio", first)
        worker = job_worker(first.pid)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_ended(worker), "the job worker outlived its server"  # nothing more spoken
    finally:
        if first.poll() is None:
            first.kill()
    track_id, status, _early, blob, total = _track(db_path)
    assert (status, blob) == ("processing", None)
    spoken_before = _cache_files(instance)
    assert 0 < len(spoken_before) < total

    second = subprocess.Popen(serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _track(db_path)[1] in ("ready", "failed"), 240, "the audio", second)
    finally:
        stop(second)
        log.close()
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    _, status, early, blob, total = _track(db_path)
    assert status == "ready", server_log
    assert early == 0 and blob

    # Sentences spoken before the kill were read back, not spoken again.
    spoken_after = _cache_files(instance)
    assert all(spoken_after.get(path) == inode for path, inode in spoken_before.items())
    assert len(spoken_after) == len(set(spoken_after)) <= total

    with app.app_context():
        track = db.session.get(AudioTrack, track_id)
        assert track is not None and track.sentences_done == total
        data = audio_store().path(blob).read_bytes()
        assert len(data) == track.size
        heard = miniaudio.decode(data, nchannels=1, sample_rate=22050)
        assert abs(heard.duration - track.duration) < 0.2
        assert len(track.timings["sentences"]) == total
    for folder in (instance / "audio-work", instance / "blobs" / "audio-early"):
        assert sorted(p.name for p in folder.iterdir()) == []  # no half file, no early part
    app.extensions["handbook.engine"].dispose()
