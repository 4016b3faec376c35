""" "Đọc tiếp" and the table of contents: the page reports the paragraph a member last saw, the
server keeps the newest report (never a late or replayed one, never one for another text or
another branch's document), and the next visit offers to go back there."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents import routes as document_routes
from handbook.documents.models import Document
from handbook.participation.models import ReadingPosition
from tests.conftest import login
from tests.helpers import published_document, response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

#: Two headings, then paragraphs: ``n`` runs 1..8 across them.
TEXT = (
    "I. TÌNH HÌNH CHUNG\n\n"
    "Chi bộ đã triển khai đầy đủ các nhiệm vụ trọng tâm của quý.\n\n"
    "Đảng viên tham gia sinh hoạt đều đặn và đúng giờ.\n\n"
    "Công tác phát triển đảng viên mới được quan tâm đúng mức.\n\n"
    "II. NHIỆM VỤ THỜI GIAN TỚI\n\n"
    "Tiếp tục chuyển đổi số trong sinh hoạt chi bộ ở mọi thôn bản vùng cao.\n\n"
    "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt.\n\n"
    "Hoàn thành kế hoạch trước ngày 31 tháng 12.\n"
)


@pytest.fixture
def document(client, tree) -> Document:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1, text=TEXT)
    client.post("/logout")
    login(client, tree.member_b1)
    return document


def _report(client, document: Document, n, *, version: str | None = None, seen=None):
    body = {"n": n, "version": document.text_version if version is None else version}
    if seen is not None:
        body["seen"] = seen
    return client.post(f"/documents/{document.id}/reading", json=body)


def _stored(user, document: Document) -> ReadingPosition | None:
    db.session.expire_all()
    return db.session.get(ReadingPosition, (user.id, document.id))


def _resume(page: str) -> str | None:
    found = re.search(r'<a class="button resume" id="resume" href="([^"]*)">', page)
    return found.group(1) if found else None


@BOTH
def test_the_next_visit_offers_to_read_on_from_the_paragraph_last_seen(
    client, tree, document
) -> None:
    first = response_text(client.get(f"/documents/{document.id}"))
    assert _resume(first) is None  # never read: nothing to go back to

    answer = _report(client, document, 6)
    assert answer.status_code == 200
    assert answer.get_json() == {"n": 6, "changed": True}

    page = response_text(client.get(f"/documents/{document.id}"))
    assert _resume(page) == "#p-6"
    assert "Đọc tiếp từ: <q>Tiếp tục chuyển đổi số trong sinh hoạt chi bộ…</q>" in page
    # Another device of the same member sees it too: it lives on the server.
    other = client.application.test_client()
    login(other, tree.member_b1)
    assert _resume(response_text(other.get(f"/documents/{document.id}"))) == "#p-6"
    # It is this member's: the secretary, who never read on, is not offered it.
    secretary = client.application.test_client()
    login(secretary, tree.secretary_b1)
    assert _resume(response_text(secretary.get(f"/documents/{document.id}"))) is None


@pytest.mark.parametrize("n", [1, 8])
def test_nothing_is_offered_at_the_start_or_once_finished(client, document, n) -> None:
    assert _report(client, document, n).status_code == 200
    page = response_text(client.get(f"/documents/{document.id}"))
    assert _resume(page) is None
    assert 'data-last="8"' in page  # how the page knows it reached the end


@BOTH
def test_a_late_or_replayed_report_never_takes_the_member_back(client, tree, document) -> None:
    now_ms = int(time.time() * 1000)
    assert _report(client, document, 6, seen=now_ms - 1_000).get_json()["changed"] is True
    # The phone that was offline sends what it saw a minute earlier: the newer one stays.
    late = _report(client, document, 3, seen=now_ms - 60_000)
    assert late.status_code == 200
    assert late.get_json() == {"n": 6, "changed": False}
    # The same report again (a retry after a lost answer) changes nothing either.
    assert _report(client, document, 6, seen=now_ms - 1_000).get_json()["changed"] is False
    assert _stored(tree.member_b1, document).paragraph == 6

    # A phone whose clock runs a day fast does not win every report to come.
    _report(client, document, 4, seen=now_ms + 86_400_000)
    time.sleep(0.01)
    assert _report(client, document, 7).get_json() == {"n": 7, "changed": True}
    assert _stored(tree.member_b1, document).paragraph == 7


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"n": 9}, "không có đoạn số 9"),
        ({"n": 0}, "không có đoạn số 0"),
        ({"n": -3}, "không có đoạn số -3"),
        ({"n": "5"}, "số thứ tự"),
        ({"n": True}, "số thứ tự"),
        ({"n": 5.5}, "số thứ tự"),
        ({"n": 5, "version": None}, "phiên bản"),
        ({"n": 5, "seen": "hôm qua"}, "thời điểm"),
        ({"n": 5, "seen": 1e300}, "thời điểm"),
    ],
)
def test_a_bad_report_is_refused_with_a_reason_and_keeps_what_was_stored(
    client, tree, document, body, words
) -> None:
    assert _report(client, document, 4).status_code == 200
    sent = {"version": document.text_version, **body}
    answer = client.post(f"/documents/{document.id}/reading", json=sent)
    assert answer.status_code == 400
    assert words in answer.get_json()["error"]["message"]
    assert _stored(tree.member_b1, document).paragraph == 4


def test_a_body_that_is_not_json_is_refused(client, document) -> None:
    answer = client.post(f"/documents/{document.id}/reading", data={"n": "3"})
    assert answer.status_code == 400
    assert "JSON" in answer.get_json()["error"]["message"]


@BOTH
def test_a_report_on_another_text_version_is_refused_and_an_old_position_not_offered(
    client, tree, document
) -> None:
    assert _report(client, document, 5).status_code == 200
    stale = _report(client, document, 3, version="khac:1")
    assert stale.status_code == 409
    assert "đã thay đổi" in stale.get_json()["error"]["message"]
    assert _stored(tree.member_b1, document).paragraph == 5

    # The text is read again into other paragraphs: the old number means nothing now.
    db.session.execute(sa.update(Document).where(Document.id == document.id).values(page_count=2))
    db.session.commit()
    page = response_text(client.get(f"/documents/{document.id}"))
    assert _resume(page) is None
    assert _stored(tree.member_b1, document).paragraph == 5  # kept, just not offered


def test_another_branchs_document_is_not_found_and_nothing_is_stored(
    client, tree, document
) -> None:
    stranger = client.application.test_client()
    login(stranger, tree.member_b3)
    answer = stranger.post(
        f"/documents/{document.id}/reading", json={"n": 5, "version": document.text_version}
    )
    assert answer.status_code == 404
    assert _stored(tree.member_b3, document) is None
    assert client.post("/documents/999999/reading", json={"n": 1}).status_code == 404


def test_the_position_costs_the_page_one_read_by_key(app, client, document) -> None:
    """The document page is a hot path: one statement reads the position, and only it."""
    _report(client, document, 6)
    client.get(f"/documents/{document.id}")  # the text, its parts and outline are now kept
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = app.extensions["handbook.engine"]
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        page = response_text(client.get(f"/documents/{document.id}"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert _resume(page) == "#p-6"
    assert len([s for s in statements if "reading_positions" in s]) == 1
    assert not [s for s in statements if "document_pages" in s]


def test_the_table_of_contents_lists_the_headings_with_their_levels(client, document) -> None:
    page = response_text(client.get(f"/documents/{document.id}"))
    toc = re.search(r'<details class="toc card" id="toc">(.*?)</details>', page, re.S)
    assert toc is not None
    assert "(2 đề mục)" in toc.group(1)
    links = re.findall(r'<li class="toc-(\d)"><a href="([^"]+)">([^<]+)</a>', toc.group(1))
    assert links == [
        ("1", "#p-1", "I. TÌNH HÌNH CHUNG"),
        ("1", "#p-5", "II. NHIỆM VỤ THỜI GIAN TỚI"),
    ]


def test_no_table_of_contents_for_a_text_with_fewer_than_two_headings(client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)  # one heading: "NGHỊ QUYẾT"
    page = response_text(client.get(f"/documents/{document.id}"))
    assert 'id="toc"' not in page
    assert 'id="read-on"' in page  # still notes where the member reads


@pytest.fixture
def small_parts(monkeypatch) -> Iterator[None]:
    """Parts of 150 characters; the text drawn with them is forgotten before and after."""
    monkeypatch.setattr(document_routes, "PART_CHARS", 150)
    monkeypatch.setattr(document_routes, "_parts", document_routes._parts.__wrapped__)
    document_routes._text.cache_clear()
    yield
    document_routes._text.cache_clear()


@pytest.mark.usefixtures("small_parts")
def test_a_heading_or_position_in_another_part_is_reached_through_that_part(client, tree) -> None:
    """A long document comes in parts: a link to a paragraph of another part opens that part."""
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1, text=TEXT)
    client.post("/logout")
    login(client, tree.member_b1)
    _report(client, document, 7)

    first = response_text(client.get(f"/documents/{document.id}"))
    assert "Phần 1/" in first
    links = re.findall(r'<li class="toc-\d"><a href="([^"]+)">', first)
    assert links[0] == "#p-1"
    assert re.fullmatch(r"\?part=[1-9]#p-5", links[1]), links
    resume = _resume(first)
    assert resume is not None and re.fullmatch(r"\?part=[1-9]#p-7", resume), resume

    there = response_text(client.get(f"/documents/{document.id}{resume.split('#')[0]}"))
    assert 'id="p-7" data-n="7"' in there
    assert _resume(there) == "#p-7"  # in this part: just scroll
