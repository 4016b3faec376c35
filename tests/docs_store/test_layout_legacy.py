"""Paragraph and heading rules, and the legacy-encoding detector, on real files too."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs_store.extract import ExtractionError, extract
from docs_store.extract.layout import blocks_from_lines, heading_level, tidy
from docs_store.extract.legacy import analyse, detect

from . import makers
from .mojibake import tcvn3, vni

REAL = (
    "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc. Đảng viên có trách "
    "nhiệm học tập nghị quyết, nhiệt độ 25°C, ông Müller và café ở Hà Nội."
)
VIQR = "Co^.ng ho`a xa~ ho^.i chu? nghi~a Vie^.t Nam. DDa?ng vie^n ho.c ta^.p nghi. quye^'t."


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("NGHỊ QUYẾT", 1),
        ("I. MỤC TIÊU", 1),
        ("II. Nhiệm vụ và giải pháp", 1),
        ("Điều 1. Phạm vi điều chỉnh", 2),
        ("Chương II", 1),
        ("Mục 3 Tổ chức", 2),
        ("1. MỤC ĐÍCH, YÊU CẦU", 2),
        ("Chi bộ thống nhất đẩy mạnh chuyển đổi số.", None),
        ("1. Tổ chức quán triệt nghị quyết.", None),
        ("- HĐND, UBND xã;", None),
        ("UBND.", None),
        ("- 3 -", None),
        ("ĐẢNG BỘ XÃ TÂN TIẾN " * 6, None),
    ],
)
def test_heading_level(line: str, level: int | None) -> None:
    assert heading_level(line) == level


def test_tidy() -> None:
    assert tidy("  Nghi\u0323\u00a0\u00a0quyê\u0301t\u200b\t chi bộ ") == "Nghị quyết chi bộ"


def test_wrapped_lines_become_one_paragraph_and_lists_stay_apart() -> None:
    lines = [
        "Chi bộ thống nhất đẩy mạnh chuyển đổi số trong toàn bộ hoạt động của chi bộ,",
        "nâng cao chất lượng sinh hoạt, tăng cường sự lãnh đạo của Đảng đối với công",
        "tác xây dựng nông thôn mới.",
        "- Đảng viên học tập nghị quyết;",
        "- Chi bộ kiểm tra việc thực hiện.",
        "Đoạn mới bắt đầu sau một đoạn ngắn và kéo dài tới gần hết chiều rộng của dòng",
        "rồi kết thúc.",
    ]
    texts = [b.text for b in blocks_from_lines(lines)]
    assert texts == [
        " ".join(lines[:3]),
        lines[3],
        lines[4],
        " ".join(lines[5:]),
    ]


def test_detector_on_samples() -> None:
    assert detect(REAL) is None
    assert detect(tcvn3(REAL)) == "TCVN3"
    assert detect(vni(REAL)) == "VNI"
    assert detect(VIQR) == "VIQR"
    assert detect("Meeting notes in English, with a café and a naïve résumé.") is None
    verdict = analyse(tcvn3(REAL))
    assert verdict.vietnamese == 0 and verdict.suspicious >= 10


def _legacy(path: Path, kind: str) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract(path, kind)
    assert caught.value.code == "legacy_encoding"
    assert "Unicode" in caught.value.message and "Unikey" in caught.value.message
    return caught.value


def test_tcvn3_pdf(tmp_path: Path) -> None:
    lines = [tcvn3(makers.BODY[i : i + 80]) for i in range(0, len(makers.BODY), 80)]
    path = makers.text_only_pdf(tmp_path / "vntime.pdf", [tcvn3(makers.TITLE), *lines])
    assert "TCVN3" in _legacy(path, "pdf").message


def test_vni_docx(tmp_path: Path) -> None:
    path = makers.docx_with_text(tmp_path / "vni.docx", [vni(makers.BODY), vni(makers.SECOND)])
    assert "VNI" in _legacy(path, "docx").message


def test_tcvn3_pasted_into_utf8_txt(tmp_path: Path) -> None:
    path = tmp_path / "dan.txt"
    path.write_text(tcvn3(REAL), encoding="utf-8")
    _legacy(path, "txt")


def test_one_legacy_page_in_a_unicode_document(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    good = "\n".join([makers.BODY] * 3)
    path.write_text(f"{good}\f{tcvn3(makers.BODY)}\f{good}\f{good}", encoding="utf-8")
    _legacy(path, "txt")
