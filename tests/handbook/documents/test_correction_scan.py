"""A document read (partly) by OCR tells its members so, on its page and in the meeting's list,
with the pages if only some were scanned; once the secretary has checked every scanned
paragraph, it says so instead. A real scan through the real OCR."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents.models import Document, DocumentPage
from tests.conftest import login
from tests.docs_store.makers import joined_pdf, scanned_pdf, text_pdf
from tests.helpers import create_meeting, response_text, upload_document

FLAG = "Văn bản quét — có thể có lỗi nhận dạng chữ"
CHECKED = "Văn bản quét — đã được bí thư soát lại"


def _publish(client, org, name: str, data: bytes) -> Document:
    meeting = create_meeting(client, org)
    assert upload_document(client, meeting, name=name, data=data).status_code == 201
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    return db.session.scalars(sa.select(Document).where(Document.meeting_id == meeting.id)).one()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_scanned_document_is_flagged_until_the_secretary_checks_it(app, tree, tmp_path) -> None:
    secretary, member = app.test_client(), app.test_client()
    login(secretary, tree.secretary_b1)
    login(member, tree.member_b1)
    document = _publish(
        secretary, tree.b1, "quet.pdf", scanned_pdf(tmp_path / "s.pdf").read_bytes()
    )
    pages = db.session.scalars(
        sa.select(DocumentPage).where(DocumentPage.document_id == document.id)
    ).all()
    assert [p.ocr for p in pages] == [True]
    numbers = [b["n"] for p in pages for b in p.blocks]

    page = response_text(member.get(f"/documents/{document.id}"))
    assert FLAG + "." in page and "(trang" not in page  # the whole document: no page list
    assert "đoạn chưa soát" not in page  # the secretary's count, not the members'
    listing = response_text(member.get(f"/meetings/{document.meeting_id}"))
    assert "văn bản quét, có thể có lỗi nhận dạng chữ" in listing

    mine = response_text(secretary.get(f"/documents/{document.id}"))
    assert f"Còn {len(numbers)} đoạn chưa soát" in mine
    for n in numbers:  # each saved as read (checked), or corrected
        form = response_text(secretary.get(f"/documents/{document.id}/paragraphs/{n}"))
        seen = re.search(r'name="seen" value="([0-9a-f]+)"', form).group(1)
        text = re.search(r'<textarea id="text"[^>]*>([^<]*)</textarea>', form).group(1)
        text = text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
        saved = secretary.post(
            f"/documents/{document.id}/paragraphs/{n}", data={"text": text, "seen": seen}
        )
        assert saved.status_code == 302
    page = response_text(member.get(f"/documents/{document.id}"))
    assert CHECKED + "." in page and FLAG not in page
    listing = response_text(member.get(f"/meetings/{document.meeting_id}"))
    assert "văn bản quét, đã soát lại" in listing


def test_only_the_scanned_pages_are_named(app, tree, tmp_path) -> None:
    secretary, member = app.test_client(), app.test_client()
    login(secretary, tree.secretary_b1)
    login(member, tree.member_b1)
    typed = text_pdf(tmp_path / "t.pdf", pages=2)
    both = joined_pdf(tmp_path / "both.pdf", typed, scanned_pdf(tmp_path / "s.pdf"))
    document = _publish(secretary, tree.b1, "mot-phan-quet.pdf", both.read_bytes())
    page = response_text(member.get(f"/documents/{document.id}"))
    assert FLAG + " (trang 3)." in page
    typed_only = _publish(secretary, tree.b1, "danh-may.pdf", typed.read_bytes())
    assert "Văn bản quét" not in response_text(member.get(f"/documents/{typed_only.id}"))
