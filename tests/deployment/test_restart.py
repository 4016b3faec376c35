"""A server killed in the middle of reading a document: its job worker ends with it, and after
restart the document is read, once, by the new server's worker; nothing is lost, nothing
doubled."""

from __future__ import annotations

import io
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from handbook import create_app
from handbook.accounts.operations import create_user
from handbook.core import db
from handbook.core.config import TestConfig
from handbook.core.timeutil import utcnow
from handbook.documents.operations import Upload, add_document
from handbook.meetings.models import Meeting
from handbook.orgs.models import OrgKind, Role
from handbook.orgs.operations import add_membership, create_organization
from tests.deployment.processes import job_worker, wait_ended
from tests.live import ROOT, embedded_env, stop, wait_for

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = 6


def _scanned_pdf(pages: int) -> bytes:
    font = ImageFont.truetype(FONT, 34)
    images = []
    for number in range(1, pages + 1):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for line in range(12):
            draw.text(
                (110, 140 + line * 70), f"Trang {number}: chi bộ học tập nghị quyết", font=font
            )
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _status(db_path: Path) -> tuple[str, str | None, int]:
    with sqlite3.connect(db_path, timeout=30) as conn:
        row = conn.execute("SELECT status, claimed_by, page_count FROM documents").fetchone()
    return row[0], row[1], row[2]


def test_a_document_being_read_survives_a_server_kill(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'handbook.db'}"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(INSTANCE_PATH=str(instance), DATABASE_URL=url, JOBS_IMMEDIATE=False)
    instance.mkdir()
    db.upgrade(url)
    app = create_app(config)
    with app.app_context():
        province = create_organization("Tỉnh Thử", OrgKind.PROVINCE, None)
        branch = create_organization("Chi bộ Thử", OrgKind.BRANCH, province)
        secretary, _ = create_user(
            full_name="Bí Thư", phone="0912999000", password="mat-khau-dai-1"
        )
        add_membership(secretary, branch, Role.SECRETARY)
        meeting = Meeting(organization=branch, title="Họp", starts_at=utcnow().replace(year=2099))
        db.session.add(meeting)
        db.session.flush()
        # Stored and committed, but the process dies before it could even queue the job.
        add_document(
            Upload("scan.pdf", io.BytesIO(_scanned_pdf(PAGES))),
            organization=branch,
            actor=secretary,
            meeting=meeting,
        )
        db.session.commit()
    app.extensions["handbook.engine"].dispose()

    env = embedded_env(instance, SERVER_JOB_WORKERS="1", SECRET_KEY="restart-test")
    db_path = instance / "handbook.db"
    with (tmp_path / "server.log").open("wb") as log:
        _kill_and_restart(env, db_path, log, tmp_path)


def _kill_and_restart(env: dict[str, str], db_path: Path, log, tmp_path: Path) -> None:

    first = subprocess.Popen(
        [sys.executable, "-m", "handbook", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _status(db_path)[0] == "processing", 60, "reading to start", first)
        worker = job_worker(first.pid)
        assert _status(db_path)[1].endswith(f":{worker}")  # read by serve's job worker
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_ended(worker), "the job worker outlived its server"
    finally:
        if first.poll() is None:
            first.kill()
    assert _status(db_path)[0] == "processing"  # the dead worker's claim is left behind

    second = subprocess.Popen(
        [sys.executable, "-m", "handbook", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        worker = job_worker(second.pid)
        wait_for(lambda: _status(db_path)[0] in ("ready", "failed"), 120, "the document", second)
    finally:
        stop(second)
    status, owner, page_count = _status(db_path)
    assert status == "ready", (tmp_path / "server.log").read_text(errors="replace")
    assert owner.endswith(f":{worker}")
    with sqlite3.connect(db_path) as conn:
        numbers = [n for (n,) in conn.execute("SELECT number FROM document_pages ORDER BY number")]
        text = " ".join(t for (t,) in conn.execute("SELECT folded FROM document_pages"))
    assert numbers == list(range(1, PAGES + 1)) == list(range(1, page_count + 1))
    assert "hoc tap nghi quyet" in text
