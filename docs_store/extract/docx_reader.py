"""DOCX to pages with python-docx, after checking the zip is a Word file and not a bomb.

Headings come from paragraph styles (Title, Heading 1..9, and styles based on them); tables
become one paragraph per row. Pages are split where Word last rendered a page break or where
the author put a hard one, so page numbers match what the secretary saw in Word.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.text.paragraph import Paragraph

from ..errors import ExtractionError, too_many_pages
from .layout import heading_level, tidy
from .model import Block, Page

#: Limits checked on the zip's directory before anything is decompressed.
MAX_DOCUMENT_XML = 64 * 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_RATIO = 100  # XML compresses 5-20x; far beyond this is a bomb
RATIO_MIN_SIZE = 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT_TAGS = (f"{_W}p", f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr")
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_NOT_WORD = (
    "Tệp có đuôi .docx nhưng không phải văn bản Word; hãy mở bằng Word, lưu lại dưới dạng "
    ".docx rồi tải lên lại."
)


def read_docx(path: Path, *, max_pages: int) -> list[Page]:
    """Pages of a .docx; raises ExtractionError for non-Word zips and zip bombs."""
    check_zip(path)
    try:
        document = docx.Document(str(path))
    except (ValueError, KeyError, zipfile.BadZipFile) as e:
        raise ExtractionError("corrupt", _NOT_WORD) from e
    items = list(_body_items(document.element.body))

    def style_level(element: Any) -> int | None:
        return _style_level(Paragraph(element, document._body))

    # Documents that use heading styles are trusted; the others get the wording rules.
    styled = any(style_level(el) is not None for el in items if el.tag == f"{_W}p")
    pages = [Page(1)]
    for element in items:
        if element.tag == f"{_W}tbl":
            _add_table(element, pages, max_pages)
            continue
        before, after = _breaks(element)
        if before:
            _new_page(pages, max_pages)
        text = tidy(_text(element))
        if text:
            level = style_level(element) if styled else heading_level(text)
            block = Block("heading", text, level) if level else Block("paragraph", text)
            pages[-1].blocks.append(block)
        if after:
            _new_page(pages, max_pages)
    while len(pages) > 1 and not pages[-1].blocks:
        pages.pop()  # a break at the very end makes no page
    return pages


def _body_items(container: Any) -> Iterator[Any]:
    """Body paragraphs and tables in order, including those inside content controls."""
    for child in container.iterchildren(f"{_W}p", f"{_W}tbl", f"{_W}sdt"):
        if child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _body_items(content)
        else:
            yield child


def _text(element: Any) -> str:
    """All text under ``element``: runs in insertions, fields, links and text boxes too.

    python-docx's ``Paragraph.text`` only sees direct runs and hyperlinks. Deleted text
    (``w:delText``) is left out, and so are the VML fallback copies of text boxes.
    """
    parts: list[str] = []
    for el in element.iter(*_TEXT_TAGS):
        if any(True for _ in el.iterancestors(_MC_FALLBACK)):
            continue
        parts.append(el.text or "" if el.tag == f"{_W}t" else " ")
    return "".join(parts)


def check_zip(path: Path) -> None:
    """Refuse zips that are not Word documents or would inflate far beyond their size."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ExtractionError("corrupt") from e
    if len(infos) > MAX_ENTRIES:
        raise ExtractionError("too_complex")
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
            what = "bảng tính Excel" if "xl/workbook.xml" in names else "bài trình chiếu"
            raise ExtractionError(
                "mismatch",
                f"Tệp này là {what}, không phải văn bản Word; hãy tải lên tệp .docx hoặc PDF.",
            )
        raise ExtractionError("mismatch", _NOT_WORD)
    total = 0
    for info in infos:
        total += info.file_size
        big = info.file_size > RATIO_MIN_SIZE
        if big and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExtractionError("too_complex")
        if info.filename == "word/document.xml" and info.file_size > MAX_DOCUMENT_XML:
            raise ExtractionError("too_complex")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise ExtractionError("too_complex")


def _style_level(paragraph: Paragraph) -> int | None:
    """Heading level from the paragraph's style or the style it is based on (two levels)."""
    style: Any = paragraph.style
    for _ in range(3):
        if style is None:
            return None
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name)
        if match:
            return max(1, int(match.group(1)))
        style = style.base_style
    return None


def _breaks(p: Any) -> tuple[bool, bool]:
    """Whether a page break comes before this paragraph's text, and whether one comes after."""
    seen_text = before = after = False
    ppr = p.find(f"{_W}pPr")
    if ppr is not None and ppr.find(f"{_W}pageBreakBefore") is not None:
        value = ppr.find(f"{_W}pageBreakBefore").get(f"{_W}val", "true")
        before = value not in ("0", "false", "off")
    for el in p.iter(f"{_W}t", f"{_W}br", f"{_W}lastRenderedPageBreak"):
        if el.tag == f"{_W}t":
            seen_text = seen_text or bool((el.text or "").strip())
        elif el.tag == f"{_W}br" and el.get(f"{_W}type") != "page":
            continue
        elif seen_text:
            after = True
        else:
            before = True
    return before, after


def _add_table(table: Any, pages: list[Page], max_pages: int) -> None:
    """One paragraph per row, cells joined by " | " (a merged cell appears once)."""
    for row in table.iterchildren(f"{_W}tr"):
        if row.find(f".//{_W}lastRenderedPageBreak") is not None and pages[-1].blocks:
            _new_page(pages, max_pages)
        cells = [tidy(_text(cell)) for cell in row.iterchildren(f"{_W}tc")]
        cells = [text for text in cells if text]
        if cells:
            pages[-1].blocks.append(Block("paragraph", " | ".join(cells)))


def _new_page(pages: list[Page], max_pages: int) -> None:
    if not pages[-1].blocks:
        return  # consecutive breaks do not make empty pages
    if len(pages) >= max_pages:
        raise too_many_pages(max_pages)
    pages.append(Page(len(pages) + 1))
