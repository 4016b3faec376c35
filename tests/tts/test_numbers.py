"""Vietnamese number words: the rules for mốt, tư, lăm, linh, mươi/mười and the scale words."""

from __future__ import annotations

import pytest

from tts import numbers as n


@pytest.mark.parametrize(
    ("value", "spoken"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (31, "ba mươi mốt"),
        (55, "năm mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (1050, "một nghìn không trăm năm mươi"),
        (1356, "một nghìn ba trăm năm mươi sáu"),
        (2023, "hai nghìn không trăm hai mươi ba"),
        (10_000, "mười nghìn"),
        (24_000, "hai mươi tư nghìn"),
        (105_000, "một trăm linh năm nghìn"),
        (1_000_000, "một triệu"),
        (1_000_500, "một triệu năm trăm"),
        (1_000_050, "một triệu không trăm năm mươi"),
        (2_005_000, "hai triệu không trăm linh năm nghìn"),
        (1_200_000_000, "một tỷ hai trăm triệu"),
        (1_000_000_005, "một tỷ không trăm linh năm"),
        (1_000_000_000_000, "một nghìn tỷ"),
    ],
)
def test_cardinal(value: int, spoken: str) -> None:
    assert n.cardinal(value) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("06", "không sáu"),
        ("0912345678", "không chín một hai ba bốn năm sáu bảy tám"),
        ("1.356", "một nghìn ba trăm năm mươi sáu"),
        ("1.000.000", "một triệu"),
        ("001234567890", "không không một hai ba bốn năm sáu bảy tám chín không"),
        ("1234567890", "một hai ba bốn năm sáu bảy tám chín không"),  # an id, not an amount
        (
            "123456789",
            "một trăm hai mươi ba triệu bốn trăm năm mươi sáu nghìn bảy trăm tám mươi chín",
        ),
    ],
)
def test_integer(written: str, spoken: str) -> None:
    assert n.integer(written) == spoken


@pytest.mark.parametrize(
    ("whole", "frac", "spoken"),
    [
        ("92", "71", "chín mươi hai phẩy bảy mươi mốt"),
        ("3", "5", "ba phẩy năm"),
        ("0", "05", "không phẩy không năm"),
        ("41", "49", "bốn mươi mốt phẩy bốn mươi chín"),
        ("2", "125", "hai phẩy một hai năm"),
    ],
)
def test_decimal(whole: str, frac: str, spoken: str) -> None:
    assert n.decimal(whole, frac) == spoken


@pytest.mark.parametrize(
    ("text", "value"),
    [("I", 1), ("IV", 4), ("IX", 9), ("XIII", 13), ("XIX", 19), ("XXI", 21), ("XL", 40)],
)
def test_roman(text: str, value: int) -> None:
    assert n.roman_value(text) == value


@pytest.mark.parametrize("text", ["", "IIII", "VX", "ABC", "xiii", "IC"])
def test_not_roman(text: str) -> None:
    assert n.roman_value(text) is None


def test_ordinals_and_months() -> None:
    assert [n.ordinal(i) for i in (1, 2, 3, 4, 5, 14)] == [
        "nhất", "hai", "ba", "tư", "năm", "mười bốn",
    ]  # fmt: skip
    assert [n.month(i) for i in (1, 4, 12)] == ["một", "tư", "mười hai"]
