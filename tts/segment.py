"""Sentences and engine-sized pieces, cut from the ORIGINAL text so read-along can highlight them.

Sentences end at ``. ! ? … ;`` and at line ends. A dot does not end a sentence after an
abbreviation that keeps its dot ("TP. Hà Nội", "KT. CHỦ TỊCH", "v.v."), after an initial
("Nguyễn V. An"), after a list marker at the start ("1. Mục tiêu"), or before a lower-case word;
a dot with no space after it ("3.5", "TP.HCM") never does. A sentence longer than ``max_chars``
is cut at a semicolon, colon, comma or space near the limit, never inside a word (a run of
letters longer than the limit is no word and is cut where it must be).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from tts.abbreviations import builtin_abbreviations

__all__ = ["DEFAULT_SENTENCE_CHARS", "Sentence", "cut", "split"]

#: Read-along granularity: longer sentences are cut so one highlight stays short (~20 s).
DEFAULT_SENTENCE_CHARS = 300

#: Words after which a dot is part of the word. The built-in table adds its "KEY." entries.
_NO_STOP = frozenset(
    "TM KT TL TUQ Q TP Tp tp TX Tx TT Th ThS Ths TS PGS GS BS KS CN NXB Nxb Sđd tr Tr St Mr Mrs"
    " Ms Dr Co Ltd Vd VD vd v.v vv Đ/c đ/c Ph Tel ĐT Đt Fax".split()
)
_END = re.compile(r"(?:\.{3}|…|[.!?;])[.!?;…]*[\"'”’»)\]]*(?=\s|$)")
_OPENERS = "\"'“‘«([-–—•+*"
_ENUMERATOR = re.compile(r"[(\[]?(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6}|[a-zđA-ZĐ])[.)]?")
_LINE = re.compile(r"[^\r\n]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of paragraph ``paragraph`` (0-based position in the input); ``text`` is
    ``paragraphs[paragraph][offset : offset + len(text)]``, untouched, for highlighting."""

    paragraph: int
    index: int
    text: str
    offset: int = 0


def _no_stop_words(abbreviations: Mapping[str, str] | None) -> frozenset[str]:
    table = builtin_abbreviations() if abbreviations is None else abbreviations
    return _NO_STOP | {key[:-1] for key in table if key.endswith(".") and len(key) > 1}


def _is_stop(text: str, start: int, m: re.Match[str], no_stop: frozenset[str]) -> bool:
    """Whether the punctuation ``m`` in ``text`` ends a sentence that began at ``start``."""
    mark = m.group(0)
    following = text[m.end() :].lstrip()
    nxt = following[:1]
    if not nxt:
        return True
    if mark[0] in "!?;":
        return True
    if nxt.isalpha() and nxt.islower():
        return False  # "ông ấy... không nói", "v.v. được", sloppy PDF text: not a new sentence
    word = re.search(r"(\S+)$", text[start : m.start()])
    if word is None:
        return True
    token = word.group(1).lstrip(_OPENERS)
    if mark[0] == "." and not mark.startswith("..."):
        last = token.rsplit(".", 1)[-1]
        if token in no_stop or last in no_stop:
            return False
        if len(token) == 1 and token.isalpha() and token.isupper():
            return False  # an initial: "Nguyễn V. An", "khu A. Tiếp" loses one break, rarely
        before = text[start : word.start()].strip(" \t" + _OPENERS)
        if not before and _ENUMERATOR.fullmatch(token):
            return False  # "1. Mục tiêu", "II. NHIỆM VỤ", "a. Về kinh tế"
    return True


def _sentence_spans(text: str, no_stop: frozenset[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, stripped, in order."""
    for line in _LINE.finditer(text):
        start = line.start()
        body = line.group(0)
        for m in _END.finditer(body):
            if _is_stop(body, start - line.start(), m, no_stop):
                yield from _strip(text, start, line.start() + m.end())
                start = line.start() + m.end()
        yield from _strip(text, start, line.end())


def _strip(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if right > left:
        yield start + left, start + right


_CUTS = (re.compile(r"[;:]\s"), re.compile(r",\s"), re.compile(r"\s[-–—]\s"), re.compile(r"\s"))


def _cut_spans(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``max_chars``, at punctuation near the
    limit if there is some in its last half, else at the last space; a "word" longer than the
    limit (no real word is) is cut hard."""
    while end - start > max_chars:
        window = text[start : start + max_chars + 1]
        at = -1
        for pattern in _CUTS:
            found = [m.end() for m in pattern.finditer(window) if m.end() <= max_chars + 1]
            if found and (pattern is _CUTS[-1] or found[-1] >= max_chars // 2):
                at = found[-1]
                break
        if at <= 0:
            at = max_chars
        piece_end = start + at
        yield from _strip(text, start, piece_end)
        start = piece_end
    yield from _strip(text, start, end)


def cut(text: str, max_chars: int) -> list[str]:
    """Pieces of ``text`` an engine accepts (at most ``max_chars`` each), never cutting a word."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    return [text[a:b] for a, b in _cut_spans(text, 0, len(text), max_chars)]


def split(
    paragraphs: Sequence[str],
    *,
    max_chars: int = DEFAULT_SENTENCE_CHARS,
    abbreviations: Mapping[str, str] | None = None,
) -> list[Sentence]:
    """Split paragraphs of original text into sentences, cutting over-long ones near
    ``max_chars``; ``abbreviations`` (the normaliser's table) adds words whose dot is kept."""
    no_stop = _no_stop_words(abbreviations)
    out: list[Sentence] = []
    for number, paragraph in enumerate(paragraphs):
        out.extend(_paragraph(number, paragraph, max_chars, no_stop))
    return out


def _paragraph(
    number: int, text: str, max_chars: int, no_stop: frozenset[str]
) -> Iterable[Sentence]:
    index = 0
    for start, end in _sentence_spans(text, no_stop):
        for a, b in _cut_spans(text, start, end, max_chars):
            yield Sentence(paragraph=number, index=index, text=text[a:b], offset=a)
            index += 1
