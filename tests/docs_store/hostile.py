"""Hostile and broken files: bombs, deep nesting, locks, lies about what a file is.

Each is built by hand, in well under a second, so the tests can show the limits hold.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path


def blank_pages_pdf(path: Path, pages: int) -> Path:
    """A PDF of many blank pages, cheaply, with pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    with path.open("wb") as f:
        writer.write(f)
    return path


def encrypted_pdf(
    source: Path,
    path: Path,
    user_password: str = "mat-khau",  # noqa: S107 - a sample's lock
) -> Path:
    """``source`` encrypted with AES-256; an empty user password makes an owner-only lock."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-256")
    with path.open("wb") as f:
        writer.write(f)
    return path


def raw_pdf(
    path: Path, content: bytes, *, filters: str = "", extra_page_entry: bytes = b""
) -> Path:
    """A one-page PDF written by hand around a given content stream (already encoded)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        + extra_page_entry
        + b" >>",
        b"<< /Length %d %s>>\nstream\n" % (len(content), filters.encode())
        + content
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def flate_bomb_pdf(path: Path, inflated_bytes: int = 2 * 1024**3) -> Path:
    """A content stream of ~2 MB that FlateDecode inflates to ``inflated_bytes`` of spaces.

    Built in a blink: after a full flush a deflate block does not depend on what came before,
    so one compressed MiB is repeated; the Adler-32 of n equal bytes has a closed form.
    """
    chunk = b" " * (1024 * 1024)
    count = inflated_bytes // len(chunk)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(chunk) + raw.flush(zlib.Z_FULL_FLUSH)
    final = raw.flush(zlib.Z_FINISH)
    n, v = count * len(chunk), ord(" ")
    adler = (((n + v * n * (n + 1) // 2) % 65521) << 16) | ((1 + n * v) % 65521)
    stream = b"\x78\xda" + block * count + final + adler.to_bytes(4, "big")
    return raw_pdf(path, stream, filters="/Filter /FlateDecode ")


def nested_arrays_pdf(path: Path, depth: int = 100_000) -> Path:
    """Arrays nested ``depth`` deep, both in the content stream and in the page dictionary."""
    nested = b"[" * depth + b"]" * depth
    content = b"BT /F1 12 Tf 50 700 Td " + nested + b" TJ ET"
    return raw_pdf(path, content, extra_page_entry=b" /Nested " + nested)


def zip_bomb_docx(path: Path, inflated_bytes: int = 200 * 1024 * 1024) -> Path:
    """A .docx whose word/document.xml inflates ~1000x to ``inflated_bytes``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_bytes // len(chunk)):
                member.write(chunk)
    return path


def renamed_zip(path: Path) -> Path:
    """An ordinary zip of photos and notes, named .docx."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("anh/hop-chi-bo.txt", "Ảnh họp chi bộ tháng 5")
        archive.writestr("ghi-chu.txt", "Ghi chú")
    return path


def nested_dicts_pdf(path: Path, depth: int = 100_000) -> Path:
    """Dictionaries nested ``depth`` deep in the page dictionary."""
    nested = b"<< /A " * depth + b"1" + b" >>" * depth
    content = b"BT /F1 12 Tf 50 700 Td (Nghi quyet chi bo) Tj ET"
    return raw_pdf(path, content, extra_page_entry=b" /Nested " + nested)


def deep_xml_docx(source: Path, path: Path, depth: int = 100_000) -> Path:
    """``source`` with a paragraph wrapped in ``depth`` nested elements."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                deep = b"<w:sdt><w:sdtContent>" * depth + b"</w:sdtContent></w:sdt>" * depth
                data = data.replace(b"<w:body>", b"<w:body>" + deep, 1)
            out.writestr(info, data)
    return path
