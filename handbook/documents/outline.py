"""A document's outline: its headings (the table of contents) and the opening words of each
paragraph ("Đọc tiếp từ: …"), read once per text version, never per reader."""

from __future__ import annotations

import functools
from typing import NamedTuple

import sqlalchemy as sa

from handbook.core import db
from handbook.documents.models import DocumentPage

#: The words that name a paragraph on the "Đọc tiếp" button.
OPENING_WORDS = 10


class Heading(NamedTuple):
    n: int
    level: int
    text: str


class Outline(NamedTuple):
    """``openings[n - 1]`` opens paragraph ``n``; ``last`` is the last paragraph's number."""

    headings: tuple[Heading, ...]
    openings: tuple[str, ...]

    @property
    def last(self) -> int:
        return len(self.openings)

    def opening(self, n: int) -> str:
        return self.openings[n - 1] if 1 <= n <= self.last else ""


def _opening(text: str) -> str:
    words = text.split()
    return " ".join(words[:OPENING_WORDS]) + ("…" if len(words) > OPENING_WORDS else "")


@functools.lru_cache(maxsize=128)
def outline(document_id: int, _version: str) -> Outline:
    """The outline of a document's text; kept under its version, since pages never change
    without the version changing (``Document.text_version``)."""
    headings: list[Heading] = []
    openings: list[str] = []
    for (blocks,) in db.session.execute(
        sa.select(DocumentPage.blocks)
        .where(DocumentPage.document_id == document_id)
        .order_by(DocumentPage.number)
    ):
        for block in blocks:
            if block["kind"] == "heading":
                headings.append(Heading(block["n"], int(block.get("level") or 1), block["text"]))
            openings.append(_opening(block["text"]))
    return Outline(tuple(headings), tuple(openings))
