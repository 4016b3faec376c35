"""PDF pages to text: poppler's pdftotext for text layers (pypdf when poppler is missing or
fails), OCR for pages without one, several scanned pages at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError, PdfReadError
from pypdf.generic import ArrayObject, EncodedStreamObject, NameObject

from ..errors import ExtractionError, too_many_pages
from . import ocr as ocr_tools
from .layout import blocks_from_lines
from .model import Page
from .poppler_text import page_texts
from .unsure import mark_unsure

logger = logging.getLogger(__name__)

#: A page whose text layer has fewer visible characters than this may be a scan.
MIN_TEXT_CHARS = 20
#: Pages given to one pdftotext call: progress is reported between calls.
CHUNK_PAGES = 50

Progress = Callable[[int, int], None]


class _Clock:
    """The OCR deadline, pushed back by ``allowance`` seconds as each scanned page's OCR
    starts, from whichever thread starts it (``on_ocr_page`` is told under a lock)."""

    def __init__(
        self, deadline: float | None, allowance: float, on_ocr_page: Callable[[], None] | None
    ) -> None:
        self.deadline, self.allowance, self.on_ocr_page = deadline, allowance, on_ocr_page
        self._lock = threading.Lock()

    def start_page(self) -> None:
        """Grant a page its allowance as its OCR starts."""
        with self._lock:
            if self.deadline is not None:
                self.deadline += self.allowance
            if self.on_ocr_page is not None:
                self.on_ocr_page()

    def left(self) -> float | None:
        with self._lock:
            return None if self.deadline is None else self.deadline - time.monotonic()


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
    ``on_ocr_page``, from an OCR thread): a long scanned document gets the time its OCR needs,
    while parsing alone stays within the first deadline. Scanned pages are read in parallel,
    up to one per core; ``progress`` still counts pages in order."""
    reader = _open(path)
    total = _page_count(reader, max_pages)
    ocr_ok = ocr
    if ocr:
        try:
            ocr_tools.tools()
        except ocr_tools.OcrUnavailable:
            logger.error("OCR tools missing: scanned pages will stay empty")
            ocr_ok = False
    clock = _Clock(deadline, ocr_allowance, on_ocr_page)
    pending: list[tuple[int, str, Future[ocr_tools.OcrPage | None] | None]] = []
    pages: list[Page] = []
    warnings: list[str] = []
    unread: list[int] = []

    def settle(wait: bool) -> None:
        """Turn finished pages at the head of ``pending`` into Pages, in order."""
        while pending and (wait or pending[0][2] is None or pending[0][2].done()):
            number, text, scan = pending.pop(0)
            scanned = scan.result() if scan is not None else None
            if scan is not None and scanned is None:
                warnings.append(f"Không nhận dạng được chữ trên trang {number}.")
            if scanned is not None and _visible_chars(scanned.text) > _visible_chars(text):
                blocks = blocks_from_lines(scanned.text.splitlines())
                mark_unsure(blocks, scanned.words)
                pages.append(Page(number, blocks, ocr=True))
            else:
                pages.append(Page(number, blocks_from_lines(text.splitlines())))
            if progress is not None:
                progress(number, total)

    with ThreadPoolExecutor(ocr_tools.workers(), thread_name_prefix="ocr") as pool:
        try:
            for first in range(1, total + 1, CHUNK_PAGES):
                last = min(total, first + CHUNK_PAGES - 1)
                for number, text in enumerate(_texts(path, reader, first, last, clock), first):
                    page = reader.pages[number - 1]
                    scan: Future[ocr_tools.OcrPage | None] | None = None
                    if _visible_chars(text) < MIN_TEXT_CHARS:
                        text = _pypdf_text(page, text)  # poppler may have missed a font's map
                    if _visible_chars(text) < MIN_TEXT_CHARS and _has_images(page):
                        if ocr_ok:
                            size = _size(page)
                            scan = pool.submit(_ocr, path, number, size, clock)
                        elif not text.strip():
                            unread.append(number)
                    pending.append((number, text, scan))
                settle(wait=False)
            settle(wait=True)
        finally:
            for _, _, scan in pending:
                if scan is not None:
                    scan.cancel()
    if unread:
        warnings.append(
            f"Có {len(unread)} trang là ảnh quét chưa được nhận dạng chữ (trang {_ranges(unread)})."
        )
    return pages, warnings


def _texts(path: Path, reader: PdfReader, first: int, last: int, clock: _Clock) -> list[str]:
    """Text layers of pages ``first``..``last``: pdftotext's, or pypdf's when it fails."""
    for index in range(first - 1, last):
        _inflate_contents(reader.pages[index])
    texts = page_texts(path, first, last, time_budget=clock.left())
    if texts is None:
        texts = [reader.pages[index].extract_text() or "" for index in range(first - 1, last)]
    return texts


def _inflate_contents(page: PageObject) -> None:
    """Inflate the page's content streams under pypdf's limit on inflated size (raising its
    LimitReachedError: ``too_complex``), before pdftotext, which has no such limit: a 2 MB
    stream that inflates to 2 GiB kept it busy for 17 s of CPU, an upload's worth each time.
    A few milliseconds for an ordinary page."""
    contents = page.get(NameObject("/Contents"))
    if contents is None:
        return
    contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    for stream in streams:
        stream = stream.get_object()
        if isinstance(stream, EncodedStreamObject):
            stream.get_data()
            stream.decoded_self = None  # not kept: a long document's pages would add up


def _pypdf_text(page: PageObject, text: str) -> str:
    """pypdf's text of a page where poppler found (almost) none, when it finds more."""
    other = page.extract_text() or ""
    return other if _visible_chars(other) > _visible_chars(text) else text


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
    return len("".join(text.split()))  # str.split() splits on exactly what isspace() calls space


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


def _size(page: PageObject) -> tuple[float, float] | None:
    """The page's width and height in points as shown (turned by /Rotate), or None for a
    broken /MediaBox."""
    try:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        return (height, width) if page.rotation % 180 else (width, height)
    except Exception:  # noqa: BLE001 - let pdftoppm use its default size
        return None


def _ocr(
    path: Path, number: int, size: tuple[float, float] | None, clock: _Clock
) -> ocr_tools.OcrPage | None:
    """OCR text and words of one page, run in a pool thread; None when the tools cannot read
    it."""
    clock.start_page()
    dpi, scan = ocr_tools.DPI, None
    if size is not None:
        scan = ocr_tools.find_scan(path, number, *size)
        dpi = ocr_tools.dpi_for(*size, dpi=scan.dpi if scan else dpi)
    try:
        return ocr_tools.ocr_pdf_page(path, number, dpi=dpi, time_budget=clock.left(), scan=scan)
    except ocr_tools.OcrFailed as e:
        logger.warning("OCR failed on page %s of %s: %s", number, path, e)
        return None


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
