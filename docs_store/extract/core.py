"""``extract``: one entry point from a stored file to an ExtractedDocument, in this process.

Untrusted input should go through ``sandbox.extract_sandboxed``, which runs this function in a
child process with memory, CPU and wall-clock limits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ..errors import ExtractionError
from . import legacy
from .model import ExtractedDocument, Page

logger = logging.getLogger(__name__)

KINDS = ("pdf", "docx", "txt")
DEFAULT_MAX_PAGES = 2000
#: Pages with fewer words than this are not judged on their own for legacy encodings.
LEGACY_PAGE_MIN_WORDS = 30


def extract(
    path: Path,
    kind: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    ocr: bool = True,
    max_pages: int = DEFAULT_MAX_PAGES,
    deadline: float | None = None,
    ocr_allowance: float = 0.0,
    on_ocr_page: Callable[[], None] | None = None,
) -> ExtractedDocument:
    """Read ``path`` (of a kind from ``detect_kind``) into pages of headings and paragraphs.

    ``progress(done, total)`` is called after each page. ``deadline`` (a ``time.monotonic``
    value) bounds OCR; the sandbox sets it, and each scanned page adds ``ocr_allowance`` seconds
    to it as its OCR starts (told to ``on_ocr_page``). Every failure the user can act on is an
    ExtractionError with a Vietnamese message; parser crashes on malformed input become
    ``corrupt``, resource bombs ``too_complex`` or ``memory``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    path = Path(path)
    if path.stat().st_size == 0:  # a missing file is the caller's bug: OSError, not ours
        raise ExtractionError("empty")
    try:
        pages, warnings = _read(
            path, kind, _guarded(progress), ocr, max_pages, deadline, ocr_allowance, on_ocr_page
        )
    except ExtractionError:
        raise
    except _ProgressFailed as e:
        assert e.__cause__ is not None
        raise e.__cause__ from None  # the caller's own error (a cancelled job), not the file's
    except Exception as e:
        code = _classify(e)
        logger.info("cannot parse %s as %s (%s): %r", path, kind, code, e)
        raise ExtractionError(code) from e
    document = ExtractedDocument(pages=pages, kind=kind, warnings=warnings)
    _check_legacy(document)
    if not any(page.blocks for page in pages):
        if warnings and kind == "pdf" and not ocr:
            raise ExtractionError(
                "no_text", "Tệp chỉ gồm ảnh quét; cần bật nhận dạng chữ (OCR) để đọc được."
            )
        raise ExtractionError("no_text")
    return document


class _ProgressFailed(Exception):
    """Carries an exception raised by the caller's progress callback past the parsers."""


def _guarded(
    progress: Callable[[int, int], None] | None,
) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def call(done: int, total: int) -> None:
        try:
            progress(done, total)
        except Exception as e:
            raise _ProgressFailed from e

    return call


def _read(
    path: Path,
    kind: str,
    progress: Callable[[int, int], None] | None,
    ocr: bool,
    max_pages: int,
    deadline: float | None,
    ocr_allowance: float = 0.0,
    on_ocr_page: Callable[[], None] | None = None,
) -> tuple[list[Page], list[str]]:
    # Parsers are imported here so the web process that only calls detect_kind or the
    # sandbox never loads them.
    if kind == "pdf":
        from .pdf_reader import read_pdf

        return read_pdf(
            path,
            progress=progress,
            ocr=ocr,
            max_pages=max_pages,
            deadline=deadline,
            ocr_allowance=ocr_allowance,
            on_ocr_page=on_ocr_page,
        )
    if kind == "docx":
        from .docx_reader import read_docx

        pages = read_docx(path, max_pages=max_pages)
    else:
        from .txt_reader import read_txt

        pages = read_txt(path, max_pages=max_pages)
    if progress is not None:
        progress(len(pages), len(pages))
    return pages, []


def _classify(error: BaseException) -> str:
    """``memory``, ``too_complex`` or ``corrupt`` for a parser's exception.

    Parsers wrap the telling error (pypdf turns RecursionError into PdfReadError), so the
    whole chain of causes is looked at.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return "memory"
        if (
            isinstance(current, RecursionError)
            or type(current).__name__ == "LimitReachedError"  # pypdf's guard against bombs
            or "Excessive depth" in str(current)  # libxml2's (lxml, python-docx)
        ):
            return "too_complex"
        current = current.__cause__ or current.__context__
    return "corrupt"


def _check_legacy(document: ExtractedDocument) -> None:
    """Refuse TCVN3/VNI/VIQR text, judged on the whole text and on each long page."""
    typed = [page for page in document.pages if not page.ocr]
    # Only pages with a Latin-1 symbol or a VIQR mark can look legacy, alone or together
    # (a mark never spans the newline between pages): plain Unicode skips the counting.
    suspects = [page for page in typed if legacy.may_be_legacy(page.text)]
    encoding = legacy.detect("\n".join(page.text for page in typed)) if suspects else None
    if encoding is None:
        for page in suspects:
            verdict = legacy.analyse(page.text)
            if verdict.words >= LEGACY_PAGE_MIN_WORDS and verdict.encoding:
                encoding = verdict.encoding
                break
    if encoding is not None:
        raise ExtractionError("legacy_encoding", legacy.message(encoding))
