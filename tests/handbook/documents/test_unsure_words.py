"""The words OCR was unsure of are shown to those who manage the document, never to members:
marked in the text under a count that leads to the first, listed on the correction form, and
cleared from a paragraph once the secretary corrects or confirms it. A real scan through the
real OCR; stored marks that do not fit the text are ignored."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.documents.models import Document, DocumentPage
from tests.conftest import login
from tests.handbook.documents.test_documents import _statements
from tests.helpers import create_meeting, published_document, response_text, upload_document

DEMO_SCAN = (
    Path(__file__).resolve().parents[3] / "handbook/demo/documents/thong-bao-hoc-tap-nghi-quyet.pdf"
)
MARK = '<mark class="unsure" title="Chữ nhận dạng chưa chắc chắn">'
COUNT = re.compile(r'<a class="button" href="([^"]+)">(\d+) chỗ chưa chắc chắn — soát lại</a>')


def _text() -> str:
    """Three paragraphs; a text of its own per test, so no cache keeps another test's marks."""
    return (
        f"NGHỊ QUYẾT SỐ {uuid.uuid4().hex[:8].upper()}\n\n"
        "Chỉ bộ thống nhất triển khai chuyển đổi số.\n\n"
        "Mỗi đẳng viên đọc tài liệu trước buổi sinh hoạt.\n"
    )


def _set_marks(document: Document, marks: object) -> None:
    """As the reading of a scan stores them (before any page of it is drawn)."""
    db.session.execute(
        sa.update(DocumentPage).where(DocumentPage.document_id == document.id).values(unsure=marks)
    )
    db.session.commit()


def _stored(document: Document) -> list[object]:
    db.session.expire_all()
    return [
        marks
        for marks in db.session.scalars(
            sa.select(DocumentPage.unsure).where(DocumentPage.document_id == document.id)
        )
    ]


def _form(client, document: Document, n: int) -> tuple[str, dict[str, str]]:
    page = response_text(client.get(f"/documents/{document.id}/paragraphs/{n}"))
    seen = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    text = re.search(r'<textarea id="text"[^>]*>([^<]*)</textarea>', page)
    assert seen and text, page
    return page, {"seen": seen.group(1), "text": text.group(1)}


def _no_marks(page: str) -> None:
    assert "unsure" not in page and "chưa chắc chắn" not in page and "<mark" not in page


def test_a_scans_unsure_words_are_marked_for_its_secretary_and_never_for_members(app, tree) -> None:
    secretary, member = app.test_client(), app.test_client()
    login(secretary, tree.secretary_b1)
    login(member, tree.member_b1)
    meeting = create_meeting(secretary, tree.b1)
    sent = upload_document(secretary, meeting, name="quet.pdf", data=DEMO_SCAN.read_bytes())
    assert sent.status_code == 201, response_text(sent)
    secretary.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    document = db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id)
    ).one()
    (stored,) = _stored(document)
    assert stored and all(len(mark) == 3 for mark in stored), stored

    with _statements(app) as statements:
        seen_by_member = response_text(member.get(f"/documents/{document.id}"))  # drawn first
    assert "Văn bản quét" in seen_by_member
    _no_marks(seen_by_member)
    assert not [s for s in statements if "unsure" in s]  # members never read the marks

    page = response_text(secretary.get(f"/documents/{document.id}"))
    link, count = COUNT.search(page).groups()
    assert int(count) == len(stored) == page.count(MARK)
    first = min(n for n, _, _ in stored)
    assert link == f"/documents/{document.id}?at={first}#p-{first}"
    blocks = {
        b["n"]: b["text"]
        for p in db.session.scalars(
            sa.select(DocumentPage.blocks).where(DocumentPage.document_id == document.id)
        )
        for b in p
    }
    shown = re.findall(re.escape(MARK) + r"([^<]*)</mark>", page)
    assert shown == [blocks[n][start:end] for n, start, end in stored]

    _no_marks(response_text(member.get(f"/documents/{document.id}")))  # kept apart
    api = response_text(member.get(f"/api/v1/documents/{document.id}/pages"))
    assert "unsure" not in api and "Văn bản quét" not in api


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_correcting_or_confirming_a_paragraph_clears_its_marks(app, tree) -> None:
    secretary, member = app.test_client(), app.test_client()
    login(secretary, tree.secretary_b1)
    login(member, tree.member_b1)
    document = published_document(secretary, tree.b1, text=_text())
    # "Chỉ" in paragraph 2; "đẳng" and "buổi" in paragraph 3.
    _set_marks(document, [[2, 0, 3], [3, 4, 8], [3, 33, 37]])

    page = response_text(secretary.get(f"/documents/{document.id}"))
    assert COUNT.search(page).groups() == (f"/documents/{document.id}?at=2#p-2", "3")
    assert f'data-n="2">{MARK}Chỉ</mark> bộ thống nhất' in page
    assert f"Mỗi {MARK}đẳng</mark> viên đọc tài liệu trước {MARK}buổi</mark> sinh hoạt." in page
    _no_marks(response_text(member.get(f"/documents/{document.id}")))

    form, fields = _form(secretary, document, 3)
    assert "2 chữ máy nhận dạng chưa chắc chắn" in form
    listed = re.search(r'<ul class="unsure-list">(.*?)</ul>', form).group(1)
    assert re.findall(re.escape(MARK) + r"([^<]*)</mark>", listed) == ["đẳng", "buổi"]
    fixed = "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt."
    saved = secretary.post(f"/documents/{document.id}/paragraphs/3", data={**fields, "text": fixed})
    assert saved.status_code == 302
    assert _stored(document) == [[[2, 0, 3]]]  # the corrected paragraph's marks only
    page = response_text(secretary.get(f"/documents/{document.id}"))
    assert COUNT.search(page).groups()[1] == "1" and page.count(MARK) == 1
    assert "chưa chắc chắn" not in _form(secretary, document, 3)[0]

    # Saved as it is: the secretary has checked the paragraph against the paper.
    form, fields = _form(secretary, document, 2)
    assert "1 chữ máy nhận dạng chưa chắc chắn" in form
    kept = secretary.post(f"/documents/{document.id}/paragraphs/2", data=fields)
    assert kept.status_code == 302
    assert _stored(document) == [None]
    checked = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "document.checked")
    ).all()
    assert [entry.details["paragraph"] for entry in checked] == [2]
    page = response_text(secretary.get(f"/documents/{document.id}"))
    assert "chưa chắc chắn" not in page and MARK not in page
    _no_marks(response_text(member.get(f"/documents/{document.id}")))


def test_stored_marks_that_do_not_fit_the_text_are_ignored(app, tree) -> None:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    document = published_document(secretary, tree.b1, text=_text())
    _set_marks(
        document,
        [
            "chỉ",
            [2],
            [2, "0", 3],
            [2, 0, 999],  # past the paragraph's end
            [99, 0, 3],  # no such paragraph
            [2, 5, 2],
            [2, 0, 3],  # "Chỉ": the one that fits
            [2, 1, 6],  # overlaps it
        ],
    )
    page = secretary.get(f"/documents/{document.id}")
    assert page.status_code == 200
    assert COUNT.search(response_text(page)).groups()[1] == "1"
    assert response_text(page).count(MARK) == 1
    form, fields = _form(secretary, document, 2)
    assert "1 chữ máy nhận dạng chưa chắc chắn" in form and fields["text"].startswith("Chỉ bộ")
