"""PDF extraction in this process: text layer, OCR of scans, and refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from docs_store.extract import DEFAULT_MAX_PAGES, ExtractedDocument, ExtractionError, extract

from . import hostile, makers


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def refused(path: Path, kind: str = "pdf", **kwargs: object) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract(path, kind, **kwargs)  # type: ignore[arg-type]
    assert caught.value.message and str(caught.value) == caught.value.message
    return caught.value


def test_text_pdf_pages_headings_paragraphs(text_pdf: Path) -> None:
    calls: list[tuple[int, int]] = []
    document = extract(text_pdf, "pdf", progress=lambda done, total: calls.append((done, total)))
    assert document.kind == "pdf"
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert [page.number for page in document.pages] == [1, 2, 3]
    assert not any(page.ocr for page in document.pages)
    first = document.pages[0].blocks
    assert [(b.kind, b.text, b.level) for b in first[:2]] == [
        ("heading", makers.TITLE, 1),
        ("heading", makers.SECTION, 1),
    ]
    # The wrapped paragraph comes back as one paragraph, word for word.
    assert first[2].kind == "paragraph"
    assert first[2].text == makers.BODY
    assert ("heading", "Điều 1. Tổ chức thực hiện", 2) in [(b.kind, b.text, b.level) for b in first]
    assert makers.SECOND in [b.text for b in first]
    assert document.pages[2].blocks[-1].text == f"Trang 3: {makers.BODY}"
    assert document.text.count("\f") == 2
    assert document.warnings == []


def test_document_survives_json(text_pdf: Path) -> None:
    document = extract(text_pdf, "pdf")
    again = ExtractedDocument.from_dict(json.loads(json.dumps(document.to_dict())))
    assert again == document
    assert again.text == document.text


def test_scanned_page_is_read_by_ocr(scanned_pdf: Path) -> None:
    document = extract(scanned_pdf, "pdf")
    assert [page.ocr for page in document.pages] == [True]
    found = words(document.text)
    # OCR is not perfect: ask for most of the key words, not all of them.
    wanted = {"nghị", "quyết", "chi", "bộ", "chuyển", "đổi", "số", "đảng", "viên"}
    assert len(wanted & found) >= 7, found
    assert "chuyển đổi số" in document.text.lower() or "nghị quyết" in document.text.lower()


def test_scanned_without_ocr_says_so(scanned_pdf: Path) -> None:
    error = refused(scanned_pdf, ocr=False)
    assert error.code == "no_text"
    assert "OCR" in error.message


def test_encrypted_pdf(encrypted_pdf: Path) -> None:
    error = refused(encrypted_pdf)
    assert error.code == "encrypted"
    assert "mật khẩu" in error.message


def test_owner_locked_pdf_opens_with_the_empty_password(owner_locked_pdf: Path) -> None:
    document = extract(owner_locked_pdf, "pdf")
    assert makers.BODY in document.text


def test_truncated_pdf(text_pdf: Path, tmp_path: Path) -> None:
    data = text_pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    assert refused(cut).code == "corrupt"


def test_corrupt_bytes_after_a_pdf_header(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    error = refused(junk)
    assert error.code == "corrupt"
    assert "hỏng" in error.message


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert refused(empty).code == "empty"


def test_too_many_pages(many_pages_pdf: Path) -> None:
    error = refused(many_pages_pdf, max_pages=100)
    assert error.code == "too_many_pages"
    assert "100" in error.message
    assert DEFAULT_MAX_PAGES < 5000
    assert refused(many_pages_pdf).code == "too_many_pages"  # the real default


def test_blank_pages_are_not_ocred(tmp_path: Path) -> None:
    blank = hostile.blank_pages_pdf(tmp_path / "blank.pdf", 3)
    error = refused(blank)
    assert error.code == "no_text"


def test_unknown_kind(text_pdf: Path) -> None:
    with pytest.raises(ValueError):
        extract(text_pdf, "doc")


def test_partly_scanned_without_ocr_keeps_text_and_warns(
    text_pdf: Path, scanned_pdf: Path, tmp_path: Path
) -> None:
    mixed = makers.joined_pdf(tmp_path / "mixed.pdf", text_pdf, scanned_pdf)
    document = extract(mixed, "pdf", ocr=False)
    assert len(document.pages) == 4
    assert document.pages[3].blocks == []
    assert document.warnings == ["Có 1 trang là ảnh quét chưa được nhận dạng chữ (trang 4)."]


def test_progress_callback_errors_are_the_callers(text_pdf: Path) -> None:
    def cancel(done: int, total: int) -> None:
        raise KeyError("job cancelled")

    with pytest.raises(KeyError, match="job cancelled"):
        extract(text_pdf, "pdf", progress=cancel)
