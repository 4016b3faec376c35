"""OCR of one PDF page: Tesseract (Vietnamese) reads the page at 300 dpi.

Tesseract reads best near 300 dpi (``bench/ocr_quality.py``, issue #14). A page that is one
upright grey or colour scan of about 300 dpi covering the page (``find_scan``, by ``pdfimages
-list``) is read from the scanner's own pixels, taken out by ``pdfimages``: no rendering
(rendering it at its own 300 dpi read no better and cost time). Every other page, coarser
scans and photographed pages included, is rendered by pdftoppm at 300 dpi as a grey PGM (a
PNG's zlib took longer than the OCR), or at less when the page is so large that the bitmap
would pass MAX_PIXELS_SIDE: read from their own 150-212 dpi pixels, the bench's scans had 37
words of 5,000 wrong ("chi" read "chỉ" 25 times), rendered at 300 dpi 23 (15), for about a
quarter more OCR time. Telling Tesseract ``--dpi 300`` without new pixels, Pillow's Lanczos
instead of poppler, 250 or 400 dpi and Tesseract's other binarisations read no better.

Each tool runs as a separate program with a timeout; inside the sandbox they also inherit its
memory, CPU and file-size limits, per process: pages read in parallel each have their own.

Tesseract writes the text and, in the same run, each word's confidence (its ``tsv`` output):
the words it was unsure of are marked for the secretary (``unsure``). Running it twice would
double a page's OCR time.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExtractionError
from .unsure import Word, parse_tsv

logger = logging.getLogger(__name__)

#: Pages are rendered at this resolution, the one Tesseract reads best at.
DPI = 300
#: Scans this fine are read from their own pixels; coarser ones are rendered at DPI, finer
#: ones at MAX_SCAN_DPI (Tesseract gains nothing above 300 dpi).
MIN_SCAN_DPI, MAX_SCAN_DPI = 290, 300
#: Share of the page an image must cover for the page to count as one scanned image.
SCAN_COVERAGE = 0.5
#: Fewer visible characters than this from a scan's own pixels: render the page and read again.
MIN_SCAN_CHARS = 20
#: Longest side of the rendered image; a crafted page size must not make a gigapixel bitmap.
MAX_PIXELS_SIDE = 5000
#: Most pages read at once, whatever the number of cores.
MAX_WORKERS = 8
RASTER_TIMEOUT = 60.0
TESSERACT_TIMEOUT = 120.0
LANGUAGE = "vie"


@dataclass(frozen=True)
class OcrPage:
    """What Tesseract read on a page: the text, and every word with its confidence."""

    text: str
    words: tuple[Word, ...] = ()


class OcrUnavailable(Exception):
    """pdftoppm or tesseract (or its Vietnamese data) is not installed."""


class OcrFailed(Exception):
    """The tools ran but could not read this page."""


def tools() -> tuple[str, str]:
    """Absolute paths of pdftoppm and tesseract, or OcrUnavailable."""
    pdftoppm, tesseract = shutil.which("pdftoppm"), shutil.which("tesseract")
    if not pdftoppm or not tesseract:
        raise OcrUnavailable("pdftoppm and tesseract are needed for OCR")
    return pdftoppm, tesseract


def workers() -> int:
    """How many pages to read at once: the cores this process may run on, at most
    MAX_WORKERS (each Tesseract is a process of its own, under the sandbox's memory limit)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def dpi_for(width_pt: float, height_pt: float, dpi: int = DPI) -> int:
    """``dpi``, lowered for pages so large that the bitmap would pass MAX_PIXELS_SIDE."""
    side = max(width_pt, height_pt, 1.0) / 72.0
    return max(1, min(dpi, int(MAX_PIXELS_SIDE / side)))


@dataclass(frozen=True)
class Scan:
    """A page that is one scanned image: the resolution to read it at, and whether its own
    pixels can be read as they are (upright, grey or RGB, 290-300 dpi, not too large)."""

    dpi: int
    as_is: bool


def find_scan(pdf: Path, number: int, width_pt: float, height_pt: float) -> Scan | None:
    """How to read page ``number`` when it is one image covering most of the page; None for
    any other page (text drawn as shapes, a logo beside text, several images)."""
    pdfimages = shutil.which("pdfimages")
    if pdfimages is None:
        return None
    n = str(number)
    try:
        listing = _run([pdfimages, "-list", "-f", n, "-l", n, str(pdf.resolve())], 30.0, [None])
    except (OcrFailed, ExtractionError) as e:
        logger.info("pdfimages could not list page %s of %s: %s", number, pdf, e)
        return None
    # page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
    rows = [line.split() for line in listing.decode("utf-8", "replace").splitlines()[2:]]
    images = [row for row in rows if len(row) >= 14 and row[2] == "image"]
    if len(images) != 1:
        return None
    row = images[0]
    try:
        width, height, x_ppi, y_ppi = (float(row[i]) for i in (3, 4, 12, 13))
    except ValueError:
        return None
    if min(width, height, x_ppi, y_ppi) <= 0:
        return None
    if (width / x_ppi) * (height / y_ppi) * 72.0 * 72.0 < SCAN_COVERAGE * width_pt * height_pt:
        return None
    ppi = round(max(x_ppi, y_ppi))
    if ppi < MIN_SCAN_DPI:
        return Scan(DPI, as_is=False)
    # The same shape as the page, so not turned by the page's drawing (nor by /Rotate: the
    # caller passes the page's size as shown).
    upright = abs(width / height - width_pt / height_pt) < 0.05 * width_pt / height_pt
    as_is = (
        ppi <= MAX_SCAN_DPI
        and upright
        and row[5] in ("gray", "rgb")
        and max(width, height) <= MAX_PIXELS_SIDE
    )
    return Scan(min(ppi, MAX_SCAN_DPI), as_is)


def ocr_pdf_page(
    pdf: Path,
    number: int,
    *,
    dpi: int = DPI,
    time_budget: float | None = None,
    scan: Scan | None = None,
) -> OcrPage:
    """Text and words Tesseract reads on page ``number`` (1-based) of ``pdf``, from the scan's
    own pixels when ``scan.as_is``, else rendered at ``dpi``.

    ``time_budget`` caps all tools together (the sandbox passes what is left of its own);
    running out raises ExtractionError("timeout").
    """
    pdftoppm, tesseract = tools()
    budget = [time_budget]
    n = str(number)
    with tempfile.TemporaryDirectory(prefix="docs-ocr-") as tmp:
        if scan is not None and scan.as_is:
            pdfimages = shutil.which("pdfimages") or "pdfimages"
            prefix = Path(tmp) / "scan"
            # -j keeps a JPEG as it is (Tesseract decodes it); others come out as PGM/PPM/PBM.
            argv = [pdfimages, "-j", "-f", n, "-l", n, str(pdf.resolve()), str(prefix)]
            try:
                _run(argv, RASTER_TIMEOUT, budget)
                found = sorted(Path(tmp).glob("scan-*"))
                if len(found) == 1:
                    read = _tesseract(tesseract, found[0], scan.dpi, budget)
                    if len("".join(read.text.split())) >= MIN_SCAN_CHARS:
                        return read
            except OcrFailed as e:  # an odd image: rendering the page may still work
                logger.info("reading the scan of page %s of %s as it is failed: %s", n, pdf, e)
            for path in Path(tmp).glob("scan-*"):
                path.unlink()
        prefix = Path(tmp) / "page"
        _run(
            [pdftoppm, "-f", n, "-l", n, "-r", str(dpi), "-gray", "-singlefile"]
            + [str(pdf.resolve()), str(prefix)],
            RASTER_TIMEOUT,
            budget,
        )
        image = prefix.with_suffix(".pgm")
        if not image.is_file():
            raise OcrFailed(f"pdftoppm made no image for page {number}")
        return _tesseract(tesseract, image, dpi, budget)


def _tesseract(tesseract: str, image: Path, dpi: int, budget: list[float | None]) -> OcrPage:
    """One Tesseract run writing ``<out>.txt`` (the text, as on its stdout) and ``<out>.tsv``
    (the words' confidences) beside the image."""
    out = image.with_name("ocr")
    for suffix in (".txt", ".tsv"):
        out.with_suffix(suffix).unlink(missing_ok=True)  # not a previous run's
    # A PGM carries no resolution; Tesseract needs it to judge the size of the letters.
    argv = [tesseract, str(image), str(out), "-l", LANGUAGE, "--psm", "3", "--dpi", str(dpi)]
    _run(argv + ["txt", "tsv"], None, budget)
    try:
        text = out.with_suffix(".txt").read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise OcrFailed(f"tesseract wrote no text: {e}") from e
    try:
        tsv = out.with_suffix(".tsv").read_bytes().decode("utf-8", errors="replace")
    except OSError:  # the text alone is still the page's text
        logger.info("tesseract wrote no word confidences for %s", image)
        tsv = ""
    return OcrPage(text, tuple(parse_tsv(tsv)))


def _run(argv: list[str], timeout: float | None, budget: list[float | None]) -> bytes:
    """Run a tool; charge its time to the shared budget; failures become OcrFailed."""
    limit = timeout if timeout is not None else TESSERACT_TIMEOUT
    if budget[0] is not None:
        if budget[0] <= 0:
            raise ExtractionError("timeout")
        limit = min(limit, budget[0])
    # One OpenMP thread: the sandbox's address-space limit is per process, and every thread
    # reserves its own arena; a server also has other work for its cores.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv of absolute tool paths, no shell
            argv, capture_output=True, timeout=limit, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError("timeout") from None
    finally:
        if budget[0] is not None:
            budget[0] -= time.monotonic() - start
    if result.returncode != 0:
        err = result.stderr.decode("utf-8", "replace").strip()[-300:]
        raise OcrFailed(f"{Path(argv[0]).name} exited {result.returncode}: {err}")
    return result.stdout
