"""Paragraph and heading rules of extracted text."""

from __future__ import annotations

import pytest

from docs_store.extract.layout import blocks_from_lines, heading_level, tidy


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
