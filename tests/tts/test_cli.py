"""``python -m tts.normalize``: UTF-8 lines in, one normalised line out per line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, cwd=ROOT, timeout=60, check=True
    )


def test_one_line_out_per_line_in() -> None:
    text = (
        "Xác định chuyển đổi số (CĐS) là nhiệm vụ trọng tâm.\r\n"
        "\n"
        "Năm 2023 có 636/686 hồ sơ, đạt 92,71%; mô hình CĐS.\n"
        "   \n"
        "Đề án 06"  # no final newline
    )
    out = run(text.encode(), "-m", "tts.normalize").stdout.decode("utf-8")
    assert out.split("\n") == [
        "Xác định chuyển đổi số là nhiệm vụ trọng tâm.",
        "",
        "Năm hai nghìn không trăm hai mươi ba có sáu trăm ba mươi sáu trên sáu trăm tám mươi sáu"
        " hồ sơ, đạt chín mươi hai phẩy bảy mươi mốt phần trăm; mô hình chuyển đổi số.",
        "",
        "Đề án không sáu",
        "",
    ]


def test_bad_bytes_do_not_stop_the_stream() -> None:
    out = run(b"Chi b\xff\xfe 5\nUBND\n", "-m", "tts.normalize").stdout.decode("utf-8")
    assert out.splitlines() == ["Chi b\ufffd\ufffd năm", "ủy ban nhân dân"]


def test_package_does_not_import_flask() -> None:
    code = "import sys, tts.normalize; print('flask' in sys.modules)"
    assert run(b"", "-c", code).stdout.strip() == b"False"
