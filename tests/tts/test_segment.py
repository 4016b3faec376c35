"""Sentence boundaries in Vietnamese administrative text, and cuts that never split a word."""

from __future__ import annotations

import random

import pytest

from tts.segment import Sentence, cut, split


def texts(paragraph: str) -> list[str]:
    return [s.text for s in split([paragraph])]


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        pytest.param(
            "Chi bộ họp ngày 29/3. Đồng chí Bí thư chủ trì! Có ai vắng không? Không.",
            ["Chi bộ họp ngày 29/3.", "Đồng chí Bí thư chủ trì!", "Có ai vắng không?", "Không."],
            id="dot-bang-question",
        ),
        pytest.param(
            "Hội nghị tổ chức tại TP. Hà Nội. Sau đó đoàn về Tp. Hồ Chí Minh.",
            ["Hội nghị tổ chức tại TP. Hà Nội.", "Sau đó đoàn về Tp. Hồ Chí Minh."],
            id="TP-dot",
        ),
        pytest.param(
            "Đ/c Lan báo cáo; các đ/c khác bổ sung ý kiến.",
            ["Đ/c Lan báo cáo;", "các đ/c khác bổ sung ý kiến."],
            id="Đ/c-and-semicolon",
        ),
        pytest.param(
            "Phát triển nông nghiệp, công nghiệp, dịch vụ, v.v. theo hướng bền vững.",
            ["Phát triển nông nghiệp, công nghiệp, dịch vụ, v.v. theo hướng bền vững."],
            id="v.v.",
        ),
        pytest.param(
            "Tăng trưởng đạt 7.5% năm 2023. Thu nhập đạt 45,6 triệu đồng. Quỹ có 1.356.000 đồng.",
            [
                "Tăng trưởng đạt 7.5% năm 2023.",
                "Thu nhập đạt 45,6 triệu đồng.",
                "Quỹ có 1.356.000 đồng.",
            ],
            id="decimals-and-thousands",
        ),
        pytest.param(
            "PGS.TS. Trần Văn Bình phát biểu. Ông Nguyễn V. An tham dự.",
            ["PGS.TS. Trần Văn Bình phát biểu.", "Ông Nguyễn V. An tham dự."],
            id="titles-and-initials",
        ),
        pytest.param(
            "1. Mục tiêu chung. Nâng cao năng lực lãnh đạo.",
            ["1. Mục tiêu chung.", "Nâng cao năng lực lãnh đạo."],
            id="list-marker",
        ),
        pytest.param(
            "II. NHIỆM VỤ VÀ GIẢI PHÁP", ["II. NHIỆM VỤ VÀ GIẢI PHÁP"], id="roman-heading"
        ),
        pytest.param(
            "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Văn An",
            ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"],
            id="line-ends",
        ),
        pytest.param(
            "Ông ấy nói… rồi im lặng… Mọi người chờ.",
            ["Ông ấy nói… rồi im lặng…", "Mọi người chờ."],
            id="ellipsis",
        ),
        pytest.param(
            "Bác dạy: “Đảng viên đi trước, làng nước theo sau.” Chi bộ ghi nhớ.",
            ["Bác dạy: “Đảng viên đi trước, làng nước theo sau.”", "Chi bộ ghi nhớ."],
            id="closing-quote",
        ),
        pytest.param(
            "Xem tại dichvucong.gov.vn hoặc TP.HCM. Hết.",
            ["Xem tại dichvucong.gov.vn hoặc TP.HCM.", "Hết."],
            id="dots-inside-words",
        ),
    ],
)
def test_sentence_boundaries(paragraph: str, sentences: list[str]) -> None:
    assert texts(paragraph) == sentences


def test_sentences_are_the_original_text_at_their_offsets() -> None:
    paragraphs = ["  Câu một.   Câu hai!\nCâu ba  ", "", "UBND xã; HĐND xã."]
    result = split(paragraphs)
    assert [(s.paragraph, s.index) for s in result] == [(0, 0), (0, 1), (0, 2), (2, 0), (2, 1)]
    for s in result:
        assert paragraphs[s.paragraph][s.offset : s.offset + len(s.text)] == s.text
        assert s.text == s.text.strip()


def test_an_organisations_abbreviation_keeps_its_dot() -> None:
    paragraph = "Gửi Cty. Tân Tiến hồ sơ."
    assert texts(paragraph) == ["Gửi Cty.", "Tân Tiến hồ sơ."]
    table = {"Cty.": "công ty"}
    assert [s.text for s in split([paragraph], abbreviations=table)] == [paragraph]


LONG = (
    "Trong nhiệm kỳ qua, Đảng bộ xã đã lãnh đạo thực hiện thắng lợi các mục tiêu phát triển "
    "kinh tế xã hội, bảo đảm quốc phòng an ninh; xây dựng hệ thống chính trị trong sạch vững "
    "mạnh, nâng cao đời sống vật chất và tinh thần của nhân dân trên địa bàn toàn xã"
)


def test_a_long_sentence_is_cut_at_punctuation_near_the_limit() -> None:
    pieces = cut(LONG, 120)
    assert all(len(p) <= 120 for p in pieces)
    assert [p[-1] for p in pieces[:-1]] == [",", ","]  # the ";" is too early in piece two
    assert " ".join(pieces) == LONG


def test_split_cuts_long_sentences_with_offsets_and_indexes() -> None:
    result = split([LONG + ". Câu ngắn."], max_chars=80)
    assert [s.index for s in result] == list(range(len(result)))
    assert result[-1].text == "Câu ngắn."
    assert all(len(s.text) <= 80 for s in result)


@pytest.mark.parametrize("max_chars", [10, 25, 40, 100])
def test_cuts_never_fall_inside_a_word(max_chars: int) -> None:
    rng = random.Random(max_chars)  # noqa: S311 - reproducible test data
    words = LONG.replace(",", "").replace(";", "").split()
    for _ in range(50):
        text = " ".join(rng.choice(words) + rng.choice(["", "", ",", ";"]) for _ in range(40))
        pieces = cut(text, max_chars)
        assert " ".join(pieces) == text  # nothing lost, nothing cut mid-word
        assert all(len(p) <= max_chars for p in pieces)
        assert all(p.split() and set(p.split()) <= set(text.split()) for p in pieces)


def test_a_run_longer_than_the_limit_is_cut_hard() -> None:
    # no real word is 150 letters; a run like this (a pasted hash, a rule of dashes) is
    # cut rather than sent whole to an engine that refuses it
    assert [len(p) for p in cut("x" * 150 + " tiếp", 100)] == [100, 55]


def test_empty_and_blank_paragraphs_give_no_sentences() -> None:
    assert split(["", "   ", "\n\n"]) == []
    assert cut("", 10) == []
    assert split(["Một."]) == [Sentence(paragraph=0, index=0, text="Một.", offset=0)]
