"""The comments record laid out for the meeting's file (issue #14 item 10), read back from the
real PDF and DOCX: the quoted paragraph before the comment on it, a hidden comment as "đã ẩn"
and its reason (never its words, nor its recording), the summary never split across pages,
and a signature block (người lập, bí thư chi bộ, place and date) at the end."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime

import docx
import pytest
from pypdf import PdfReader

from handbook.comments import export, service
from handbook.comments.report import Entry, Group, Topic, branch_secretary
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.orgs.models import OrgKind, Role
from tests.handbook.comments.test_comment_report import BODY_VN, Setup, _discussion
from tests.handbook.comments.test_comment_report import setup as setup  # noqa: F401 - fixture

HIDDEN_WORDS = "Ý kiến lạc đề."
SUMMARY = ("Tổng hợp", "Tổng số góp ý", "Đã tiếp thu", "Cần giải trình", "Chưa xử lý")
SIGNATURE = ("NGƯỜI LẬP", "T/M CHI BỘ", "BÍ THƯ", "(Ký, ghi rõ họ tên)")


@pytest.fixture
def published(setup: Setup) -> Setup:  # noqa: F811 - the fixture imported above
    """A published meeting of branch b1 with three documents; its secretary signed in."""
    return setup


def _pages(data: bytes) -> list[str]:
    """Each page's text, NFC, with runs of white space made one space."""
    reader = PdfReader(io.BytesIO(data))
    return [
        " ".join(unicodedata.normalize("NFC", page.extract_text()).split()) for page in reader.pages
    ]


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


def _dated(text: str, before: str) -> bool:
    """Whether ``text`` holds "Tân Tiến, ngày …" of the day the record was made: the day
    before the export was asked for, or after it came back (midnight may fall between)."""
    return any(f"Tân Tiến, {day}" in text for day in (before, export.vn_date_line(utcnow())))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_pdf_record_quotes_before_the_comment_and_hides_what_was_hidden(
    client, tree, published
) -> None:
    ids = _discussion(tree, published)
    service.change(tree.secretary_b1, "hide", {"comment": ids["report"], "reason": "Trùng ý"})
    day = export.vn_date_line(utcnow())
    response = client.get(f"/meetings/{published.meeting.id}/comments.pdf")
    assert response.status_code == 200
    pages = _pages(response.data)
    text = " ".join(pages)
    # The paragraph discussed, then what was said about it.
    quote = text.index("Đoạn 2: “")
    assert quote < text.index(BODY_VN), text
    assert "chuyển đổi số" in text[quote : text.index(BODY_VN)]
    # Hidden: the fact and the reason, never the words.
    assert HIDDEN_WORDS not in text and "Báo cáo cần số liệu quý IV." not in text
    assert "đã ẩn: Không đúng nội dung" in text and "đã ẩn: Trùng ý" in text
    # Signed at the end: who made it, the branch's secretary (named), the place and date.
    last = pages[-1]
    for words in SIGNATURE:
        assert words in last, (words, last)
    assert _dated(last, day), last
    assert "Hoàng Văn Thắng" in last[last.index("BÍ THƯ") :]
    assert last.index("Tổng số góp ý") < last.index("NGƯỜI LẬP")


def test_the_docx_record_follows_the_same_rules(client, tree, published) -> None:
    _discussion(tree, published)
    day = export.vn_date_line(utcnow())
    response = client.get(f"/meetings/{published.meeting.id}/comments.docx")
    text = _docx_text(response.data)
    assert text.index("Đoạn 2: “") < text.index(BODY_VN)
    assert HIDDEN_WORDS not in text and "đã ẩn: Không đúng nội dung" in text
    for words in SIGNATURE:
        assert words in text, words
    assert _dated(text, day) and "Hoàng Văn Thắng" in text
    document = docx.Document(io.BytesIO(response.data))
    # Word keeps the summary with what follows it, down to the signatures, on one page.
    summary = [p for p in document.paragraphs if p.text.startswith(SUMMARY)]
    assert len(summary) == len(SUMMARY)
    assert all(p.paragraph_format.keep_with_next for p in summary)


