"""detect_kind: the bytes decide, the name must agree, and every refusal says why."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from docs_store.extract import HEAD_BYTES, ExtractionError, detect_kind

from .mojibake import tcvn3

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def head(path: Path) -> bytes:
    return path.read_bytes()[:HEAD_BYTES]


def zip_bytes(names: list[str], first: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(*first)
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def refused(data: bytes, name: str) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        detect_kind(data, name)
    assert str(caught.value) == caught.value.message
    return caught.value


def test_real_files(text_pdf: Path, docx_path: Path) -> None:
    assert detect_kind(head(text_pdf), "Nghị quyết.PDF") == "pdf"
    assert detect_kind(head(docx_path), "nghi-quyet.docx") == "docx"
    assert detect_kind("Nghị quyết chi bộ\n".encode(), "ghi-chu.txt") == "txt"


@pytest.mark.parametrize(
    "data",
    [
        "Nghị quyết".encode(),
        codecs.BOM_UTF8 + "Nghị quyết".encode(),
        codecs.BOM_UTF16_LE + "Nghị quyết".encode("utf-16-le"),
        "Nghị".encode()[:-1],  # the head may stop inside a character
    ],
)
def test_unicode_text(data: bytes) -> None:
    assert detect_kind(data, "a.txt") == "txt"


def test_name_without_extension_trusts_the_bytes(text_pdf: Path) -> None:
    assert detect_kind(head(text_pdf), "tai-lieu") == "pdf"
    assert detect_kind("Nghị quyết".encode(), "tai-lieu") == "txt"


def test_empty() -> None:
    error = refused(b"", "a.pdf")
    assert error.code == "empty"
    assert "trống" in error.message


def test_png_named_pdf() -> None:
    error = refused(PNG, "nghi-quyet.pdf")
    assert error.code == "mismatch"
    assert "ảnh PNG" in error.message and "PDF" in error.message


def test_pdf_named_docx(text_pdf: Path) -> None:
    error = refused(head(text_pdf), "nghi-quyet.docx")
    assert error.code == "mismatch"
    assert "tệp PDF" in error.message


def test_docx_named_pdf(docx_path: Path) -> None:
    assert refused(head(docx_path), "nghi-quyet.pdf").code == "mismatch"


def test_pdf_named_txt(text_pdf: Path) -> None:
    assert refused(head(text_pdf), "ghi-chu.txt").code == "mismatch"


def test_legacy_word_doc() -> None:
    for name in ("bien-ban.doc", "bien-ban.DOC"):
        error = refused(OLE, name)
        assert error.code == "unsupported"
        assert ".docx" in error.message and "PDF" in error.message


def test_legacy_word_doc_renamed_docx() -> None:
    error = refused(OLE, "bien-ban.docx")
    assert error.code == "mismatch"
    assert "Word đời cũ" in error.message


def test_password_protected_docx() -> None:
    data = OLE + "EncryptedPackage".encode("utf-16-le")
    assert refused(data, "bao-cao.docx").code == "encrypted"


@pytest.mark.parametrize("name", ["anh.jpg", "bang.xlsx", "a.odt", "a.rtf", "a.zip", "a.png"])
def test_other_types_are_unsupported(name: str) -> None:
    error = refused(PNG, name)
    assert error.code == "unsupported"
    assert "PDF" in error.message


def test_spreadsheet_named_docx() -> None:
    data = zip_bytes(["[Content_Types].xml", "xl/workbook.xml"])
    error = refused(data, "bang-diem.docx")
    assert error.code == "mismatch"
    assert "Excel" in error.message


def test_opendocument_named_docx() -> None:
    data = zip_bytes([], first=("mimetype", "application/vnd.oasis.opendocument.text"))
    assert refused(data, "van-ban.docx").code == "unsupported"


def test_legacy_8bit_text() -> None:
    data = tcvn3("Nghị quyết của chi bộ").encode("latin-1")  # an 8-bit TCVN3 .txt
    error = refused(data, "ghi-chu.txt")
    assert error.code == "legacy_encoding"
    assert "UTF-8" in error.message


def test_binary_named_txt() -> None:
    assert refused(b"\x00\x01\x02binary" * 50, "ghi-chu.txt").code == "mismatch"
