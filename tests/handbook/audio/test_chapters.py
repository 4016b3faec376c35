"""A track's chapters are the document's headings, so the player's bar and the lock screen's
"next chapter" follow the document's own sections, not its pages."""

from __future__ import annotations

from typing import Any

from handbook.audio.chapters import TITLE_CHARS, sections


def _block(n: int, text: str, level: int = 0) -> dict[str, Any]:
    kind = "heading" if level else "paragraph"
    return {"n": n, "kind": kind, "level": level, "text": text}


def test_chapters_start_at_the_top_two_heading_levels_whatever_the_pages() -> None:
    pages = [
        (
            1,
            [
                _block(1, "BÁO CÁO THÁNG 11", 1),
                _block(2, "Ngày 28 tháng 11."),
                _block(3, "1. Đảng", 2),
            ],
        ),
        (
            2,
            [
                _block(4, "Chi bộ họp định kỳ."),
                _block(5, "a) Kết nạp", 3),
                _block(6, "Một quần chúng."),
            ],
        ),
        (3, [_block(7, "2. Kinh tế", 2), _block(8, "Lúa vụ mùa 42,5 ha.")]),
    ]
    found = sections(pages, "Báo cáo")
    assert [s.title for s in found] == ["BÁO CÁO THÁNG 11", "1. Đảng", "2. Kinh tế"]
    # Every paragraph is read once, in order; a third-level heading stays inside its chapter.
    assert [n for s in found for n, _ in s.paragraphs] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert found[1].paragraphs[2] == (5, "a) Kết nạp")


def test_a_run_of_headings_is_one_chapter_and_text_before_them_is_named_by_the_title() -> None:
    pages = [
        (
            1,
            [
                _block(1, "Hà Giang, ngày 5 tháng 12"),
                _block(2, "ĐẢNG BỘ XÃ TÂN TIẾN", 1),
                _block(3, "CHI BỘ THÔN NÀ PHÌA:", 1),
                _block(4, "DỰ THẢO NGHỊ QUYẾT", 1),
                _block(5, "Về nhiệm vụ tháng 12."),
                _block(6, "I. ĐÁNH GIÁ", 1),
                _block(7, "Chi bộ có 27/31 đảng viên."),
            ],
        )
    ]
    found = sections(pages, "Dự thảo Nghị quyết tháng 12")
    assert [s.title for s in found] == [
        "Dự thảo Nghị quyết tháng 12",
        "ĐẢNG BỘ XÃ TÂN TIẾN. CHI BỘ THÔN NÀ PHÌA: DỰ THẢO NGHỊ QUYẾT",
        "I. ĐÁNH GIÁ",
    ]
    assert [n for n, _ in found[1].paragraphs] == [2, 3, 4, 5]


def test_without_headings_chapters_are_pages_or_the_whole_document() -> None:
    two = [(1, [_block(1, "Trang một.")]), (2, [_block(2, "Trang hai.")])]
    assert [s.title for s in sections(two, "Thông báo")] == ["Trang 1", "Trang 2"]
    one = sections([(1, [_block(1, "Một đoạn."), _block(2, "  ", 1)])], "Thông báo số 5")
    assert [(s.title, s.paragraphs) for s in one] == [
        ("Thông báo số 5", [(1, "Một đoạn."), (2, "  ")])
    ]


def test_a_long_heading_is_cut_for_the_player() -> None:
    long = "CHƯƠNG I " + "QUY ĐỊNH CHUNG " * 20
    [chapter] = sections([(1, [_block(1, long, 1), _block(2, "Điều 1.")])], "Điều lệ")
    assert len(chapter.title) == TITLE_CHARS and chapter.title.endswith("…")
