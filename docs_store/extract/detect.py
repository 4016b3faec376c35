"""Decide what an upload is from its first bytes and its name, before any parser sees it."""

from __future__ import annotations

import codecs
from pathlib import PurePath

from ..errors import ExtractionError

#: How many leading bytes callers should pass (more is fine, less weakens the checks).
HEAD_BYTES = 8192

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"II*\x00", "ảnh TIFF"),
    (b"MM\x00*", "ảnh TIFF"),
    (b"BM", "ảnh BMP"),
    (b"{\\rtf", "tệp RTF"),
    (b"Rar!", "tệp nén RAR"),
    (b"7z\xbc\xaf\x27\x1c", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén gzip"),
    (b"ID3", "tệp âm thanh MP3"),
    (b"MZ", "tệp chương trình"),
    (b"\x7fELF", "tệp chương trình"),
]
_TEXT_NAMES = {".txt", ".text", ".md"}
#: Photos are sniffed first (``photos.sniff_photo``): one that reaches here is not a photo.
_PHOTO_NAMES = {".jpg", ".jpeg", ".png", ".heic", ".heif"}
_LEGACY_WORD = (
    "Đây là tệp Word đời cũ (.doc); hãy mở bằng Word, chọn Lưu thành (Save As) "
    "định dạng .docx hoặc PDF rồi tải lên lại."
)


def detect_kind(head: bytes, filename: str) -> str:
    """Return "pdf", "docx" or "txt" for the first bytes of a file and its original name.

    The content decides; the name only has to agree with it. Raises ExtractionError:
    ``empty`` (0 bytes), ``mismatch`` (the name says one thing, the bytes another),
    ``unsupported`` (a type we do not read, e.g. legacy .doc), ``encrypted`` (a
    password-protected Office file), ``legacy_encoding`` (text not in UTF-8/UTF-16).
    """
    if not head:
        raise ExtractionError("empty")
    ext = PurePath(filename).suffix.lower()
    actual = _sniff(head)
    if actual == "ole":
        if "EncryptedPackage".encode("utf-16-le") in head:
            raise ExtractionError("encrypted")
        raise ExtractionError("mismatch" if ext == ".docx" else "unsupported", _LEGACY_WORD)
    if ext == ".doc":
        raise ExtractionError("unsupported", _LEGACY_WORD)
    if ext == ".pdf":
        if actual != "pdf":
            raise _mismatch("PDF", actual)
        return "pdf"
    if ext in (".docx", ".docm"):
        if actual != "zip":
            raise _mismatch("Word .docx", actual)
        _reject_other_zip(head)
        return "docx"
    if ext in _PHOTO_NAMES and not actual.startswith("ảnh "):
        raise _mismatch("ảnh chụp", actual)
    if ext in _TEXT_NAMES:
        if actual != "text":
            raise _mismatch("văn bản .txt", actual)
        _check_text(head)
        return "txt"
    if ext in ("", ".bin", ".dat", ".tmp") and actual in ("pdf", "zip", "text"):
        # A name without a usable extension (some phones upload "document"): trust the bytes.
        if actual == "zip":
            _reject_other_zip(head)
            return "docx"
        if actual == "text":
            _check_text(head)
            return "txt"
        return "pdf"
    raise ExtractionError("unsupported")


def _sniff(head: bytes) -> str:
    """ "pdf", "zip", "ole", a Vietnamese description of a known other type, or "text"."""
    if b"%PDF-" in head[:1024]:  # readers accept up to 1 KiB of junk before the header
        return "pdf"
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return "text"
    sample = head[:4096]
    if b"\x00" in sample:
        return "tệp nhị phân"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return "text" if controls <= len(sample) // 100 else "tệp nhị phân"


def _mismatch(expected: str, actual: str) -> ExtractionError:
    what = {"pdf": "tệp PDF", "zip": "tệp nén ZIP", "text": "văn bản thuần"}.get(actual, actual)
    return ExtractionError(
        "mismatch",
        f"Tên tệp ghi là {expected} nhưng nội dung thực ra là {what}; "
        "hãy kiểm tra lại tệp rồi tải lên lại.",
    )


def _reject_other_zip(head: bytes) -> None:
    """OpenDocument and Excel/PowerPoint files are zips too; say what they are."""
    if b"mimetypeapplication/vnd.oasis.opendocument" in head:
        raise ExtractionError(
            "unsupported",
            "Tệp OpenDocument (LibreOffice) chưa được hỗ trợ; hãy lưu lại dưới dạng .docx "
            "hoặc PDF rồi tải lên lại.",
        )
    for marker, name in ((b"xl/", "bảng tính Excel"), (b"ppt/", "bài trình chiếu PowerPoint")):
        if marker in head and b"word/" not in head:
            raise ExtractionError(
                "mismatch",
                f"Tệp này là {name}, không phải văn bản Word; hãy tải lên tệp .docx hoặc PDF.",
            )


def _check_text(head: bytes) -> None:
    """Text must be UTF-8 (BOM optional) or UTF-16 with a BOM, as Notepad saves it."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # the head may end inside a character
    except UnicodeDecodeError:
        raise ExtractionError("legacy_encoding", LEGACY_TEXT) from None


LEGACY_TEXT = (
    "Tệp văn bản không dùng mã Unicode (UTF-8) nên chữ sẽ bị lỗi; hãy mở bằng Notepad, "
    "chọn Lưu thành với mã hóa UTF-8 (hoặc chuyển mã bằng Unikey) rồi tải lên lại."
)
