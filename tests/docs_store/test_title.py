"""A document's own title, read from real files: the official header skipped, the kind joined
to its subject, capitals turned to sentence case with the body's names kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs_store.extract import Block, ExtractedDocument, Page, extract
from docs_store.extract.title import MAX_TITLE_CHARS, is_header_line, title_from

from . import makers

DEMO = Path(__file__).resolve().parents[2] / "handbook" / "demo" / "documents"
SEEDS = makers.SEEDS


def _doc(*blocks: tuple[str, str], body: str = "") -> ExtractedDocument:
    page = [
        Block("heading" if k == "h" else "paragraph", t, 1 if k == "h" else 0) for k, t in blocks
    ]
    if body:
        page.append(Block("paragraph", body))
    return ExtractedDocument(pages=[Page(1, page)], kind="pdf")


def test_an_official_pdf_gives_its_kind_and_subject_not_its_header(tmp_path: Path) -> None:
    document = extract(makers.official_pdf(tmp_path / "scan0001.pdf"), "pdf")
    # The header's capitals come first in the text: they are not the title.
    assert document.pages[0].blocks[0].text == "ĐẢNG BỘ XÃ TÂN TIẾN"
    assert title_from(document) == (
        "Nghị quyết về đẩy mạnh chuyển đổi số trong sinh hoạt chi bộ thôn Nà Phìa"
    )


def test_a_subject_in_capitals_keeps_the_names_and_abbreviations_the_body_uses(
    tmp_path: Path,
) -> None:
    path = makers.official_pdf(
        tmp_path / "nq.pdf",
        kind="KẾ HOẠCH",
        subject="VỀ PHỐI HỢP VỚI UBND XÃ HƯỚNG DẪN 64 HỘ DÂN Ở THÔN NÀ PHÌA",
    )
    assert title_from(extract(path, "pdf")) == (
        "Kế hoạch về phối hợp với UBND xã hướng dẫn 64 hộ dân ở thôn Nà Phìa"
    )


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("bao-cao-thang-11.docx", "Báo cáo kết quả thực hiện nhiệm vụ tháng 11/2026"),
        (
            "du-thao-nghi-quyet-thang-12.pdf",
            # The body says "Nghị quyết Đại hội XIII": a named one; this title's kind is not.
            "Dự thảo nghị quyết về nhiệm vụ tháng 12/2026 và chuyển đổi số trong sinh hoạt chi bộ",
        ),
        # A scan, read by OCR: "Về việc" on its own line is the subject.
        ("thong-bao-hoc-tap-nghi-quyet.pdf", "Thông báo về việc học tập, quán triệt nghị quyết"),
    ],
)
def test_the_demo_documents_title_themselves(name: str, title: str) -> None:
    path = DEMO / name
    assert title_from(extract(path, path.suffix[1:])) == title


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_a_text_that_opens_with_its_body_has_no_title_of_its_own(seed: Path) -> None:
    """A news text starts with a long paragraph: the file name stays rather than a guess."""
    assert title_from(extract(seed, "txt")) is None


def test_a_word_heading_in_mixed_case_is_kept_as_written(tmp_path: Path) -> None:
    assert title_from(extract(makers.docx_file(tmp_path / "a.docx"), "docx")) == (
        "Nghị quyết chi bộ tháng 5"
    )


def test_a_letter_is_titled_by_its_subject() -> None:
    document = _doc(
        ("h", "ĐẢNG ỦY XÃ TÂN TIẾN"),
        ("p", "Số 112-CV/ĐU"),
        ("p", "V/v tổ chức học tập nghị quyết"),
        ("p", "cho đảng viên các chi bộ"),
        ("p", "Kính gửi: Các chi bộ trực thuộc"),
        body="Đảng ủy xã đề nghị các chi bộ tổ chức cho đảng viên học tập đầy đủ.",
    )
    assert title_from(document) == "Về việc tổ chức học tập nghị quyết cho đảng viên các chi bộ"


def test_numbering_and_stray_marks_are_not_part_of_the_title() -> None:
    document = _doc(("h", "I. MỤC ĐÍCH, YÊU CẦU:"), body="Chi bộ học tập nghị quyết.")
    assert title_from(document) == "Mục đích, yêu cầu"
    document = _doc(("p", "—  Chương trình   sinh hoạt chuyên đề |"), body="Nội dung.")
    assert title_from(document) == "Chương trình sinh hoạt chuyên đề"


def test_a_long_title_is_cut_at_a_word() -> None:
    words = "chuyển đổi số " * 30
    title = title_from(_doc(("h", "NGHỊ QUYẾT"), ("p", f"về {words}")))
    assert title is not None
    assert len(title) <= MAX_TITLE_CHARS
    assert title.endswith("số…") or title.endswith("đổi…") or title.endswith("chuyển…")
    assert title.startswith("Nghị quyết về chuyển đổi số")


def test_a_header_alone_or_a_body_first_gives_no_title() -> None:
    assert title_from(_doc(("h", "ĐẢNG CỘNG SẢN VIỆT NAM"), ("p", "*"))) is None
    long_first = "Chi bộ thống nhất đẩy mạnh chuyển đổi số trong toàn bộ hoạt động. " * 3
    assert title_from(_doc(("p", long_first), ("h", "II. NHIỆM VỤ"))) is None


@pytest.mark.parametrize(
    ("line", "header"),
    [
        ("ĐẢNG BỘ XÃ TÂN TIẾN", True),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True),
        ("Độc lập - Tự do - Hạnh phúc", True),
        ("Chi bộ Nà Phìa", False),  # the body's words, not the header's capitals
        ("Tân Tiến, ngày 05 tháng 12 năm 2026", True),
        ("Số: 15/KH-UBND", True),
        ("* * *", True),
        ("ĐẢNG UỶ PHƯỜNG 3", True),
        ("NGHỊ QUYẾT", False),
        ("Chi bộ thôn Nà Phìa tổ chức sinh hoạt", False),
    ],
)
def test_header_lines(line: str, header: bool) -> None:
    assert is_header_line(line) is header
