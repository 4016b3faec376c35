"""A document's kind, from its title or the opening of its text: a table."""

from __future__ import annotations

import pytest

from handbook.library.kinds import Kind, kind_of

CASES = [
    ("Nghị quyết về chuyển đổi số trong sinh hoạt chi bộ", "", Kind.NGHI_QUYET),
    ("NGHỊ QUYẾT về công tác phát triển đảng viên", "", Kind.NGHI_QUYET),
    ("Dự thảo nghị quyết Đại hội chi bộ", "", Kind.NGHI_QUYET),
    ("Chỉ thị số 35-CT/TW về đại hội đảng bộ các cấp", "", Kind.CHI_THI),
    ("Kế hoạch học tập chuyên đề năm 2026", "", Kind.KE_HOACH),
    ("Báo cáo kết quả lãnh đạo quý III", "", Kind.BAO_CAO),
    ("Hướng dẫn 36-HD/VPTW về thể thức văn bản", "", Kind.HUONG_DAN),
    # A title made from the file name, before the text is read.
    ("nghi-quyet-chi-bo-thang-12", "", Kind.NGHI_QUYET),
    ("ke_hoach_2026", "", Kind.KE_HOACH),
    # The title names no kind: the opening's heading does, after the header.
    (
        "Tài liệu sinh hoạt tháng 12",
        "ĐẢNG BỘ XÃ TÂN TIẾN\nĐẢNG CỘNG SẢN VIỆT NAM\nKẾ HOẠCH\nVề tổ chức học tập",
        Kind.KE_HOACH,
    ),
    # No heading either: the number's code.
    (
        "Văn bản số 12",
        "ĐẢNG BỘ XÃ TÂN TIẾN\nSố 12-NQ/ĐU\nTân Tiến, ngày 1 tháng 12 năm 2026",
        Kind.NGHI_QUYET,
    ),
    ("Văn bản số 7", "Số 07 - BC/CB", Kind.BAO_CAO),
    # A kind the library does not file, or none at all.
    ("Thông báo lịch sinh hoạt tháng 12", "", None),
    ("Quyết định kết nạp đảng viên", "", None),
    ("Tờ trình về việc kết nạp", "THÔNG BÁO\nVề lịch họp", None),
    ("", "", None),
    # The kind's words inside the title, not at its start, do not make it that kind.
    ("Triển khai nghị quyết của Đảng ủy", "", None),
    ("Phổ biến kế hoạch năm", "", None),
    # The kind's words must be whole words.
    ("Báo cáo", "", Kind.BAO_CAO),
    ("Chỉ thịnh hành", "", None),
]


@pytest.mark.parametrize(("title", "opening", "expected"), CASES)
def test_kind_of(title: str, opening: str, expected: Kind | None) -> None:
    assert kind_of(title, opening) is expected


def test_every_kind_has_its_label() -> None:
    assert [k.label for k in Kind] == ["Nghị quyết", "Chỉ thị", "Kế hoạch", "Báo cáo", "Hướng dẫn"]
