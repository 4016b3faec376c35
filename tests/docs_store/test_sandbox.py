"""extract_sandboxed: limits hold against hostile files, results and progress cross over."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import pytest

from docs_store.extract import ExtractionError, extract, extract_sandboxed
from docs_store.extract.ocr import MAX_WORKERS

from . import hostile, makers

ROOT = Path(__file__).resolve().parents[2]
#: Small limits keep hostile inputs cheap; every test must end well within its timeout.
LIMITS = {"timeout": 20.0, "memory_mb": 256}
#: Enough small scans (~0.1 s of OCR each) for seconds of OCR with every core reading.
SCAN_PAGES = 40 * max(2, min(len(os.sched_getaffinity(0)), MAX_WORKERS))
BOMB_CODES = {"too_complex", "memory", "timeout", "corrupt"}


def sandboxed_error(path: Path, kind: str = "pdf", **kwargs: object) -> ExtractionError:
    options = {**LIMITS, **kwargs}
    with pytest.raises(ExtractionError) as caught:
        extract_sandboxed(path, kind, **options)  # type: ignore[arg-type]
    return caught.value


def test_same_result_as_in_process(text_pdf: Path) -> None:
    calls: list[tuple[int, int]] = []
    document = extract_sandboxed(text_pdf, "pdf", progress=lambda d, t: calls.append((d, t)))
    assert document == extract(text_pdf, "pdf")
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_docx_in_the_sandbox(docx_path: Path) -> None:
    assert extract_sandboxed(docx_path, "docx", **LIMITS) == extract(docx_path, "docx")  # type: ignore[arg-type]


def test_errors_cross_the_boundary(encrypted_pdf: Path) -> None:
    error = sandboxed_error(encrypted_pdf)
    assert error.code == "encrypted"
    assert "mật khẩu" in str(error)


def test_too_many_pages(many_pages_pdf: Path) -> None:
    assert sandboxed_error(many_pages_pdf).code == "too_many_pages"


def test_flate_bomb(flate_bomb: Path) -> None:
    assert flate_bomb.stat().st_size < 3 * 1024 * 1024  # inflates to 2 GiB
    assert sandboxed_error(flate_bomb).code in BOMB_CODES


def test_a_flate_bomb_never_reaches_pdftotext(
    flate_bomb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pypdf's limit on inflated size is met before pdftotext, which has none, is started."""
    tools = tmp_path / "bin"
    tools.mkdir()
    marker = tmp_path / "pdftotext-ran"
    real = shutil.which("pdftotext")
    assert real is not None
    spy = tools / "pdftotext"
    spy.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{real}" "$@"\n')
    spy.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    assert sandboxed_error(flate_bomb).code == "too_complex"
    assert not marker.exists()
    text = tmp_path / "text.pdf"
    makers.text_pdf(text)  # the spy itself works: an ordinary PDF goes through it
    extract_sandboxed(text, "pdf", **LIMITS)  # type: ignore[arg-type]
    assert marker.exists()


def test_nested_arrays(nested_pdf: Path) -> None:
    assert sandboxed_error(nested_pdf).code in BOMB_CODES


def test_nested_dictionaries(tmp_path: Path) -> None:
    """pypdf drops the too-deep entry and reads on: the page's real text survives (or the
    sandbox stops it as a bomb; never a crash, never a hang past its limits)."""
    path = hostile.nested_dicts_pdf(tmp_path / "dicts.pdf")
    try:
        document = extract_sandboxed(path, "pdf", **LIMITS)  # type: ignore[arg-type]
    except ExtractionError as e:
        assert e.code in BOMB_CODES
    else:
        assert document.text == "Nghi quyet chi bo"


def test_nested_arrays_in_the_content_stream_only(tmp_path: Path) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    path = hostile.raw_pdf(tmp_path / "content.pdf", b"BT 50 700 Td " + nested + b" TJ ET")
    assert sandboxed_error(path).code in BOMB_CODES


def test_zip_bomb(zip_bomb: Path) -> None:
    assert sandboxed_error(zip_bomb, "docx").code == "too_complex"


