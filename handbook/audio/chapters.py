"""A document's chapters for listening: its headings, not its pages.

The read-aloud track is cut into sections (``tts.result.Section``); each is a chapter of the
MP3 and a mark on the player's bar. Members find their way by the document's own headings
("I. ĐÁNH GIÁ KẾT QUẢ", "Điều 3"), so a chapter starts at each heading of the document's top
two heading levels (deeper ones would crowd the bar). A run of headings with no text between
them (an administrative header, "CHƯƠNG I" then its title) is one chapter named by all of
them. Text before the first heading is a chapter named by the document's title. A document
without headings (most scans) falls back to one chapter per page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tts.result import Section

#: How many heading levels, from the top one present, start chapters.
CHAPTER_LEVELS = 2
#: A chapter's title is cut to this many characters (an ID3 title, one line on a phone).
TITLE_CHARS = 120

Page = tuple[int, Sequence[Mapping[str, Any]]]


def sections(pages: Sequence[Page], title: str) -> list[Section]:
    """The document's ``(page number, blocks)`` as chapters to read aloud, in order."""
    blocks = [block for _, page_blocks in pages for block in page_blocks]
    levels = sorted({_level(b) for b in blocks if b["kind"] == "heading" and b["text"].strip()})
    if not levels:
        if len(pages) > 1:
            return [Section(f"Trang {number}", _paragraphs(bs)) for number, bs in pages]
        return [Section(_cut(title), _paragraphs(blocks))]
    breaking = set(levels[:CHAPTER_LEVELS])
    chapters: list[Section] = []
    titles: list[str] = []
    paragraphs: list[tuple[int, str]] = []
    has_text = False
    for block in blocks:
        text = block["text"]
        starts = block["kind"] == "heading" and text.strip() and _level(block) in breaking
        if starts and has_text:
            chapters.append(Section(_title(titles, title), paragraphs))
            titles, paragraphs, has_text = [], [], False
        if starts and not has_text:
            titles.append(text.strip())
        else:
            has_text = True
        paragraphs.append((block["n"], text))
    if paragraphs:
        chapters.append(Section(_title(titles, title), paragraphs))
    return chapters


def _level(block: Mapping[str, Any]) -> int:
    return int(block.get("level") or 1)


def _paragraphs(blocks: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    return [(b["n"], b["text"]) for b in blocks]


def _title(headings: list[str], fallback: str) -> str:
    """The headings of a run joined as sentences ("CHƯƠNG I. NHỮNG QUY ĐỊNH CHUNG")."""
    text = ""
    for heading in headings:
        if text:
            text += " " if text.endswith((".", ":", ";", "!", "?", "…")) else ". "
        text += heading
    return _cut(text or fallback)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"
