"""``python -m docs_store.extract`` as a secretary's helper or an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docs_store.extract import extract

from . import makers

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "docs_store.extract", *map(str, args)],
        capture_output=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_prints_pages_separated_by_form_feeds(text_pdf: Path) -> None:
    result = run(text_pdf)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert text.rstrip("\n") == extract(text_pdf, "pdf").text
    assert text.count("\f") == 2
    assert makers.BODY in text


def test_docx(docx_path: Path) -> None:
    result = run(docx_path)
    assert result.returncode == 0
    assert "Nghị quyết chi bộ tháng 5" in result.stdout.decode()


def _one_error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("lỗi: ")
    return lines[0]


def test_mismatched_file(tmp_path: Path) -> None:
    fake = tmp_path / "anh.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert "ảnh PNG" in _one_error_line(run(fake))


def test_encrypted(encrypted_pdf: Path) -> None:
    assert "mật khẩu" in _one_error_line(run(encrypted_pdf))


def test_missing_file(tmp_path: Path) -> None:
    assert "không mở được tệp" in _one_error_line(run(tmp_path / "khong-co.pdf"))


def test_scan_without_ocr(scanned_pdf: Path) -> None:
    assert "OCR" in _one_error_line(run(scanned_pdf, "--no-ocr"))