def test_a_hidden_voice_comment_keeps_neither_its_words_nor_its_recording(
    app, tree, published
) -> None:
    entry = Entry(
        id=7,
        author="Lò Thị Mai",
        created_at=datetime(2026, 12, 5, 12, 30, tzinfo=UTC),
        body="Lời nói đã được chép ra.",
        paragraph=3,
        excerpt="Đoạn văn được bàn.",
        hidden=True,
        hidden_reason="Nói chuyện riêng",
        voice_url="/comments/7/voice",
        voice_seconds=42,
    )
    groups = [Group("Tài liệu chung", None, [Topic("Kế hoạch", None, [entry])])]
    meeting = db.session.get(Meeting, published.meeting.id)
    text = " ".join(_pages(export.to_pdf(meeting, groups, "https://so-tay.example")))
    words = _docx_text(export.to_docx(meeting, groups, "https://so-tay.example"))
    for record in (text, words):
        assert "Lời nói đã được chép ra." not in record
        assert "/comments/7/voice" not in record and "giọng nói" not in record
        assert "đã ẩn: Nói chuyện riêng" in record
        assert "Đoạn văn được bàn." in record  # the document's words, not the comment's


def _filler(count: int) -> list[Group]:
    """``count`` short comments, each quoting its paragraph: the record grows by small steps."""
    entries = [
        Entry(
            id=i,
            author="Lò Thị Mai",
            created_at=datetime(2026, 12, 5, 12, 30, tzinfo=UTC),
            body=f"Góp ý số {i} về kế hoạch.",
            paragraph=i,
            excerpt=f"Nội dung đoạn {i}.",
        )
        for i in range(1, count + 1)
    ]
    return [Group("Tài liệu chung", None, [Topic("Kế hoạch", None, entries)])]


def test_the_summary_and_the_signatures_never_split_across_pages(app, tree, published) -> None:
    """Whatever the record's length, the last page holds the whole summary and the signature
    block, and no page holds only part of them (the finding: a page with two lines after a
    split summary)."""
    meeting = db.session.get(Meeting, published.meeting.id)
    page_counts = set()
    for count in range(10, 40):
        pages = _pages(export.to_pdf(meeting, _filler(count), ""))
        page_counts.add(len(pages))
        holding = [i for i, page in enumerate(pages) if any(w in page for w in SUMMARY[1:])]
        assert holding == [len(pages) - 1], (count, holding)
        last = pages[-1]
        for words in (*SUMMARY, *SIGNATURE, f"Tổng số góp ý: {count}"):
            assert words in last, (count, words, last)
        # The block moves whole: what precedes it is the record, not a heading left alone.
        assert re.search(r"Góp ý số \d+ về kế hoạch\.", " ".join(pages)), count
    assert len(page_counts) >= 2, "the lengths tried never crossed a page"


def test_the_signature_names_the_place_and_the_secretary(app, tree, make_org, make_user) -> None:
    """The place is the commune the branch is in ("Xã" left out), else the level above, else
    the meeting's place; the secretary's name only when the branch has exactly one."""
    lone = make_org("Chi bộ Cơ quan Tỉnh ủy", OrgKind.BRANCH, tree.province)
    assert export.locality(tree.b1, "Nhà văn hóa") == "Tân Tiến"
    assert export.locality(lone, "Nhà văn hóa") == "Tỉnh Thử Nghiệm"
    assert export.locality(tree.province, "Hội trường A") == "Hội trường A"
    assert branch_secretary(tree.b1) == "Hoàng Văn Thắng"
    assert branch_secretary(lone) == ""
    make_user(tree.b1, Role.SECRETARY, full_name="Người Thứ Hai")
    assert branch_secretary(tree.b1) == ""  # two: the secretary writes the name by hand
    assert export.vn_date_line(datetime(2026, 2, 4, 20, 0, tzinfo=UTC)) == (
        "ngày 05 tháng 02 năm 2026"  # 03:00 on the 5th in Hà Nội
    )
    assert export.vn_date_line(datetime(2026, 12, 15, 5, 0, tzinfo=UTC)) == (
        "ngày 15 tháng 12 năm 2026"
    )


def test_the_record_made_by_names_its_maker(app, tree, published) -> None:
    meeting = db.session.get(Meeting, published.meeting.id)
    last = _pages(export.to_pdf(meeting, _filler(2), "", made_by="Hoàng Văn Thắng"))[-1]
    assert last.count("Hoàng Văn Thắng") == 2  # người lập and bí thư, here the same person
