"""A private note is its author's alone: another member of the branch, the branch secretary,
the commune's committee and the platform administrator ask every route that shows the
document, its comments, exports, search, the API or the library, and never see its text; nor
does a log line, the audit log or a socket event carry it."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.orgs.models import Role
from tests.conftest import login, socket_for
from tests.helpers import response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

#: A word found nowhere else, so any leak of the note shows.
SECRET = "Zyxwquat"
NOTE = f"{SECRET} hỏi riêng bí thư về đoạn này"


def _routes(ids: dict[str, int]) -> list[str]:
    d, m, o = ids["document"], ids["meeting"], ids["org"]
    return [
        f"/documents/{d}",
        f"/documents/{d}?at=3",
        f"/documents/{d}/status",
        f"/meetings/{m}",
        f"/meetings/{m}/pack",
        f"/meetings/{m}/comments",
        f"/meetings/{m}/comments.docx",
        f"/meetings/{m}/comments.pdf",
        f"/meetings/{m}/minutes",
        f"/meetings/{m}/minutes.docx",
        f"/meetings/{m}/participation",
        f"/org/{o}",
        f"/org/{o}/library",
        f"/org/{o}/library?kind=nghi-quyet",
        "/library/mine",
        # The note's other words (the page repeats the query: the secret word is not asked).
        "/search?q=hỏi riêng bí thư về đoạn này",
        "/search?q=hoi rieng bi thu",
        "/notifications",
        "/",
        f"/api/v1/documents/{d}",
        f"/api/v1/documents/{d}/pages",
        f"/api/v1/documents/{d}/comments",
        f"/api/v1/meetings/{m}",
        f"/api/v1/meetings/{m}/minutes",
        "/api/v1/me",
    ]


def _text(response) -> str:
    """Whatever the answer holds as text: a page, JSON, or a DOCX or PDF export's words."""
    data = response.get_data()
    kind = response.headers.get("Content-Type", "")
    if "pdf" in kind:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if "wordprocessingml" in kind:
        with zipfile.ZipFile(io.BytesIO(data)) as docx:
            return "\n".join(docx.read(name).decode("utf-8", "replace") for name in docx.namelist())
    return data.decode("utf-8", "replace")


@BOTH
def test_nobody_else_reads_a_private_note(app, client, tree, library, make_user, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    neighbour = make_user(tree.b1, Role.MEMBER, full_name="Nông Văn Kiên")
    doc = library.resolution
    others = {
        "neighbour": neighbour,
        "secretary": tree.secretary_b1,
        "committee": tree.committee_c,
        "admin": tree.platform_admin,
    }
    lives = {}
    for who, user in others.items():
        lives[who] = socket_for(app, user)
        assert lives[who].emit("comments.join", {"document": doc.id}, callback=True)["ok"]
    # The secretary drafts the meeting's minutes (a meeting's record, exported below).
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    assert secretary.get(f"/api/v1/meetings/{doc.meeting_id}/minutes").status_code == 200
    login(client, tree.member_b1)
    client.post(f"/documents/{doc.id}/bookmark", data={"saved": "1"})
    response = client.post(f"/documents/{doc.id}/notes", data={"paragraph": "3", "body": NOTE})
    assert response.status_code == 302
    # Its author sees it on the document and in their own list.
    assert NOTE in response_text(client.get(f"/documents/{doc.id}"))
    assert NOTE in response_text(client.get("/library/mine"))
    assert SECRET not in caplog.text
    audit = db.session.scalars(sa.select(AuditLog)).all()
    assert all(SECRET not in repr(a.details) for a in audit)
    for who, live in lives.items():
        assert SECRET not in repr(live.get_received()), who
    ids = {"document": doc.id, "meeting": doc.meeting_id, "org": tree.b1.id}
    for who, user in others.items():
        browser = app.test_client()
        login(browser, user)
        seen = 0
        for path in _routes(ids):
            response = browser.get(path)
            assert response.status_code < 500, (who, path)
            seen += response.status_code == 200
            assert SECRET not in _text(response), (who, path)
        assert seen >= 10, who  # most of the routes answered them: the test saw something
        # Their own document page offers them a note form, empty of anyone else's.
        page = response_text(browser.get(f"/documents/{doc.id}"))
        assert 'id="note-form"' in page and 'id="note-3"' not in page


def test_another_members_note_cannot_be_reached_by_writing_to_its_paragraph(
    client, tree, library, make_user
) -> None:
    """Writing on the same paragraph makes one's own note: never edits or deletes another's."""
    neighbour = make_user(tree.b1, Role.MEMBER, full_name="Nông Văn Kiên")
    doc = library.resolution
    login(client, tree.member_b1)
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "3", "body": NOTE})
    client.post("/logout")
    login(client, neighbour)
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "3", "delete": "1"})
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "3", "body": "Của tôi"})
    page = response_text(client.get(f"/documents/{doc.id}"))
    assert "Của tôi" in page and SECRET not in page
    client.post("/logout")
    login(client, tree.member_b1)
    page = response_text(client.get(f"/documents/{doc.id}"))
    assert NOTE in page and "Của tôi" not in page
