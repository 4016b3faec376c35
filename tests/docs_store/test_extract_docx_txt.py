"""DOCX and TXT extraction in this process."""

from __future__ import annotations

import codecs
import textwrap
import zipfile
from pathlib import Path

import pytest

from docs_store.extract import ExtractionError, extract

from . import hostile, makers


def refused(path: Path, kind: str, **kwargs: object) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract(path, kind, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_docx_styles_tables_and_page_breaks(docx_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    document = extract(docx_path, "docx", progress=lambda d, t: calls.append((d, t)))
    assert document.kind == "docx"
    assert calls == [(2, 2)]
    first, second = document.pages
    assert [(b.kind, b.text, b.level) for b in first.blocks] == [
        ("heading", "Nghị quyết chi bộ tháng 5", 1),
        ("heading", "Mục tiêu", 2),
        ("paragraph", makers.BODY, 0),
        ("paragraph", "Nội dung | Thời hạn", 0),
        ("paragraph", "Chuyển đổi số | Tháng 6", 0),
        ("paragraph", makers.SECOND, 0),
    ]
    assert [(b.kind, b.text) for b in second.blocks] == [
        ("heading", "Tổ chức thực hiện"),
        ("paragraph", "Giao Bí thư chi bộ theo dõi việc thực hiện."),
    ]
    assert second.number == 2


def test_docx_without_heading_styles_uses_the_wording(tmp_path: Path) -> None:
    path = makers.docx_with_text(
        tmp_path / "plain.docx", ["NGHỊ QUYẾT", "Điều 1. Phạm vi", "Chi bộ   thống nhất\tcao."]
    )
    blocks = extract(path, "docx").pages[0].blocks
    assert [(b.kind, b.text, b.level) for b in blocks] == [
        ("heading", "NGHỊ QUYẾT", 1),
        ("heading", "Điều 1. Phạm vi", 2),
        ("paragraph", "Chi bộ thống nhất cao.", 0),
    ]


def test_docx_that_is_another_zip(tmp_path: Path) -> None:
    error = refused(hostile.renamed_zip(tmp_path / "anh.docx"), "docx")
    assert error.code == "mismatch"
    assert "không phải văn bản Word" in error.message


def test_docx_zip_bomb_is_refused_before_inflating(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 2 * 1024 * 1024
    assert refused(zip_bomb, "docx").code == "too_complex"


def test_docx_truncated(docx_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.docx"
    cut.write_bytes(docx_path.read_bytes()[:5000])
    assert refused(cut, "docx").code == "corrupt"


def test_docx_with_broken_xml(tmp_path: Path, docx_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(docx_path) as source, zipfile.ZipFile(broken, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data[: len(data) // 2]
            out.writestr(info, data)
    assert refused(broken, "docx").code == "corrupt"


def test_empty_docx(tmp_path: Path) -> None:
    assert refused(makers.docx_with_text(tmp_path / "e.docx", []), "docx").code == "no_text"


def test_txt_paragraphs_and_pages(tmp_path: Path) -> None:
    path = tmp_path / "ghi-chu.txt"
    text = "NGHỊ QUYẾT\r\n\r\nDòng một của đoạn.\r\nDòng hai là đoạn khác.\f\nTrang hai.\f"
    path.write_bytes(codecs.BOM_UTF8 + text.encode())
    document = extract(path, "txt")
    assert [[(b.kind, b.text) for b in page.blocks] for page in document.pages] == [
        [
            ("heading", "NGHỊ QUYẾT"),
            ("paragraph", "Dòng một của đoạn."),
            ("paragraph", "Dòng hai là đoạn khác."),
        ],
        [("paragraph", "Trang hai.")],
    ]


def test_txt_hard_wrapped_lines_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.txt"
    wrapped = textwrap.wrap(makers.BODY, 70)
    path.write_text("\n".join(wrapped) + "\n\nĐoạn sau.\n", encoding="utf-8")
    blocks = extract(path, "txt").pages[0].blocks
    assert [b.text for b in blocks] == [makers.BODY, "Đoạn sau."]


def test_txt_decomposed_unicode_is_composed(tmp_path: Path) -> None:
    path = tmp_path / "nfd.txt"
    path.write_bytes("Nghi\u0323 quyê\u0301t".encode())
    assert extract(path, "txt").text == "Nghị quyết"


def test_txt_utf16(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("Nghị quyết chi bộ".encode("utf-16"))
    assert extract(path, "txt").text == "Nghị quyết chi bộ"


def test_txt_not_unicode(tmp_path: Path) -> None:
    path = tmp_path / "cu.txt"
    path.write_bytes("Nghị quyết".encode() + b"\xa7\xb6ng vi\xaan")
    error = refused(path, "txt")
    assert error.code == "legacy_encoding"
    assert "UTF-8" in error.message


def test_whitespace_only_txt(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\t\n", encoding="utf-8")
    assert refused(path, "txt").code == "no_text"


def test_docx_content_controls_and_tracked_changes(tmp_path: Path) -> None:
    path = makers.docx_with_hidden_runs(tmp_path / "tracked.docx")
    texts = [b.text for b in extract(path, "docx").pages[0].blocks]
    assert texts == ["Đoạn thường.", "Trong ô nội dung.", "Đã chèn thêm."]
