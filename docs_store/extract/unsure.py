"""The words of an OCR'd page that Tesseract was unsure of, placed on the page's blocks.

Tesseract writes, in the same run as the text, a TSV of every word it read with a confidence
(0-100; -1 on the rows that are not words: the page, its blocks, paragraphs and lines). A word
read with less than ``UNSURE_BELOW`` is marked on its block as a character span, for the
secretary to check (``handbook/documents/correction.py``); the text itself is left as read.

The words are matched to the text's own words in order: the text is Tesseract's, so they are
the same sequence; when they are not (an odd TSV, a word list of another read), only the words
that match in order are marked (difflib), so a mark is always on a word spelled as the one
read unsure.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .layout import tidy
from .model import Block

#: Words read with a lower confidence are marked. Measured on the repository's scans
#: (``bench/ocr_quality.py``): see its output and the README's benchmark table.
UNSURE_BELOW = 90.0
#: Columns of a row of Tesseract's TSV; the word's confidence and text are the last two.
_COLUMNS = 12
_WORD_LEVEL = "5"
#: Past this many words, text and words that differ are not matched (a page has ~600):
#: matching costs up to their product.
MAX_MATCHED_WORDS = 5000


@dataclass(frozen=True)
class Word:
    """One word as Tesseract read it (tidied like the text), and how sure it was, 0-100."""

    text: str
    confidence: float


def parse_tsv(tsv: str) -> list[Word]:
    """The words of a TSV in reading order; the header, rows that are not words (confidence
    -1), empty words and lines of another shape are skipped, never an error."""
    words: list[Word] = []
    for line in tsv.splitlines():
        fields = line.split("\t")
        if len(fields) != _COLUMNS or fields[0] != _WORD_LEVEL:
            continue
        try:
            confidence = float(fields[10])
        except ValueError:
            continue
        if not math.isfinite(confidence) or confidence < 0:
            continue
        confidence = min(confidence, 100.0)
        words.extend(Word(part, confidence) for part in tidy(fields[11]).split(" ") if part)
    return words


def mark_unsure(blocks: Sequence[Block], words: Sequence[Word], below: float = UNSURE_BELOW) -> int:
    """Set each block's ``unsure`` spans to its words read with less than ``below``; returns
    how many were marked."""
    tokens: list[tuple[int, int, int]] = []  # (block index, start, end)
    texts: list[str] = []
    for index, block in enumerate(blocks):
        block.unsure = []
        start = 0
        for token in block.text.split(" "):
            if token:
                tokens.append((index, start, start + len(token)))
                texts.append(token)
            start += len(token) + 1
    read = [word.text for word in words]
    if read == texts:
        pairs: Sequence[tuple[int, int]] = [(i, i) for i in range(len(read))]
    elif max(len(read), len(texts)) <= MAX_MATCHED_WORDS:
        matcher = difflib.SequenceMatcher(None, read, texts, autojunk=False)
        pairs = [(m.a + k, m.b + k) for m in matcher.get_matching_blocks() for k in range(m.size)]
    else:
        pairs = []
    marked = 0
    for i, j in pairs:
        if words[i].confidence < below:
            index, start, end = tokens[j]
            blocks[index].unsure.append((start, end))
            marked += 1
    return marked
