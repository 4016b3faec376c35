"""The words OCR was unsure of: Tesseract's confidences from the same run as the text (which
stays as it was), marked on the blocks as character spans, carried through the sandbox's
JSON; an odd TSV or a word list that does not match the text marks nothing wrong."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from docs_store.extract import extract, extract_sandboxed, ocr
from docs_store.extract.layout import blocks_from_lines
from docs_store.extract.model import Block, ExtractedDocument, Page
from docs_store.extract.unsure import MAX_MATCHED_WORDS, UNSURE_BELOW, Word, mark_unsure, parse_tsv

from .test_pdf_paths import DEMO_SCAN

HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)


def row(text: str, conf: str, level: str = "5") -> str:
    return "\t".join([level, "1", "1", "1", "1", "1", "10", "10", "50", "20", conf, text])


def marked(blocks: list[Block]) -> list[list[str]]:
    return [[block.text[start:end] for start, end in block.unsure] for block in blocks]


# --- Tesseract's TSV ---------------------------------------------------------------------------


def test_a_tsv_gives_its_words_in_order_with_their_confidence() -> None:
    tsv = "\n".join(
        [HEADER, row("", "-1", "1"), row("", "-1", "4"), row("Chỉ", "61.5"), row("bộ", "96.1")]
    )
    assert parse_tsv(tsv + "\n") == [Word("Chỉ", 61.5), Word("bộ", 96.1)]


@pytest.mark.parametrize(
    "tsv",
    [
        "",  # Tesseract on a blank page may write nothing at all
        HEADER,
        HEADER + "\n" + row("", "-1", "1") + "\n",  # a page with no word: only the page's row
        "not a tsv\n\n\t\t\n",
        row("chi", "50")[:-4],  # cut short: no text column
        row("chi", "50") + "\tmore",  # a column too many
        row("chi", "abc"),
        row("chi", "nan"),
        row("chi", "-inf"),
        row("chi", "-1"),  # Tesseract's "not a word"
        row("", "40"),
        row("\u200b\u00a0", "40"),  # invisible: nothing left once tidied
        row("chi", "40", level="4"),  # a line's row, not a word's
    ],
)
def test_empty_malformed_and_non_word_rows_give_no_word(tsv: str) -> None:
    assert parse_tsv(tsv) == []


def test_words_are_tidied_like_the_text_and_confidences_kept_within_0_to_100() -> None:
    decomposed = "chi\u0309"  # "chỉ" as two code points: NFC, as the text is
    words = parse_tsv("\n".join([row(decomposed, "40"), row("a\u00a0b", "101"), row("x", "0")]))
    assert words == [Word("chỉ", 40.0), Word("a", 100.0), Word("b", 100.0), Word("x", 0.0)]


# --- marks on the blocks -----------------------------------------------------------------------


def test_words_below_the_threshold_are_marked_as_spans_of_their_block() -> None:
    blocks = blocks_from_lines(["NGHỊ QUYẾT", "", "Chỉ bộ thống nhất triển khai."])
    text = "NGHỊ QUYẾT Chỉ bộ thống nhất triển khai.".split()
    confidences = [95, 40, 61, 96, 89.9, 90, 99, 20]
    words = [Word(w, c) for w, c in zip(text, confidences, strict=True)]
    assert mark_unsure(blocks, words) == 4
    assert marked(blocks) == [["QUYẾT"], ["Chỉ", "thống", "khai."]]
    assert blocks[1].unsure == [(0, 3), (7, 12), (24, 29)]


def test_a_word_list_that_does_not_match_the_text_marks_only_the_words_that_match() -> None:
    blocks = [Block("paragraph", "chi bộ họp bàn việc")]
    # A word the text lacks ("thêm"), a text word the list lacks ("họp"): the rest line up.
    words = [Word("chi", 10), Word("bộ", 99), Word("thêm", 10), Word("bàn", 99), Word("việc", 1)]
    assert mark_unsure(blocks, words) == 2
    assert marked(blocks) == [["chi", "việc"]]
    assert blocks[0].unsure == [(0, 3), (15, 19)]


def test_words_of_another_text_mark_nothing_and_old_marks_go() -> None:
    blocks = [Block("paragraph", "chi bộ họp", unsure=[(0, 3)])]
    assert mark_unsure(blocks, [Word("hoàn", 1), Word("toàn", 1), Word("khác", 1)]) == 0
    assert blocks[0].unsure == []
    blocks[0].unsure = [(0, 3)]
    assert mark_unsure(blocks, []) == 0 and blocks[0].unsure == []


def test_too_many_words_that_differ_are_not_matched() -> None:
    """Matching costs up to the product of the two lengths: past the limit, nothing marked."""
    many = MAX_MATCHED_WORDS + 1
    blocks = [Block("paragraph", " ".join(["chi"] * many))]
    assert mark_unsure(blocks, [Word("bộ", 1)] + [Word("chi", 1)] * (many - 1)) == 0
    same = [Word("chi", 1)] * many  # the same words: no matching needed, all marked
    assert mark_unsure(blocks, same) == many


# --- the model's JSON ----------------------------------------------------------------------------


def test_marks_cross_json_and_old_json_still_loads() -> None:
    block = Block("paragraph", "Chỉ bộ họp", unsure=[(0, 3)])
    data = json.loads(json.dumps(ExtractedDocument([Page(1, [block], ocr=True)], "pdf").to_dict()))
    assert data["pages"][0]["blocks"][0]["unsure"] == [[0, 3]]
    assert ExtractedDocument.from_dict(data).pages[0].blocks == [block]
    old = {"kind": "paragraph", "text": "Chỉ bộ họp", "level": 0}  # before marks existed
    assert Block.from_dict(old) == Block("paragraph", "Chỉ bộ họp")
    assert Block("paragraph", "typed").to_dict() == {
        "kind": "paragraph",
        "text": "typed",
        "level": 0,
    }


@pytest.mark.parametrize(
    "unsure",
    [
        "0,3",
        [[0, 11]],  # past the end of the text
        [[-1, 2]],
        [[3, 3]],  # empty
        [[0, 3, 5]],
        [["0", "3"]],
        [[True, 3]],
        [None],
        {"0": 3},
    ],
)
def test_marks_that_do_not_fit_the_text_are_dropped(unsure: object) -> None:
    block = Block.from_dict({"kind": "paragraph", "text": "Chỉ bộ họp", "unsure": unsure})
    assert block == Block("paragraph", "Chỉ bộ họp")


def test_overlapping_marks_keep_the_first() -> None:
    data = {"kind": "paragraph", "text": "Chỉ bộ họp", "unsure": [[0, 3], [2, 6], [4, 6]]}
    assert Block.from_dict(data).unsure == [(0, 3), (4, 6)]


# --- real Tesseract runs -------------------------------------------------------------------------


def test_one_tesseract_run_gives_the_same_text_as_before_and_every_words_confidence(
    tmp_path: Path,
) -> None:
    """The demo's real scan, rendered at 300 dpi as the product reads it: the text is byte
    for byte Tesseract's plain text (what ``ocr`` read before), the words are its words."""
    subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("pdftoppm") or "pdftoppm", "-r", "300", "-gray", "-singlefile"]
        + [str(DEMO_SCAN), str(tmp_path / "page")],
        check=True,
    )
    plain = subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("tesseract") or "tesseract", str(tmp_path / "page.pgm"), "stdout"]
        + ["-l", "vie", "--psm", "3", "--dpi", "300"],
        check=True,
        capture_output=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout.decode()
    read = ocr.ocr_pdf_page(DEMO_SCAN, 1, dpi=ocr.DPI)
    assert read.text == plain and "chi bộ" in plain
    assert [word.text for word in read.words] == plain.split()
    assert all(0 <= word.confidence <= 100 for word in read.words)
    assert any(word.confidence < UNSURE_BELOW for word in read.words)
    assert any(word.confidence >= UNSURE_BELOW for word in read.words)


