"""Run ``extract`` in a short-lived child process with memory, CPU and wall-clock limits.

A crafted PDF or DOCX can make a parser loop, recurse or allocate without end; in a child it
can only kill itself. The child is a fresh interpreter (``python -m
docs_store.extract._child``), never a fork: the parent may be a gevent-patched server whose
forked copy would inherit its hub and sockets. The child reports progress and then its result
as JSON lines on its stdout; the parent waits on that pipe with ``select`` (cooperative under
gevent) and kills the child's whole process group (its poppler tools and tesseract too) when the
time is up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ExtractionError
from .core import DEFAULT_MAX_PAGES, KINDS
from .model import ExtractedDocument

logger = logging.getLogger(__name__)

#: Exit status of a child that ran out of memory before it could report it.
MEMORY_EXIT = 3
#: Where the ``docs_store`` package lives, so the child imports the same code.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TESSDATA_PREFIX", "PYTHONPATH")


def extract_sandboxed(
    path: Path,
    kind: str,
    *,
    timeout: float = 120,
    ocr_page_timeout: float = 0.0,
    memory_mb: int = 1024,
    progress: Callable[[int, int], None] | None = None,
    ocr: bool = True,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> ExtractedDocument:
    """``extract`` in a child limited to ``memory_mb`` of address space and ``timeout`` s,
    plus ``ocr_page_timeout`` s for each scanned page it reads by OCR (seconds a page).

    Raises ExtractionError like ``extract``, plus ``timeout`` when the wall clock runs out
    and ``memory`` when the child runs out of memory or dies by a signal.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    source = Path(path).resolve()
    if not source.is_file():
        raise FileNotFoundError(source)
    request = {
        "path": str(source),
        "kind": kind,
        "ocr": ocr,
        "max_pages": max_pages,
        "timeout": timeout,
        "ocr_page_timeout": ocr_page_timeout,
        "memory_mb": memory_mb,
    }
    final = _sandboxed(request, timeout, progress, path, ocr_page_timeout)
    if final.get("type") == "error":
        raise ExtractionError(str(final["code"]), str(final["message"]))
    return ExtractedDocument.from_dict(final["document"])


def photos_to_pdf_sandboxed(
    photos: list[Path],
    out: Path,
    *,
    names: list[str] | None = None,
    timeout: float = 120,
    memory_mb: int = 1024,
) -> int:
    """``photos.photos_to_pdf`` in a limited child: decoding a photo is parsing untrusted
    input (libjpeg, libpng, libheif) and a crafted one must only kill the child. Returns the
    page count; raises ExtractionError like it, plus ``timeout`` and ``memory``."""
    sources = [Path(p).resolve() for p in photos]
    for source in sources:
        if not source.is_file():
            raise FileNotFoundError(source)
    request = {
        "task": "photos",
        "photos": [str(s) for s in sources],
        "names": list(names) if names is not None else [p.name for p in sources],
        "out": str(Path(out).resolve()),
        "timeout": timeout,
        "memory_mb": memory_mb,
    }
    final = _sandboxed(request, timeout, None, out)
    if final.get("type") == "error":
        raise ExtractionError(str(final["code"]), str(final["message"]))
    return int(final["pages"])


def _sandboxed(
    request: dict[str, Any],
    timeout: float,
    progress: Callable[[int, int], None] | None,
    path: Path,
    ocr_page_timeout: float = 0.0,
) -> dict[str, Any]:
    """Run the child on ``request`` in a private temporary folder; its final message."""
    argv = [sys.executable, "-m", "docs_store.extract._child", json.dumps(request)]
    deadline = _Deadline(time.monotonic() + timeout, ocr_page_timeout)
    # A private temp dir for the child and its tools: a killed child cannot clean up after
    # itself, so the parent removes whatever it left.
    # Cleanup errors must not hide the result (a killed tool may still be on its way out).
    with tempfile.TemporaryDirectory(prefix="docs-extract-", ignore_cleanup_errors=True) as workdir:
        # Only what the child and its tools need: the server's secrets (SECRET_KEY,
        # DATABASE_URL ...) stay out of reach of a parser exploit.
        env = {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}
        env["TMPDIR"] = workdir
        # Each OCR thread would otherwise reserve a 64 MB malloc arena of address space, and
        # the child's limit is on address space: 16 threads broke a 512 MB child.
        env["MALLOC_ARENA_MAX"] = "2"
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [_PACKAGE_PARENT, os.environ.get("PYTHONPATH")])
        )
        return _run_child(argv, env, workdir, deadline, progress, path, timeout)


