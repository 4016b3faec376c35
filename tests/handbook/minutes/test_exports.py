"""The minutes exported as DOCX and PDF in the usual layout of a branch's minutes, read back:
the Party header, place and date, title, the attendance, the comments' dispositions, the vote's
verdict, and the signatures; a kept version exports as it was approved."""

from __future__ import annotations

import io
import unicodedata

import docx
from pypdf import PdfReader

from tests.handbook.minutes.conftest import ACCEPTED, EXPLAIN, HIDDEN, Held

VERDICT = "Thông qua: 2/3 đảng viên chính thức được triệu tập tán thành, trên một nửa."


def _pdf_text(data: bytes) -> str:
    """The PDF's words, one space between each (lines wrap anywhere)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _docx_text(data: bytes) -> tuple[list[str], list[str]]:
    """The body's paragraphs, and the paragraphs of its tables (header and signatures)."""
    document = docx.Document(io.BytesIO(data))
    cells = [p.text for table in document.tables for cell in table._cells for p in cell.paragraphs]
    return [p.text for p in document.paragraphs], cells


def test_the_pdf_has_the_header_attendance_dispositions_vote_and_signatures(held: Held) -> None:
    held.choose_signers(held.tree.member_b1)
    answer = held.secretary.get(f"{held.url}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = _pdf_text(answer.data)
    for words in (
        "ĐẢNG BỘ XÃ TÂN TIẾN",
        "CHI BỘ THÔN MỘT",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Tân Tiến, ngày",
        "BIÊN BẢN",
        "Sinh hoạt chi bộ thường kỳ",
        "BẢN DỰ THẢO",
        "II. Thành phần tham dự",
        "Có mặt: 4/4 đảng viên được triệu tập",
        "Vắng có lý do (1): Triệu Thị Hà: Ốm, nằm viện.",
        "Ý kiến đã tiếp thu (1):",
        " ".join(ACCEPTED.split()),
        "Ý kiến cần giải trình (1):",
        EXPLAIN,
        VERDICT,
        "THƯ KÝ",
        "CHỦ TRÌ",
        "Lò Thị Mai",
        "Hoàng Văn Thắng",
    ):
        assert words in text, words
    assert HIDDEN not in text


def test_the_docx_has_the_same_and_an_approved_copy_carries_its_hash(held: Held) -> None:
    held.choose_signers(held.tree.member_b1)
    approved = held.approve_both()
    answer = held.member.get(f"{held.url}.docx")  # a member reads the approved minutes
    assert answer.status_code == 200
    assert answer.mimetype.endswith("wordprocessingml.document")
    body, cells = _docx_text(answer.data)
    assert cells[:3] == ["ĐẢNG BỘ XÃ TÂN TIẾN", "CHI BỘ THÔN MỘT", "*"]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in cells and any(c.startswith("Tân Tiến, ngày ") for c in cells)
    assert body[:2] == ["BIÊN BẢN", held.minutes()["record"]["subtitle"]]
    assert f"Bản đã duyệt. Mã SHA-256 của văn bản: {approved['sha256']}" in body
    assert "Vắng có lý do (1): Triệu Thị Hà: Ốm, nằm viện." in body
    assert "Ý kiến đã tiếp thu (1):" in body and "Ý kiến cần giải trình (1):" in body
    assert any(p.endswith(VERDICT) for p in body)
    signatures = cells[-8:]
    assert signatures[0] == "THƯ KÝ" and signatures[3] == "Lò Thị Mai"
    assert signatures[4] == "CHỦ TRÌ" and signatures[7] == "Hoàng Văn Thắng"
    assert signatures[1].startswith("Đã duyệt trên ứng dụng lúc ")

    # A new version is being drafted: the kept one still exports as approved.
    assert held.secretary.post(f"{held.api()}/new-version").status_code == 200
    section = held.section("conclusions")
    held.secretary.patch(
        f"{held.api()}/sections/{section['id']}",
        json={"body": "Kết luận của phiên bản 2.", "version": section["version"]},
    )
    kept = held.member.get(f"{held.url}.pdf?version=1")
    assert kept.status_code == 200
    text = _pdf_text(kept.data)
    assert approved["sha256"] in text and "Kết luận của phiên bản 2." not in text
    draft = _pdf_text(held.secretary.get(f"{held.url}.pdf").data)
    assert "Kết luận của phiên bản 2." in draft and "Phiên bản 2" in draft
    assert held.member.get(f"{held.url}.pdf?version=3").status_code == 404
