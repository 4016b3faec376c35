"""Text extraction speed: our extract (in process and sandboxed) beside poppler's pdftotext,
and OCR seconds per scanned A4 page.

Run: .venv/bin/python bench/extraction.py [--pages 100] [--scans 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docs_store.extract import extract, extract_sandboxed  # noqa: E402
from tests.docs_store import makers  # noqa: E402  (the test suite's sample documents)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (steadier than the wall clock
    on a shared machine)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _seconds(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), _cpu()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--scans", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pdf = makers.text_pdf(Path(tmp) / "text.pdf", pages=args.pages, fill=2)
        document = extract(pdf, "pdf", ocr=False)
        words = len(document.text.split())
        assert len(document.pages) == args.pages
        print(
            f"{args.pages}-page Vietnamese text PDF, {pdf.stat().st_size // 1024} KiB, "
            f"{words} words (median of {args.repeat} runs)"
        )
        rows = [
            ("extract (pypdf, in process, no OCR)", lambda: extract(pdf, "pdf", ocr=False)),
            (
                "extract_sandboxed (child process, no OCR)",
                lambda: extract_sandboxed(pdf, "pdf", ocr=False),
            ),
            (
                "pdftotext (poppler, for comparison)",
                lambda: subprocess.run(
                    ["pdftotext", str(pdf), "-"], capture_output=True, check=True
                ),
            ),
        ]
        for label, fn in rows:
            wall, cpu = _seconds(fn, args.repeat)
            print(
                f"  {label:42s} {wall:5.2f} s {args.pages / wall:7.1f} pages/s"
                f"   (CPU {cpu:5.2f} s, {args.pages / cpu:7.1f} pages/CPU-s)"
            )

        scans = makers.scanned_a4_pdf(Path(tmp) / "scans.pdf", pages=args.scans)
        for label, run in [
            ("extract", lambda: extract(scans, "pdf")),
            ("extract_sandboxed", lambda: extract_sandboxed(scans, "pdf")),
        ]:
            wall, cpu = _seconds(run, 1)
            print(
                f"OCR, {args.scans} scanned A4 pages at 200 dpi ({label}): "
                f"{wall / args.scans:.2f} s/page (CPU {cpu / args.scans:.2f} s/page)"
            )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
