"""``python -m tts.speak``: a text file in, an MP3 out, one Vietnamese line on failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import responses

from tests.tts.helpers import GTTS_URL, batchexecute_body, pcm_of
from tts.speak import main, read_sections

ROOT = Path(__file__).resolve().parents[2]


def speak(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tts.speak", "--cache", str(tmp_path / "cache"), *args],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_text_file_to_mp3_with_timings(tmp_path: Path) -> None:
    source = tmp_path / "nghi-quyet.txt"
    source.write_text(
        "Chi bộ thôn Một họp ngày 29/3/2024.\n\nĐồng chí Bí thư chủ trì. Tỷ lệ đạt 92,71%.\n"
        "\fTrang hai: triển khai nhiệm vụ tháng tới.\n",
        encoding="utf-8",
    )
    out, timings = tmp_path / "out.mp3", tmp_path / "out.json"
    done = speak(tmp_path, "-i", str(source), "-o", str(out), "--engine", "espeak", "--speed",
                 "1.2", "--timings", str(timings))  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Đã ghi: {out}"
    assert lines[1].startswith("Thời lượng: ") and lines[1].endswith(" giây")
    assert lines[2].startswith("Kích thước: ") and " MB (" in lines[2]
    assert lines[3] == "Giọng đọc: giọng máy espeak-ng (ngoại tuyến), vi"
    assert done.stderr == ""
    assert pcm_of(out.read_bytes())[:2] == (1, 22050)
    data = json.loads(timings.read_text(encoding="utf-8"))
    assert [c["title"] for c in data["chapters"]] == ["Trang 1", "Trang 2"]
    assert list(data["paragraphs"]) == ["1", "2", "3"]


def test_errors_are_one_vietnamese_line(tmp_path: Path) -> None:
    symbols = tmp_path / "symbols.txt"
    symbols.write_text("*** 🎉 ---\n", encoding="utf-8")
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Chi bé th«n Mét tæ chøc sinh ho¹t th¸ng ba.".encode("cp1252", "replace"))
    cases = {
        str(tmp_path / "missing.txt"): "Lỗi: Không mở được tệp",
        str(symbols): "Lỗi: Văn bản không có chữ nào đọc được",
        str(legacy): "Lỗi: Văn bản dùng bảng mã cũ (TCVN3/VNI)",
    }
    for source, expected in cases.items():
        done = speak(tmp_path, "-i", source, "-o", str(tmp_path / "x.mp3"), "--engine", "espeak")
        assert done.returncode == 1
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(expected)
    assert not (tmp_path / "x.mp3").exists()


def test_bad_speed_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Xin chào.", encoding="utf-8")
    done = speak(tmp_path, "-i", str(source), "-o", str(tmp_path / "a.mp3"), "--speed", "5",
                 "--engine", "espeak")  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == "Lỗi: Tốc độ đọc phải từ 0,5 đến 2."


def test_read_sections_splits_pages_and_paragraphs() -> None:
    sections = read_sections("Một.\r\n\r\nHai.\n  \nBa.\fBốn.\f\f", "tên")
    assert [(s.title, s.paragraphs) for s in sections] == [
        ("Trang 1", [(1, "Một."), (2, "Hai."), (3, "Ba.")]),
        ("Trang 2", [(4, "Bốn.")]),
    ]
    assert read_sections("Một.\nvẫn đoạn một.", "tên")[0].title == "tên"


def test_speech_modules_do_not_import_flask() -> None:
    code = "import sys, tts.pipeline, tts.speak, tts.engines; print('flask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == b"False"


def test_the_google_voice_through_gtts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], google_mp3: bytes
) -> None:
    """``--engine gtts`` in process, its HTTP answered with a real MP3: no fallback."""
    source = tmp_path / "a.txt"
    source.write_text("Chi bộ họp thường kỳ.\n\nĐồng chí Bí thư chủ trì.", encoding="utf-8")
    out = tmp_path / "a.mp3"
    argv = ["-i", str(source), "-o", str(out), "--engine", "gtts", "--cache", str(tmp_path / "c")]
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        assert main(argv) == 0
        assert len(mock.calls) == 2  # one request a sentence
    lines = capsys.readouterr().out.splitlines()
    assert "Giọng đọc: giọng Google (gTTS), vi" in lines
    assert not [line for line in lines if line.startswith("Lưu ý")]
    assert pcm_of(out.read_bytes())[:2] == (1, 22050)
