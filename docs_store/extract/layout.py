"""Turn lines of text (from a PDF text layer, OCR or a .txt) into headings and paragraphs.

PDF text comes one visual line at a time; a paragraph is rebuilt by joining lines until one
ends clearly short of the page's usual line width, or a list item or heading starts. The
heading rules are conservative: a wrong heading is worse than a missed one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .model import Block

_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Zero-width characters and C0/C1 controls other than newline and form feed.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_LIST_ITEM = re.compile(r"^(?:[-+•·*–—]\s|\(?[a-zđ]\)\s|\(?\d{1,3}(?:\.\d{1,3})*[.)]\s)")
_PART = re.compile(r"^(?:PHẦN|Phần|CHƯƠNG|Chương)\s+(?:[IVXLC]+|\d+|THỨ|thứ)\b")
_SECTION = re.compile(r"^(?:MỤC|Mục)\s+\d+\b")
_ARTICLE = re.compile(r"^(?:ĐIỀU|Điều)\s+\d+\s*[.:]")
_ROMAN = re.compile(r"^[IVXLC]{1,6}\.\s+\S")
_SENTENCE_END = (".", ":", ";", "!", "?", "…")

MAX_HEADING_CHARS = 100
#: A line shorter than this share of the usual width ends its paragraph.
SHORT_LINE = 0.75
#: ... and so does one that ends a sentence and is shorter than this share.
SHORTISH_LINE = 0.9
#: Below this usual width (in characters) lines are not joined at all.
MIN_WRAP_WIDTH = 30


def tidy(text: str) -> str:
    """NFC, invisible characters removed, runs of spaces collapsed, ends stripped."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def heading_level(line: str) -> int | None:
    """Heading level of a stand-alone line by its wording, or None for body text."""
    s = line.strip()
    if not 2 <= len(s) <= MAX_HEADING_CHARS or s.endswith((",", ";")):
        return None
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 3:
        return None
    if _PART.match(s):
        return 1
    if _SECTION.match(s) or _ARTICLE.match(s):
        return 2
    upper = all(c.isupper() for c in letters) and len(s) <= 80 and not s.endswith(".")
    if _LIST_ITEM.match(s):
        # "1. MỤC ĐÍCH, YÊU CẦU" is a heading; "- Đảng ủy xã" and "1. Tổ chức..." are not.
        return 2 if upper and s[0].isdigit() else None
    if upper:
        return 1
    if _ROMAN.match(s) and len(s) <= 80 and not s.endswith("."):
        return 1
    return None


def _usual_width(lines: list[str]) -> int:
    """A high percentile of line lengths: the width of a full line, ignoring odd long ones."""
    widths = sorted(len(line) for line in lines if line and heading_level(line) is None)
    if not widths:
        return 0
    if len(widths) < 4:
        return widths[-1]
    return widths[int(0.9 * (len(widths) - 1))]


def blocks_from_lines(lines: Iterable[str], *, max_wrap_width: int | None = None) -> list[Block]:
    """Rebuild paragraphs from visual lines; blank lines always separate paragraphs.

    ``max_wrap_width``: when the usual line is wider than this, the text was not hard-wrapped
    (a .txt with one paragraph per line), so every line stays its own paragraph.
    """
    clean = [tidy(line) for line in lines]
    width = _usual_width(clean)
    join = width >= MIN_WRAP_WIDTH and (max_wrap_width is None or width <= max_wrap_width)
    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(Block("paragraph", " ".join(current)))
            current.clear()

    for line in clean:
        if not line:
            flush()
            continue
        level = heading_level(line)
        if level is not None:
            flush()
            blocks.append(Block("heading", line, level))
            continue
        if current and _LIST_ITEM.match(line):
            flush()
        current.append(line)
        if not join or _ends_paragraph(line, width):
            flush()
    flush()
    return blocks


def _ends_paragraph(line: str, width: int) -> bool:
    if len(line) < SHORT_LINE * width:
        return True
    return line.endswith(_SENTENCE_END) and len(line) < SHORTISH_LINE * width
