"""Titles come from the document's own heading once it is read, never over a person's, and a
publication tells members the final title, not the file name's stand-in."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.documents import operations
from handbook.documents.jobs import extract_document
from handbook.documents.models import Document, DocumentStatus, TitleSource
from handbook.notifications.models import Notification
from tests.conftest import login
from tests.docs_store import makers
from tests.helpers import TEXT, create_meeting, upload_document

OFFICIAL_TITLE = "Nghị quyết về đẩy mạnh chuyển đổi số trong sinh hoạt chi bộ thôn Nà Phìa"


@pytest.fixture
def meeting(client, tree):
    login(client, tree.secretary_b1)
    return create_meeting(client, tree.b1)


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return makers.official_pdf(tmp_path_factory.mktemp("titles") / "scan0001.pdf").read_bytes()


def _stored_unread(tree, meeting, name: str, data: bytes, title: str | None = None) -> int:
    """An upload kept and committed but not read yet (as while the worker is busy)."""
    document = operations.add_document(
        operations.Upload(name, io.BytesIO(data)),
        organization=meeting.organization,
        actor=tree.secretary_b1,
        meeting=meeting,
        title=title,
    )
    db.session.commit()
    return document.id


def _told(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_title_is_the_documents_own_heading_and_the_upload_answer_says_so(
    client, meeting, official
) -> None:
    response = upload_document(client, meeting, name="scan0001.pdf", data=official)
    assert response.status_code == 201
    answer = response.json["documents"][0]
    assert (answer["title"], answer["title_source"]) == (OFFICIAL_TITLE, "text")
    document = db.session.scalars(sa.select(Document)).one()
    assert (document.title, document.title_source) == (OFFICIAL_TITLE, TitleSource.TEXT)
    entry = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "document.titled")
    ).one()
    assert entry.details == {"old": "scan0001", "new": OFFICIAL_TITLE}
    status = client.get(f"/documents/{document.id}/status").json
    assert (status["title"], status["title_source"]) == (OFFICIAL_TITLE, "text")


def test_a_title_typed_at_upload_is_kept(client, meeting, official) -> None:
    response = client.post(
        f"/api/v1/meetings/{meeting.id}/documents",
        data={"file": (io.BytesIO(official), "scan0001.pdf"), "title": "Nghị quyết tháng 12"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    document = db.session.scalars(sa.select(Document)).one()
    assert document.status is DocumentStatus.READY
    assert (document.title, document.title_source) == ("Nghị quyết tháng 12", TitleSource.TYPED)


def test_a_rename_made_while_the_file_is_read_is_not_overwritten(
    client, tree, meeting, official
) -> None:
    document_id = _stored_unread(tree, meeting, "scan0001.pdf", official)
    assert db.session.get(Document, document_id).title_source is TitleSource.FILE
    client.post(f"/documents/{document_id}/title", data={"title": "Tên của bí thư"})
    extract_document(document_id)
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    assert document.status is DocumentStatus.READY
    assert (document.title, document.title_source) == ("Tên của bí thư", TitleSource.TYPED)


def test_the_upload_screen_confirms_or_edits_the_proposed_title(client, tree, meeting) -> None:
    upload_document(client, meeting)
    document = db.session.scalars(sa.select(Document)).one()
    assert (document.title, document.title_source) == ("Nghị quyết", TitleSource.TEXT)
    json = {"Accept": "application/json"}
    url = f"/documents/{document.id}/title"
    refused = client.post(url, data={"title": "   "}, headers=json)
    assert refused.status_code == 400
    assert refused.json["error"]["message"] == "Vui lòng nhập tên tài liệu."
    answer = client.post(url, data={"title": " Nghị quyết  chuyển đổi số "}, headers=json)
    assert answer.status_code == 200
    assert (answer.json["title"], answer.json["title_source"]) == (
        "Nghị quyết chuyển đổi số",
        "typed",
    )
    member = client.application.test_client()
    login(member, tree.member_b1)
    assert member.post(url, data={"title": "x"}, headers=json).status_code == 404


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_meeting_published_while_its_document_is_read_tells_the_documents_own_title(
    client, tree, meeting, official
) -> None:
    """Published at once after the upload: the notice must not carry "scan0001"."""
    read_later = _stored_unread(tree, meeting, "scan0001.pdf", official)
    named = _stored_unread(tree, meeting, "b.txt", TEXT.encode(), title="Kế hoạch tháng 12")
    form = {"when": "now", "confirm": "1"}  # "Vẫn công bố": one is still being read
    assert client.post(f"/meetings/{meeting.id}/publish", data=form).status_code == 302
    told = _told(tree.member_b1)
    # A title a person gave is final: that document goes out with its meeting, read or not.
    assert [(n.kind, n.payload.get("documents")) for n in told] == [
        ("meeting.published", ["Kế hoạch tháng 12"])
    ]
    assert db.session.get(Document, named).notified_at is not None

    extract_document(read_later)  # read: its title is its own now, and it is told at once
    told = _told(tree.member_b1)
    assert [(n.kind, n.payload.get("title")) for n in told[1:]] == [
        ("document.published", OFFICIAL_TITLE)
    ]
    assert all("scan0001" not in str(n.payload) for n in told)
    assert _told(tree.secretary_b1) == []  # who published is not told of it


def test_a_document_that_fails_to_be_read_is_never_told(client, tree, meeting) -> None:
    broken = _stored_unread(tree, meeting, "hong.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    extract_document(broken)
    assert db.session.get(Document, broken).status is DocumentStatus.FAILED
    assert [n.kind for n in _told(tree.member_b1)] == ["meeting.published"]


def test_the_file_name_stays_when_the_text_has_no_title(client, meeting) -> None:
    seed = makers.SEEDS / "000_2ccd3d1a80d68b85.txt"
    upload_document(client, meeting, name="tin-chuyen-doi-so.txt", data=seed.read_bytes())
    document = db.session.scalars(sa.select(Document)).one()
    assert document.status is DocumentStatus.READY
    assert (document.title, document.title_source) == ("tin chuyen doi so", TitleSource.FILE)
