"""PDF pages to text with pypdf, one page at a time; pages without a text layer go to OCR."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError, PdfReadError

from ..errors import ExtractionError, too_many_pages
from . import ocr as ocr_tools
from .layout import blocks_from_lines
from .model import Page

logger = logging.getLogger(__name__)

#: A page whose text layer has fewer visible characters than this may be a scan.
MIN_TEXT_CHARS = 20

Progress = Callable[[int, int], None]


def read_pdf(
    path: Path,
    *,
    progress: Progress | None,
    ocr: bool,
    max_pages: int,
    deadline: float | None,
    ocr_allowance: float = 0.0,
    on_ocr_page: Callable[[], None] | None = None,
) -> tuple[list[Page], list[str]]:
    """Pages of ``path`` and Vietnamese warnings (pages left unread, OCR unavailable).

    Each scanned page adds ``ocr_allowance`` seconds to ``deadline`` as its OCR starts (told to
    ``on_ocr_page``): a long scanned document gets the time its OCR needs, while parsing alone
    stays within the first deadline."""
    reader = _open(path)
    total = _page_count(reader, max_pages)
    pages: list[Page] = []
    warnings: list[str] = []
    ocr_ok = ocr
    if ocr:
        try:
            ocr_tools.tools()
        except ocr_tools.OcrUnavailable:
            logger.error("OCR tools missing: scanned pages will stay empty")
            ocr_ok = False
    unread: list[int] = []
    for index in range(total):
        number = index + 1
        page = reader.pages[index]
        text = page.extract_text() or ""
        from_ocr = False
        if _visible_chars(text) < MIN_TEXT_CHARS and _has_images(page):
            if ocr_ok:
                if deadline is not None:
                    deadline += ocr_allowance
                if on_ocr_page is not None:
                    on_ocr_page()
                scanned = _ocr(path, number, page, deadline, warnings)
                if _visible_chars(scanned) > _visible_chars(text):
                    text, from_ocr = scanned, True
            elif not text.strip():
                unread.append(number)
        pages.append(Page(number, blocks_from_lines(text.splitlines()), ocr=from_ocr))
        if progress is not None:
            progress(number, total)
    if unread:
        warnings.append(
            f"Có {len(unread)} trang là ảnh quét chưa được nhận dạng chữ (trang {_ranges(unread)})."
        )
    return pages, warnings


def _open(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path, strict=False)
    except PdfReadError as e:
        raise ExtractionError("corrupt") from e
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except (DependencyError, NotImplementedError, PdfReadError) as e:
            raise ExtractionError("encrypted") from e
        if decrypted == PasswordType.NOT_DECRYPTED:
            raise ExtractionError("encrypted")
    return reader


def _page_count(reader: PdfReader, max_pages: int) -> int:
    """Refuse long documents before walking the page tree, by the declared /Count first."""
    too_many = too_many_pages(max_pages)
    try:
        declared = int(reader.root_object["/Pages"]["/Count"])  # type: ignore[index]
    except Exception:  # noqa: BLE001 - a broken /Count is checked again below
        declared = 0
    if declared > max_pages:
        raise too_many
    total = len(reader.pages)
    if total > max_pages:
        raise too_many
    if total == 0:
        raise ExtractionError("corrupt", "Tệp PDF không có trang nào đọc được.")
    return total


def _visible_chars(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def _has_images(page: PageObject) -> bool:
    """Whether the page draws any image (a scan does; a blank page does not)."""
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        for ref in (xobjects.get_object() if xobjects else {}).values():
            if ref.get_object().get("/Subtype") in ("/Image", "/Form"):
                return True
        # Inline images (BI ... ID ... EI) sit in the content stream itself.
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        return b"BI" in data and b"ID" in data and b"EI" in data
    except (AttributeError, KeyError, TypeError, PdfReadError):
        return False


def _ocr(
    path: Path, number: int, page: PageObject, deadline: float | None, warnings: list[str]
) -> str:
    budget = None if deadline is None else deadline - time.monotonic()
    try:
        box = page.mediabox
        dpi = ocr_tools.dpi_for(float(box.width), float(box.height))
    except Exception:  # noqa: BLE001 - a broken /MediaBox: let pdftoppm use its default size
        dpi = ocr_tools.DPI
    try:
        return ocr_tools.ocr_pdf_page(path, number, dpi=dpi, time_budget=budget)
    except ocr_tools.OcrFailed as e:
        logger.warning("OCR failed on page %s of %s: %s", number, path, e)
        warnings.append(f"Không nhận dạng được chữ trên trang {number}.")
        return ""


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1–3, 7"."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [0]:
        if n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return ", ".join(parts)
