"""The normaliser on sentences of the kind found in Party documents, reports and resolutions."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from tts.normalize import normalize, normalize_line

CASES = Path(__file__).with_name("cases.txt")


def load_cases(path: Path) -> list[object]:
    """Read ``cases.txt``: two lines a case, "id: written text" then "= spoken text"."""
    cases: list[object] = []
    section, pending = "", None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            section = line[3:].split(":")[0].replace(" ", "-")
        elif not line.strip() or line.startswith("#"):
            continue
        elif line.startswith("= ") and pending:
            case_id, text = pending
            cases.append(pytest.param(text, line[2:], id=f"{section}/{case_id}"))
            pending = None
        elif ": " in line and pending is None:
            case_id, text = line.split(": ", 1)
            pending = (case_id, text)
        else:
            raise ValueError(f"{path.name}:{number}: unexpected line {line!r}")
    assert pending is None, f"{path.name}: the last case has no expected line"
    return cases


ALL = [
    *load_cases(CASES),
    pytest.param("Văn\u200bbản\x07 sạch\x1b", "Vănbản sạch", id="control-characters"),
    pytest.param("Chi bộ\u00a0họp\tthường kỳ", "Chi bộ họp thường kỳ", id="odd-spaces"),
]


@pytest.mark.parametrize(("text", "spoken"), ALL)
def test_normalize_line(text: str, spoken: str) -> None:
    assert normalize_line(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), ALL)
def test_normalize_agrees_with_normalize_line(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


def test_acronyms_defined_in_the_document_are_learned() -> None:
    text = (
        "Xác định chuyển đổi số (CĐS) là nhiệm vụ trọng tâm.\n"
        "Ủy ban nhân dân (UBND) xã triển khai mô hình CĐS.\n"
        "Bảng xếp hạng chuyển đổi số quốc gia (DTI) năm nay."
    )
    assert normalize(text).splitlines() == [
        "Xác định chuyển đổi số là nhiệm vụ trọng tâm.",
        "Ủy ban nhân dân xã triển khai mô hình chuyển đổi số.",
        "Bảng xếp hạng chuyển đổi số quốc gia (đê tê i) năm nay.",
    ]


def test_definition_later_in_the_document_applies_to_earlier_lines() -> None:
    text = "Các mô hình CĐS tiêu biểu.\nĐẩy mạnh chuyển đổi số (CĐS) toàn diện."
    assert normalize(text) == (
        "Các mô hình chuyển đổi số tiêu biểu.\nĐẩy mạnh chuyển đổi số toàn diện."
    )


@pytest.mark.parametrize(
    ("text", "acronym", "spoken"),
    [
        ("Phát triển kinh tế - xã hội (KT-XH) bền vững.", "KT-XH", "kinh tế xã hội"),
        ("Sở Khoa học và Công nghệ (KHCN) chủ trì.", "KHCN", "khoa học và Công nghệ"),
        ("Bộ Khoa học và Công nghệ (KH&CN) hướng dẫn.", "KH&CN", "khoa học và Công nghệ"),
        ("Ban chỉ đạo (sau đây gọi tắt là BCĐ) họp.", "BCĐ", "ban chỉ đạo"),
    ],
)
def test_definition_forms(text: str, acronym: str, spoken: str) -> None:
    learned: dict[str, str] = {}
    first = normalize_line(text, learned=learned)
    assert acronym not in first and "(" not in first
    assert learned[acronym] == spoken
    assert normalize_line(f"Ý kiến của {acronym}.", learned=learned) == f"Ý kiến của {spoken}."


def test_document_definition_overrides_the_table() -> None:
    text = "Thực hiện Chương trình (CT) số 5.\nKết quả CT năm nay."  # the table says "chỉ thị"
    assert normalize(text).splitlines() == [
        "Thực hiện Chương trình số năm.",
        "Kết quả chương trình năm nay.",
    ]


def test_line_structure_is_kept() -> None:
    text = "Dòng 1\n\n  \r\nDòng 3 có 2 câu. Câu thứ 2.\r\n\n- Ý 5\n"
    out = normalize(text)
    assert out == "Dòng một\n\n\r\nDòng ba có hai câu. Câu thứ hai.\r\n\nÝ năm\n"
    assert out.count("\n") == text.count("\n")


def test_output_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh họp ngày 29/3.")
    out = normalize(decomposed)
    assert out == unicodedata.normalize("NFC", out)
    assert out == "Ủy ban nhân dân tỉnh họp ngày hai mươi chín tháng ba."


def test_custom_abbreviation_table() -> None:
    table = {"UBND": "ủy ban", "HTX": "hợp tác xã nông nghiệp"}
    assert normalize("UBND và HTX, BCH.", abbreviations=table) == (
        "ủy ban và hợp tác xã nông nghiệp, bê xê hát."
    )


def test_empty_and_blank() -> None:
    assert normalize("") == ""
    assert normalize_line("") == ""
    assert normalize_line("   \t ") == ""
    assert normalize("\n\n") == "\n\n"


def test_no_digits_survive_on_a_busy_line() -> None:
    line = (
        "Ngày 1/7/2024, 12 chi bộ (85,5%) đạt 3/4 chỉ tiêu; 7h30-11h; "
        "0,5-1,5 tỷ; 2.500.000đ; 9A; mục 2.1.3; 45/CV-TU; 1/2/3/4; v2.0"
    )
    out = normalize_line(line)
    assert not any(ch.isdigit() for ch in out), out


def test_random_text_never_breaks_the_contract() -> None:
    """Seeded junk of the characters documents hold: no error, no digit left, lines kept."""
    pieces = [
        *"0123456789" * 3, *".,/-–:;()%đĐ hgmkIVXUBNDTPQ&+$~<>@_*#'\"…²°",
        "UBND", "thứ ", "ngày ", "tháng ", "năm ", "Đại hội ", "số ", "TP.", "CĐS", " ha",
        "\u00a0", "\u200b", "😀", "v.v.", "Đ/c", "\t", "\x00", "\n", "\r\n",
        "https://a.vn/1", "a@b.vn", "(ABC)", "chuyển đổi số (CĐS)", "57-NQ/TW",
    ]  # fmt: skip
    rng = random.Random(2024)  # noqa: S311 - a reproducible test input, not a secret
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        out = normalize(text)
        assert not any(ch.isdigit() for ch in out), (text, out)
        assert out.count("\n") == text.count("\n"), (text, out)
