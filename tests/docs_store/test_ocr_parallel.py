"""Scanned pages read in parallel (one Tesseract per core) give exactly what reading them one at
a time gives, page by page and in order, in process and in the sandbox (issue #14 item 2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docs_store.extract import extract, extract_sandboxed, ocr

from . import makers

#: One heading per scanned page, each found on its own page only: the pages' order shows.
#: (Not "CHỈ THỊ": alone on its line it is read "CHÍ THỊ" at 300 dpi, the one word the
#: rendering reads worse than these scans' own pixels did; ``bench/ocr_quality.py`` counts it.)
HEADINGS = ["NGHỊ QUYẾT", "BIÊN BẢN", "KẾ HOẠCH", "BÁO CÁO", "TỜ TRÌNH", "HƯỚNG DẪN"]


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six scanned pages, each with its own heading, and a typed page between them."""
    folder = tmp_path_factory.mktemp("ocr-parallel")
    pages = [
        makers.scanned_pdf(folder / f"{n}.pdf", [heading, "Chi bộ thống nhất đẩy mạnh"])
        for n, heading in enumerate(HEADINGS)
    ]
    typed = makers.text_pdf(folder / "typed.pdf", pages=1)
    return makers.joined_pdf(folder / "scans.pdf", *pages[:3], typed, *pages[3:])


def _read(path: Path) -> tuple[object, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    document = extract(path, "pdf", progress=lambda done, total: calls.append((done, total)))
    return document, calls


def test_parallel_pages_match_the_serial_read_in_order(
    scans: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        pytest.skip("one core: pages are read one at a time anyway")
    assert ocr.workers() == min(cores, ocr.MAX_WORKERS)  # as many at once as cores
    parallel, parallel_progress = _read(scans)

    monkeypatch.setattr(ocr, "MAX_WORKERS", 1)
    assert ocr.workers() == 1
    serial, serial_progress = _read(scans)

    assert parallel == serial  # the same text, blocks and flags, page by page
    assert parallel_progress == serial_progress == [(n, 7) for n in range(1, 8)]
    pages = serial.pages  # type: ignore[attr-defined]
    assert [page.number for page in pages] == list(range(1, 8))
    assert [page.ocr for page in pages] == [True, True, True, False, True, True, True]
    scanned = [page.text.lower() for page in pages if page.ocr]
    for index, heading in enumerate(HEADINGS):  # each page's own heading, and no other
        found = [h for h in HEADINGS if h.lower() in scanned[index]]
        assert found == [heading], (index, scanned[index])
    assert makers.BODY in pages[3].text


def test_the_sandbox_reads_pages_in_parallel_under_its_limits_to_the_same_text(
    scans: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child and each of its tools have the sandbox's memory and CPU limits.
    sandboxed = extract_sandboxed(scans, "pdf", timeout=60.0, memory_mb=512)
    monkeypatch.setattr(ocr, "MAX_WORKERS", 1)
    assert sandboxed == extract(scans, "pdf")