def test_memory_limit(tmp_path: Path) -> None:
    """A 30 MB content stream is within pypdf's own limits but not within 96 MB of memory
    (with time enough that, on a loaded machine too, memory is what stops it). 96 MB reads a
    1 MB stream of the same text; the lower the limit, the sooner the parser meets it."""
    body = b"BT /F1 12 Tf 50 700 Td (Nghi quyet chi bo) Tj ET\n" * (30 * 1024 * 1024 // 50)
    path = hostile.raw_pdf(
        tmp_path / "big.pdf", zlib.compress(body, 1), filters="/Filter /FlateDecode "
    )
    assert sandboxed_error(path, memory_mb=96, timeout=600).code == "memory"


def test_wall_clock_timeout(text_pdf: Path) -> None:
    error = sandboxed_error(text_pdf, timeout=0.05)
    assert error.code == "timeout"
    assert "quá lâu" in error.message


def _ocr_processes(marker: str) -> list[str]:
    """Command lines of running processes that mention ``marker`` (our private temp dir)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "docs-ocr-" in cmdline and marker in cmdline:
            found.append(cmdline)
    return found


def test_timeout_kills_the_tools_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped in the middle of OCR: no pdftoppm or tesseract left running, no temp files."""
    scans = makers.scanned_pdf(tmp_path / "scans.pdf", pages=SCAN_PAGES)
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert sandboxed_error(scans, timeout=1.5).code == "timeout"
    for _ in range(20):
        if not _ocr_processes(str(private)):
            break
        time.sleep(0.1)
    assert _ocr_processes(str(private)) == []
    assert list(private.iterdir()) == []


def test_each_scanned_page_adds_its_allowance_to_the_time(tmp_path: Path) -> None:
    """The scan that times out above is read whole once each scanned page brings time of its
    own: a long scanned document is not refused for being long."""
    scans = makers.scanned_pdf(tmp_path / "scans.pdf", pages=SCAN_PAGES)
    assert sandboxed_error(scans, timeout=2).code == "timeout"  # without it, too long
    document = extract_sandboxed(scans, "pdf", timeout=2, ocr_page_timeout=30)
    assert len(document.pages) == SCAN_PAGES
    assert all(page.ocr and page.blocks for page in document.pages)


def test_progress_callback_errors_propagate_and_stop_the_child(text_pdf: Path) -> None:
    def boom(done: int, total: int) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        extract_sandboxed(text_pdf, "pdf", progress=boom)


GEVENT_SCRIPT = """
from gevent import monkey
monkey.patch_all()
import json, sys, time
from pathlib import Path
import gevent
from docs_store.extract import ExtractionError, extract_sandboxed

ticks = 0
def ticker():
    global ticks
    while True:
        ticks += 1
        gevent.sleep(0.01)

greenlet = gevent.spawn(ticker)
calls = []
document = extract_sandboxed(
    Path(sys.argv[1]), "pdf", progress=lambda d, t: calls.append([d, t]), timeout=30
)
try:
    extract_sandboxed(Path(sys.argv[1]), "pdf", timeout=0.05)
    code = None
except ExtractionError as e:
    code = e.code
greenlet.kill()
print(json.dumps({"text": document.text, "calls": calls, "timeout": code, "ticks": ticks}))
"""


def test_works_in_a_gevent_patched_process(text_pdf: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_SCRIPT, str(text_pdf)],
        capture_output=True,
        timeout=60,
        env=env,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["text"] == extract(text_pdf, "pdf").text
    assert report["calls"] == [[1, 3], [2, 3], [3, 3]]
    assert report["timeout"] == "timeout"
    assert report["ticks"] >= 5  # the event loop kept running while we waited


def test_caller_mistakes_are_not_extraction_errors(text_pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        extract_sandboxed(text_pdf, "doc")
    with pytest.raises(FileNotFoundError):
        extract_sandboxed(tmp_path / "missing.pdf", "pdf")


def test_child_does_not_see_server_secrets(text_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox passes a minimal environment: check what a child actually receives."""
    from docs_store.extract import sandbox

    seen: dict[str, str] = {}
    real_popen = subprocess.Popen

    def spy(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        seen.update(kwargs["env"])  # type: ignore[arg-type]
        return real_popen(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setenv("SECRET_KEY", "khong-duoc-lo")
    monkeypatch.setattr(sandbox.subprocess, "Popen", spy)
    assert extract_sandboxed(text_pdf, "pdf").pages
    assert "SECRET_KEY" not in seen
    assert seen["TMPDIR"] and "PATH" in seen


@pytest.mark.parametrize("depth", [20_000, 100_000])  # caught by the XML parser / by the zip ratio
def test_deeply_nested_docx_xml(docx_path: Path, tmp_path: Path, depth: int) -> None:
    path = hostile.deep_xml_docx(docx_path, tmp_path / "deep.docx", depth=depth)
    assert sandboxed_error(path, "docx").code == "too_complex"
