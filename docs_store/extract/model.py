"""What extraction produces: pages of headings and paragraphs, JSON-serialisable.

The sandbox sends these across a process boundary as JSON, so every class has
``to_dict`` / ``from_dict``; text is NFC-normalised and tidied by the readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph"]


@dataclass
class Block:
    """One heading or paragraph; ``level`` is 1.. for headings, 0 for paragraphs.

    ``unsure``: the ``(start, end)`` character spans of the words OCR was unsure of
    (``unsure.mark_unsure``), for the secretary to check; empty for typed text."""

    kind: BlockKind
    text: str
    level: int = 0
    unsure: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "text": self.text, "level": self.level}
        if self.unsure:
            data["unsure"] = [[start, end] for start, end in self.unsure]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        kind = data["kind"]
        if kind not in ("heading", "paragraph"):
            raise ValueError(f"unknown block kind: {kind!r}")
        text = str(data["text"])
        return cls(
            kind=kind,
            text=text,
            level=int(data.get("level", 0)),
            unsure=spans(data.get("unsure"), len(text)),
        )


def spans(data: Any, length: int) -> list[tuple[int, int]]:
    """Well-formed ``[start, end]`` spans within a text of ``length`` characters, in order and
    not overlapping; anything else in ``data`` is dropped (a mark is a hint, never an error)."""
    found: list[tuple[int, int]] = []
    for item in data if isinstance(data, list) else ():
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        start, end = item
        if type(start) is not int or type(end) is not int:
            continue
        if 0 <= start < end <= length and (not found or start >= found[-1][1]):
            found.append((start, end))
    return found


@dataclass
class Page:
    """A page of the source (DOCX: split at page breaks); ``ocr`` if text came from OCR."""

    number: int
    blocks: list[Block] = field(default_factory=list)
    ocr: bool = False

    @property
    def text(self) -> str:
        """The page's blocks, one per line."""
        return "\n".join(block.text for block in self.blocks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "blocks": [block.to_dict() for block in self.blocks],
            "ocr": self.ocr,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Page:
        return cls(
            number=int(data["number"]),
            blocks=[Block.from_dict(b) for b in data["blocks"]],
            ocr=bool(data.get("ocr", False)),
        )


@dataclass
class ExtractedDocument:
    """All pages of one file; ``kind`` is "pdf", "docx" or "txt"; warnings are Vietnamese."""

    pages: list[Page]
    kind: str
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Pages joined by form feed, blocks by newline."""
        return "\f".join(page.text for page in self.pages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": [page.to_dict() for page in self.pages],
            "kind": self.kind,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractedDocument:
        return cls(
            pages=[Page.from_dict(p) for p in data["pages"]],
            kind=str(data["kind"]),
            warnings=[str(w) for w in data.get("warnings", [])],
        )
