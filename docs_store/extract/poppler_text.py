"""Text layers of PDF pages by poppler's pdftotext, some 20x faster than pypdf's parser.

pdftotext runs as a separate program (inside the sandbox it inherits its limits) on a range
of pages at a time, in its default reading-order mode: ``-layout`` would put the two columns
of an administrative header ("ĐẢNG BỘ XÃ ..." beside "ĐẢNG CỘNG SẢN VIỆT NAM") on one line,
and the paragraph rebuilding in ``layout`` expects one column at a time. Any failure returns
None and the caller reads those pages with pypdf instead.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from ..errors import ExtractionError

logger = logging.getLogger(__name__)

#: Seconds one pdftotext call may take before its pages are read by pypdf instead.
TEXT_TIMEOUT = 60.0


def page_texts(pdf: Path, first: int, last: int, *, time_budget: float | None) -> list[str] | None:
    """Texts of pages ``first``..``last`` (1-based, inclusive), or None when pdftotext is
    missing or fails on them.

    ``time_budget`` is what is left of the caller's deadline: running out of it raises
    ExtractionError("timeout"), as pypdf would have been stopped too.
    """
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    limit = TEXT_TIMEOUT
    if time_budget is not None:
        if time_budget <= 0:
            raise ExtractionError("timeout")
        limit = min(limit, time_budget)
    argv = [tool, "-enc", "UTF-8", "-f", str(first), "-l", str(last), str(pdf.resolve()), "-"]
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv of an absolute tool path, no shell
            argv, capture_output=True, timeout=limit, check=False
        )
    except subprocess.TimeoutExpired:
        if limit < TEXT_TIMEOUT:
            raise ExtractionError("timeout") from None
        logger.warning("pdftotext took over %.0f s on pages %s-%s of %s", limit, first, last, pdf)
        return None
    except OSError as e:
        logger.warning("pdftotext could not run: %s", e)
        return None
    if result.returncode != 0:
        err = result.stderr.decode("utf-8", "replace").strip()[-300:]
        logger.info("pdftotext exited %s on %s: %s", result.returncode, pdf, err)
        return None
    # Every page ends with a form feed; any other count means a form feed inside the text
    # (or a page poppler skipped), and the pages would no longer line up.
    pages = result.stdout.decode("utf-8", "replace").split("\f")
    if len(pages) != last - first + 2 or pages[-1].strip():
        logger.info(
            "pdftotext gave %s parts for %s pages of %s", len(pages) - 1, last - first + 1, pdf
        )
        return None
    return pages[:-1]
