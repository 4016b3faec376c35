"""The rows of the generated province (bench/province.py), as lines for PostgreSQL's COPY.

Why it is shaped like this: half a million documents with their pages must be written in
minutes, so nothing goes through the ORM and nothing is serialised per row that can be done
once. Paragraphs are drawn from a pool whose JSON (as SQLAlchemy writes ``sa.JSON``: ASCII with
``\\u`` escapes), folded search text and COPY escaping are computed once; a page is then a join
of ready fragments around its paragraph numbers, which run across the whole document like the
app's (``documents.operations.save_pages``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench import province_text as words
from handbook.core.textfold import fold


class Raw(str):
    """A field already escaped for COPY's text format."""


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def field_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, Raw):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return escape(json.dumps(value))
    if isinstance(value, str):
        return escape(value)
    return str(value)


def line(*values: Any) -> str:
    return "\t".join(field_text(v) for v in values) + "\n"


@dataclass(frozen=True)
class Paragraph:
    """One pooled paragraph: its length, and its JSON text and folded text, COPY-escaped."""

    chars: int
    json_text: str  # json.dumps(text), escaped for COPY
    folded: str  # fold(text), escaped for COPY
    sentences: tuple[str, ...]  # json.dumps of each sentence, escaped for COPY


def _pooled(text: str, sentences: tuple[str, ...]) -> Paragraph:
    return Paragraph(
        chars=len(text),
        json_text=escape(json.dumps(text)),
        folded=escape(fold(text)),
        sentences=tuple(escape(json.dumps(s)) for s in sentences),
    )


@dataclass
class TextPool:
    """Paragraphs of two to four sentences and headings, prepared once."""

    rng: random.Random
    paragraphs: list[Paragraph] = field(default_factory=list)
    headings: list[Paragraph] = field(default_factory=list)

    def __post_init__(self) -> None:
        for _ in range(400):
            chosen = tuple(self.rng.sample(words.SENTENCES, self.rng.randint(2, 4)))
            self.paragraphs.append(_pooled(" ".join(chosen), chosen))
        self.headings = [_pooled(h, (h,)) for h in words.HEADINGS]


#: Pages per document and how often: notices are a page, reports and news run longer.
PAGE_COUNTS = (1, 2, 3, 4, 5, 6, 8, 12, 20)
PAGE_WEIGHTS = (28, 25, 18, 10, 7, 5, 4, 2, 1)
#: About one A4 page of 13-point administrative Vietnamese.
PAGE_CHARS = 2_300


def _block(n: int, kind: str, level: int, text_json: str) -> str:
    return f'{{"n": {n}, "kind": "{kind}", "level": {level}, "text": {text_json}}}'


def document_pages(
    pool: TextPool, rng: random.Random, document_id: int, title: str, first_page_id: int
) -> tuple[list[str], list[str], int]:
    """The COPY lines of one document's pages and of its audio timing map's sentences; returns
    (page lines, timing sentence fragments, paragraphs)."""
    pages = rng.choices(PAGE_COUNTS, PAGE_WEIGHTS)[0]
    n = 0
    lines: list[str] = []
    timings: list[str] = []
    clock = 0.05
    title_json = escape(json.dumps(title.upper()))
    for number in range(1, pages + 1):
        blocks: list[str] = []
        folded: list[str] = []
        size = 0
        if number == 1:
            n += 1
            blocks.append(_block(n, "heading", 1, title_json))
            folded.append(escape(fold(title.upper())))
        while size < PAGE_CHARS:
            if rng.random() < 0.15:
                paragraph, kind, level = rng.choice(pool.headings), "heading", 2
            else:
                paragraph, kind, level = rng.choice(pool.paragraphs), "paragraph", 0
            n += 1
            blocks.append(_block(n, kind, level, paragraph.json_text))
            folded.append(paragraph.folded)
            size += paragraph.chars
            for index, sentence in enumerate(paragraph.sentences):
                length = 0.065 * len(sentence)
                timings.append(
                    f'{{"paragraph": {n}, "index": {index}, "start": {clock:.3f}, '
                    f'"end": {clock + length:.3f}, "text": {sentence}, "offset": 0}}'
                )
                clock += length + 0.7
        # The app folds "\n".join(texts): a newline is not printable, so it folds to a space.
        lines.append(
            f"{first_page_id + number - 1}\t{document_id}\t{number}\t[{', '.join(blocks)}]\t"
            f"f\t{' '.join(folded)}\n"
        )
    return lines, timings, n


def timing_map(sentences: list[str], duration: float) -> str:
    """``AudioResult.to_dict()``'s shape (engine, voice, sentences, chapters), COPY-escaped."""
    return (
        f'{{"duration": {duration:.3f}, "engine": "espeak", "voice": "vi", "fell_back": false, '
        f'"sentences": [{", ".join(sentences)}], "paragraphs": {{}}, "chapters": [], '
        f'"size": {int(duration * 6000)}, "warnings": [], "engines": {{"espeak": '
        f"{len(sentences)}}}}}"
    )


def person(rng: random.Random) -> str:
    """A Vietnamese full name: family, middle, given (men and women alike)."""
    if rng.random() < 0.5:
        return (
            f"{rng.choice(words.FAMILY)} {rng.choice(words.MIDDLE_MEN)} "
            f"{rng.choice(words.GIVEN_MEN)}"
        )
    return (
        f"{rng.choice(words.FAMILY)} {rng.choice(words.MIDDLE_WOMEN)} "
        f"{rng.choice(words.GIVEN_WOMEN)}"
    )


def commune_names(count: int, rng: random.Random) -> list[str]:
    """Distinct commune and ward names ("Xã Tân Tiến", "Phường Hòa Bình")."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(words.COMMUNE_HEADS)} {rng.choice(words.COMMUNE_TAILS)}"
        if name.split()[0] == name.split()[1] or name in seen:
            continue
        seen.add(name)
        names.append(("Phường " if rng.random() < 0.15 else "Xã ") + name)
    return names


def branch_names(count: int, rng: random.Random) -> Iterator[str]:
    """Distinct branch names within one commune: hamlets first, then institutions."""
    seen: set[str] = set()
    institutions = list(words.INSTITUTIONS)
    rng.shuffle(institutions)
    made = 0
    while made < count:
        if institutions and rng.random() < 0.2:
            name = "Chi bộ " + institutions.pop()
        else:
            pattern = rng.choice(words.BRANCH_KINDS)
            hamlet = " ".join(rng.sample(words.HAMLETS, 2))
            name = "Chi bộ " + pattern.format(x=hamlet, n=rng.randint(1, 30))
        if name not in seen:
            seen.add(name)
            made += 1
            yield name


def chunks(lines: Iterable[str], size: int = 4 << 20) -> Iterator[str]:
    """Lines joined into pieces of about ``size`` characters for ``copy.write``."""
    buffer: list[str] = []
    length = 0
    for text in lines:
        buffer.append(text)
        length += len(text)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)
