"""Text extraction speed, the product beside its references in the same run.

Text PDFs: a 100-page Vietnamese PDF printed by Debian's headless Chromium (and the same
pages made by reportlab), read by ``extract`` in process and by ``extract_sandboxed`` (child
process with limits), beside poppler's ``pdftotext`` on the same file. Scans: OCR seconds per
page of the repo's real scan (``handbook/demo``) and of generated A4 scans, read one page at
a time (``MAX_WORKERS`` 1) and several at once (one per core, as the product runs), beside
bare ``tesseract -l vie`` on the embedded images at their own resolution: as installed
(OpenMP threads on every core), with one thread one image at a time (the reference for the
serial read), and one single-threaded process per core at once (for the parallel read); and
the product under the rule before issue #14 item 3 (a scan of 150-300 dpi read from its own
pixels, other pages rendered at 200 dpi; now every scan below 300 dpi is rendered at 300).
Min and median of ``--repeat`` rounds. Ratios are product / reference, of pages/s for text
(higher is better) and of seconds per page for OCR (lower is better).

Run: .venv/bin/python bench/extraction.py [--pages 100] [--scans 4] [--repeat 3] [--ocr-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs_store.extract import extract, extract_sandboxed, ocr  # noqa: E402
from tests.docs_store import makers  # noqa: E402  (the test suite's sample documents)

DEMO_SCAN = ROOT / "handbook" / "demo" / "documents" / "thong-bao-hoc-tap-nghi-quyet.pdf"
SANDBOX = {"timeout": 600.0, "ocr_page_timeout": 60.0}


def _rounds(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Min and median wall-clock seconds of ``fn`` over ``repeat`` rounds."""
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
    return min(walls), statistics.median(walls)


def _text_case(label: str, pdf: Path, repeat: int) -> None:
    document = extract(pdf, "pdf", ocr=False)
    pages, words = len(document.pages), len(document.text.split())
    print(f"{label}: {pages} pages, {pdf.stat().st_size // 1024} KiB, {words} words")
    rows = [
        ("extract (in process)", lambda: extract(pdf, "pdf")),
        ("extract_sandboxed (child process)", lambda: extract_sandboxed(pdf, "pdf", **SANDBOX)),
        ("pdftotext (poppler, reference)", lambda: _tool(["pdftotext", str(pdf), "-"])),
    ]
    rates = {}
    for name, fn in rows:
        best, median = _rounds(fn, repeat)
        rates[name] = (pages / best, pages / median)
        print(f"  {name:36s} {pages / median:7.1f} pages/s median, {pages / best:7.1f} best")
    reference = rates["pdftotext (poppler, reference)"][1]
    for name in list(rates)[:2]:
        print(f"  ratio {name.split()[0]} / pdftotext (median): {rates[name][1] / reference:.2f}")


def _ocr_case(label: str, pdf: Path, pages: int, repeat: int, tmp: Path) -> None:
    images = tmp / f"{pdf.stem}-img"
    images.mkdir()
    _tool(["pdfimages", "-j", str(pdf), str(images / "p")])
    embedded = sorted(images.iterdir())
    listing = _tool(["pdfimages", "-list", str(pdf)]).decode().splitlines()[2:]
    dpi = listing[0].split()[12]
    print(f"{label}: {pages} page(s), embedded images at {dpi} dpi")

    def bare(threads: str | None = None) -> None:
        env = {**os.environ, "OMP_THREAD_LIMIT": threads} if threads else None
        for image in embedded:
            _tool(["tesseract", str(image), "stdout", "-l", "vie", "--dpi", dpi], env)

    def bare_per_core() -> None:
        """One single-threaded tesseract per core at once, each taking the next image."""
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

        def one(image: Path) -> bytes:
            return _tool(["tesseract", str(image), "stdout", "-l", "vie", "--dpi", dpi], env)

        with ThreadPoolExecutor(ocr.workers()) as pool:
            list(pool.map(one, embedded))

    def serial() -> None:
        parallel, ocr.MAX_WORKERS = ocr.MAX_WORKERS, 1
        try:
            extract(pdf, "pdf")
        finally:
            ocr.MAX_WORKERS = parallel

    def own_pixels() -> None:
        """The rule before issue #14 item 3, several pages at once as the product reads."""
        saved = ocr.MIN_SCAN_DPI, ocr.DPI
        ocr.MIN_SCAN_DPI, ocr.DPI = 150, 200
        try:
            extract(pdf, "pdf")
        finally:
            ocr.MIN_SCAN_DPI, ocr.DPI = saved

    cores = ocr.workers()
    rows = [
        ("extract, one page at a time", serial),
        (f"extract, {cores} pages at once (in process)", lambda: extract(pdf, "pdf")),
        ("extract_sandboxed (child process)", lambda: extract_sandboxed(pdf, "pdf", **SANDBOX)),
        ("tesseract -l vie on the image (reference)", bare),
        ("  one OpenMP thread, one image at a time", lambda: bare("1")),
        (f"  one thread, {cores} images at once", bare_per_core),
        (f"extract, {cores} at once, the rule before #14", own_pixels),
    ]
    # Round by round, every row once: on a shared machine the load drifts, and serial and
    # parallel must meet the same one.
    walls: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _ in range(repeat):
        for name, fn in rows:
            start = time.perf_counter()
            fn()
            walls[name].append(time.perf_counter() - start)
    per_page = {}
    for name, times in walls.items():
        median, best = statistics.median(times), min(times)
        per_page[name] = median / pages
        print(f"  {name:42s} {median / pages:6.2f} s/page median, {best / pages:6.2f} best")
    names = list(per_page)
    print(f"  parallel / serial (median): {per_page[names[1]] / per_page[names[0]]:.2f}")
    for name, reference in ((names[0], names[4]), (names[1], names[5]), (names[2], names[5])):
        ratio = per_page[name] / per_page[reference]
        print(f"  ratio {name.strip()} / {reference.strip()}: {ratio:.2f}")
    ratio = per_page[names[1]] / per_page[names[6]]
    print(f"  ratio {names[1]} / the rule before #14 (median): {ratio:.2f}")


def _tool(argv: list[str], env: dict[str, str] | None = None) -> bytes:
    return subprocess.run(argv, capture_output=True, check=True, env=env).stdout  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--scans", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ocr-only", action="store_true", help="the scans only")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"min/median of {args.repeat} rounds")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if not args.ocr_only:
            chromium = makers.chromium_pdf(tmp / "chromium.pdf", pages=args.pages, fill=2)
            _text_case("Chromium PDF (Skia)", chromium, args.repeat)
            reportlab = makers.text_pdf(tmp / "reportlab.pdf", pages=args.pages, fill=2)
            _text_case("reportlab PDF", reportlab, args.repeat)
        _ocr_case("Real scan (handbook/demo, JPEG)", DEMO_SCAN, 1, args.repeat, tmp)
        a4 = makers.scanned_a4_pdf(tmp / "a4.pdf", pages=args.scans)
        _ocr_case("Generated A4 scans (12 pt text)", a4, args.scans, args.repeat, tmp)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
