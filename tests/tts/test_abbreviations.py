"""The abbreviation table a secretary can extend, letter spelling and syllable detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from tts.abbreviations import (
    AbbreviationFileError,
    is_syllable,
    learn_definitions,
    load_abbreviations,
    parse_abbreviations,
    spell,
)
from tts.normalize import normalize


def test_builtin_table_is_large_and_clean() -> None:
    table = load_abbreviations()
    assert len(table) >= 100
    for key in ("UBND", "HĐND", "BCH", "BCĐ", "MTTQ", "TTHC", "CNTT", "KT-XH", "ĐBQH", "TW"):
        assert key in table
    assert table["UBND"] == "ủy ban nhân dân"
    assert all(" " not in key for key in table)


def test_extra_file_extends_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "chi-bo.tsv"
    extra.write_text(
        "\ufeff# our own words\n\nHTX\thợp tác xã dịch vụ\nCBNT = chi bộ nông thôn  # note\n",
        encoding="utf-8",
    )
    table = load_abbreviations(extra)
    assert table["HTX"] == "hợp tác xã dịch vụ"
    assert table["CBNT"] == "chi bộ nông thôn"
    assert table["UBND"] == "ủy ban nhân dân"
    assert load_abbreviations()["HTX"] == "hợp tác xã"  # the built-in table is not changed
    assert normalize("HTX và CBNT.", abbreviations=table) == (
        "hợp tác xã dịch vụ và chi bộ nông thôn."
    )


@pytest.mark.parametrize("line", ["UBND", "UBND\t", "\tủy ban", "TP HCM\tthành phố"])
def test_bad_line_names_file_and_line(line: str) -> None:
    with pytest.raises(AbbreviationFileError, match=r"^org\.tsv:2: "):
        parse_abbreviations(f"# header\n{line}\n", "org.tsv")


@pytest.mark.parametrize(
    ("word", "syllable"),
    [
        ("MỤC", True), ("ĐÍCH", True), ("NGHIÊNG", True), ("KHUYA", True), ("QUYẾT", True),
        ("GIỮA", True), ("TRƯỜNG", True), ("LAN", True), ("UBND", False), ("DTI", False),
        ("ABC", False), ("HTX", False), ("SMS", False), ("CĐS", False), ("VNPT", False),
    ],
)  # fmt: skip
def test_is_syllable(word: str, syllable: bool) -> None:
    assert is_syllable(word) is syllable


@pytest.mark.parametrize(
    ("acronym", "spoken"),
    [("DTI", "đê tê i"), ("VNPT", "vê en pê tê"), ("SMS", "ét em ét"), ("WHO", "vê kép hát o")],
)
def test_spell(acronym: str, spoken: str) -> None:
    assert spell(acronym) == spoken


@pytest.mark.parametrize(
    "line",
    [
        "bảng xếp hạng chuyển đổi số quốc gia (DTI)",  # initials do not match
        "hạ tầng mạng nội bộ (LAN)",
        "cải cách hành chính (Par Index)",
        "Hội nghị (lần thứ hai)",
    ],
)
def test_not_a_definition(line: str) -> None:
    learned: dict[str, str] = {}
    assert learn_definitions(line, learned) == line
    assert learned == {}
