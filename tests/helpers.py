"""What several test modules do the same way: meetings and documents made through the test
client, files to upload, and a demo member's clients of a real server (``tests/live.py`` runs
it). Fixtures and sign-in for the test client live in ``tests/conftest.py``."""

from __future__ import annotations

import io
import re
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import docx
import pytest
import requests
import socketio
import sqlalchemy as sa

from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.demo import DEMO_PASSWORD
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from tests.docs_store.makers import text_pdf

# --- through the test client -----------------------------------------------------------------

TEXT = (
    "NGHỊ QUYẾT\n\n"
    "Chi bộ thống nhất triển khai chuyển đổi số trong sinh hoạt đảng.\n\n"
    "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt và góp ý trực tuyến.\n"
)


def response_text(response) -> str:
    return response.get_data(as_text=True)


def meeting_form(days: int = 10, **extra):
    when = (utcnow() + timedelta(days=days)).astimezone(VIETNAM_TZ)
    data = {
        "title": "Sinh hoạt chi bộ tháng 12",
        "kind": "regular",
        "date": when.strftime("%Y-%m-%d"),
        "time": "19:30",
        "place": "Nhà văn hóa thôn",
        "agenda": "Báo cáo tình hình\n- Phổ biến nghị quyết\n\n3. Thảo luận",
    }
    data.update(extra)
    return data


def create_meeting(client, org, **extra) -> Meeting:
    response = client.post(f"/org/{org.id}/meetings/new", data=meeting_form(**extra))
    assert response.status_code == 302, response_text(response)
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Meeting, meeting_id)


def upload_document(client, meeting, name="nghi-quyet.txt", data: bytes | None = None, **form):
    data = TEXT.encode() if data is None else data
    return client.post(
        f"/meetings/{meeting.id}/documents",
        data={"files": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


def published_document(client, org, *, name: str = "nghi-quyet.txt", text: str = TEXT) -> Document:
    """A new meeting of ``org`` with one uploaded text, published now (``client`` may manage)."""
    meeting = create_meeting(client, org)
    upload_document(client, meeting, name=name, data=text.encode())
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    return db.session.scalars(sa.select(Document).where(Document.meeting_id == meeting.id)).one()


# --- files to upload -------------------------------------------------------------------------


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("KẾ HOẠCH", level=1)
    document.add_heading("I. Mục đích, yêu cầu", level=2)
    document.add_paragraph("Đẩy mạnh chuyển đổi số trong công tác đảng ở thôn Nà Phìa.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


#: A page that would steal the session if a browser ever ran it on our origin.
SCRIPT = b"<script>fetch('/pwned?c=' + document.cookie)</script>"


def polyglot_pdf(tmp_path: Path) -> bytes:
    """HTML first, then a real PDF within the first KiB: a PDF to readers (and to our
    sniffing), a page to a browser that sniffs."""
    pdf = text_pdf(tmp_path / "real.pdf", pages=1).read_bytes()
    return b"<!doctype html><html><body>" + SCRIPT + b"<!--\n" + pdf


# --- a demo member against a real server -----------------------------------------------------


def demo_session(base: str, login: str, password: str = DEMO_PASSWORD) -> requests.Session:
    """An HTTP session signed in as ``login`` (a demo member by default) on the server at
    ``base``."""
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    session.post(
        f"{base}/login",
        data={"login": login, "password": password, "csrf_token": token},
        timeout=60,
    )
    assert "session" in session.cookies
    return session


def api_session(base: str, login: str, password: str) -> tuple[requests.Session, str]:
    """A signed-in session and its CSRF token for the API's writes."""
    session = demo_session(base, login, password)
    me = session.get(f"{base}/api/v1/me", timeout=30)
    assert me.status_code == 200, me.text
    return session, me.json()["csrf_token"]


class Reader:
    """A member's real Socket.IO client on one process, collecting ``comment.new``."""

    def __init__(self, base: str, session: requests.Session) -> None:
        self.heard: list[dict] = []
        self.arrived = threading.Event()
        self.client = socketio.Client(reconnection=True)
        self.client.on("comment.new", self._on_new)
        self.client.connect(
            base,
            transports=["websocket"],
            wait_timeout=20,
            headers={
                "Cookie": f"session={session.cookies['session']}",
                "User-Agent": session.headers["User-Agent"],
            },
        )

    def close(self) -> None:
        """Disconnect for good. ``disconnect`` alone leaves a client whose server died
        reconnecting forever in a thread of its own (python-socketio's reconnection loop), which
        outlives the test and draws on the global ``random`` for its jitter."""
        self.client.shutdown()

    def _on_new(self, data: dict) -> None:
        self.heard.append(data)
        self.arrived.set()

    def join(self, document: int, after: int | None = None) -> dict:
        return self.client.call("comments.join", {"document": document, "after": after}, timeout=20)

    def post(self, document: int, body: str) -> dict:
        return self.client.call(
            "comment.post",
            {"document": document, "body": body, "client_id": uuid.uuid4().hex},
            timeout=20,
        )


def ready_document_id(base: str, session: requests.Session) -> int:
    """The id of a demo document of the member's branch once it is read (waits for it)."""
    me = session.get(f"{base}/api/v1/me", timeout=30).json()
    branch = next(m["organization"]["id"] for m in me["memberships"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        meetings = session.get(f"{base}/api/v1/organizations/{branch}/meetings", timeout=30).json()
        for meeting in meetings["meetings"]:
            detail = session.get(f"{base}/api/v1/meetings/{meeting['id']}", timeout=30).json()
            ready = [d["id"] for d in detail.get("documents", []) if d["status"] == "ready"]
            if ready:
                return ready[0]
        time.sleep(1)
    pytest.fail("no demo document was read")


def seen_waiting_for_a_lock(engine: sa.Engine, thread: threading.Thread) -> bool:
    """Whether, before ``thread`` ends, PostgreSQL shows a session of this database waiting for
    a lock (the second of two writers of one row). Each poll ends its transaction: within one,
    ``pg_stat_activity`` is one snapshot, and a first poll before the wait would never see it."""
    with engine.connect() as watcher:
        for _ in range(600):
            waiting = watcher.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar()
            watcher.rollback()
            if waiting:
                return True
            if not thread.is_alive():
                return False
            thread.join(0.05)
    return False
