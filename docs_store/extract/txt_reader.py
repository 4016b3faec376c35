"""Plain text: UTF-8 (with or without BOM) or UTF-16 with BOM; form feeds split pages."""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import ExtractionError, too_many_pages
from .detect import LEGACY_TEXT
from .layout import blocks_from_lines
from .model import Page

#: Text wider than this per line was not hard-wrapped: keep one paragraph per line.
MAX_WRAP_WIDTH = 100


def read_txt(path: Path, *, max_pages: int) -> list[Page]:
    """Pages of a text file; bytes that are not Unicode raise ``legacy_encoding``."""
    data = path.read_bytes()
    if not data:
        raise ExtractionError("empty")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractionError("legacy_encoding", LEGACY_TEXT) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = text.split("\f")
    while len(chunks) > 1 and not chunks[-1].strip():
        chunks.pop()  # a trailing form feed makes no page
    if len(chunks) > max_pages:
        raise too_many_pages(max_pages)
    return [
        Page(number, blocks_from_lines(chunk.split("\n"), max_wrap_width=MAX_WRAP_WIDTH))
        for number, chunk in enumerate(chunks, start=1)
    ]
