"""OCR of one PDF page: poppler's pdftoppm rasterises it, Tesseract (Vietnamese) reads it.

Both run as separate programs with a timeout each; inside the sandbox they also inherit its
memory, CPU and file-size limits.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import ExtractionError

logger = logging.getLogger(__name__)

DPI = 200
#: Longest side of the rendered image; a crafted page size must not make a gigapixel bitmap.
MAX_PIXELS_SIDE = 5000
RASTER_TIMEOUT = 60.0
TESSERACT_TIMEOUT = 120.0
LANGUAGE = "vie"


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


def dpi_for(width_pt: float, height_pt: float) -> int:
    """200 dpi, lowered for pages so large that the bitmap would pass MAX_PIXELS_SIDE."""
    side = max(width_pt, height_pt, 1.0) / 72.0
    return max(1, min(DPI, int(MAX_PIXELS_SIDE / side)))


def ocr_pdf_page(
    pdf: Path, number: int, *, dpi: int = DPI, time_budget: float | None = None
) -> str:
    """Text Tesseract reads on page ``number`` (1-based) of ``pdf``.

    ``time_budget`` caps both tools together (the sandbox passes what is left of its own);
    running out raises ExtractionError("timeout").
    """
    pdftoppm, tesseract = tools()
    budget = [time_budget]
    with tempfile.TemporaryDirectory(prefix="docs-ocr-") as tmp:
        prefix = Path(tmp) / "page"
        n = str(number)
        _run(
            [pdftoppm, "-f", n, "-l", n, "-r", str(dpi), "-gray", "-png", "-singlefile"]
            + [str(pdf.resolve()), str(prefix)],
            RASTER_TIMEOUT,
            budget,
        )
        image = prefix.with_suffix(".png")
        if not image.is_file():
            raise OcrFailed(f"pdftoppm made no image for page {number}")
        out = _run([tesseract, str(image), "stdout", "-l", LANGUAGE, "--psm", "3"], None, budget)
    return out.decode("utf-8", errors="replace")


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