class _Timeout(Exception):
    pass


class _Deadline:
    """When the child is killed: the base time, pushed back by ``per_page`` seconds each time
    the child starts the OCR of a scanned page."""

    def __init__(self, at: float, per_page: float) -> None:
        self.at, self.per_page, self.base = at, per_page, at

    def ocr_page(self) -> None:
        self.at += self.per_page

    def left(self) -> float:
        return self.at - time.monotonic()


def _run_child(
    argv: list[str],
    env: dict[str, str],
    workdir: str,
    deadline: _Deadline,
    progress: Callable[[int, int], None] | None,
    path: Path,
    timeout: float,
) -> dict[str, Any]:
    """Start the child, relay its progress, and return its final message or raise."""
    with open(os.path.join(workdir, "stderr"), "w+b") as errlog:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errlog,
            cwd=workdir,
            env=env,
            start_new_session=True,  # its own process group, so a kill reaches its tools
        )
        killed = False
        try:
            final = _pump(proc, deadline, progress)
        except _Timeout:
            killed = True
            final = None
        finally:
            _kill_group(proc)  # also when the child died first: its tools may still run
            assert proc.stdout is not None
            proc.stdout.close()
            proc.wait()
        if final is None:
            if killed:
                logger.warning(
                    "extraction of %s stopped after %.0f s",
                    path,
                    deadline.at - deadline.base + timeout,
                )
            else:
                _log_failure(proc.returncode, errlog)
            raise _failure(proc.returncode, timed_out=killed)
    return final


def _pump(
    proc: subprocess.Popen[bytes],
    deadline: _Deadline,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any] | None:
    """Read JSON lines until EOF or the deadline; return the final message, if any."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buffer = bytearray()
    final: dict[str, Any] | None = None
    while True:
        left = deadline.left()
        if left <= 0:
            raise _Timeout
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            continue
        if not chunk:
            break
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            try:
                message = json.loads(line)
            except ValueError:
                logger.warning("extraction child wrote a bad line: %r", line[:200])
                continue
            if message.get("type") == "progress":
                if progress is not None:
                    progress(int(message["done"]), int(message["total"]))
            elif message.get("type") == "ocr_page":
                deadline.ocr_page()
            else:
                final = message
    # The child closed its stdout; give it what is left of the time to exit.
    try:
        proc.wait(timeout=max(deadline.left(), 0.1))
    except subprocess.TimeoutExpired:
        raise _Timeout from None
    return final


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's process group, then give the kernel a moment to end them all."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
    for _ in range(50):  # orphaned tools are reaped by init; usually at once
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.02)


def _failure(returncode: int | None, *, timed_out: bool) -> ExtractionError:
    """Map how a child ended without a report to an error code."""
    if timed_out or returncode == -signal.SIGXCPU:
        return ExtractionError("timeout")
    if returncode == MEMORY_EXIT or (returncode is not None and returncode < 0):
        return ExtractionError("memory")
    return ExtractionError("corrupt")


def _log_failure(returncode: int | None, errlog: Any) -> None:
    errlog.seek(0, os.SEEK_END)
    errlog.seek(max(0, errlog.tell() - 2000))
    tail = errlog.read().decode("utf-8", "replace").strip()
    logger.warning("extraction child ended with %s: %s", returncode, tail or "(no output)")