def test_the_demo_scan_carries_its_marks_through_the_sandbox() -> None:
    document = extract(DEMO_SCAN, "pdf")
    assert extract_sandboxed(DEMO_SCAN, "pdf", timeout=60.0) == document
    unsure = {
        w.text
        for w in ocr.ocr_pdf_page(DEMO_SCAN, 1, dpi=ocr.DPI).words  # as the product reads it
        if w.confidence < UNSURE_BELOW
    }
    blocks = document.pages[0].blocks
    found = [word for words in marked(blocks) for word in words]
    assert found and set(found) <= unsure
    for block in blocks:  # whole words of their block
        for start, end in block.unsure:
            assert block.text[start:end].strip() == block.text[start:end]
            assert start == 0 or block.text[start - 1] == " "
            assert end == len(block.text) or block.text[end] == " "


@pytest.mark.parametrize("kind", ["blank", "picture"])
def test_a_page_with_no_words_reads_as_nothing_marked(tmp_path: Path, kind: str) -> None:
    """A blank scan, or a picture with no text: Tesseract writes an empty text and a TSV
    with no word (only its -1 rows, if any)."""
    image = Image.linear_gradient("L").resize((1654, 2339)) if kind == "picture" else None
    image = image or Image.new("L", (1654, 2339), 255)
    pdf = tmp_path / f"{kind}.pdf"
    image.save(pdf, "PDF", resolution=200.0)
    read = ocr.ocr_pdf_page(pdf, 1)
    assert read.words == () and not read.text.strip()
