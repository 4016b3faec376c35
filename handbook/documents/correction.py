"""The secretary corrects a paragraph of a document's text (an OCR misreading that would tell
members "chỉ bộ" for "chi bộ"), and members are told which text came from a scan.

A correction replaces one block's words and nothing else: paragraph numbers stay, so reading
positions, comments on paragraphs and "Đọc tiếp" keep pointing where they did. The page's
folded text is rewritten with it, which is what both search indexes follow (SQLite's FTS5
trigger, PostgreSQL's stored vector). ``Document.text_revision`` changes, so every server
process draws the new text (``Document.text_key``). ``text_corrected`` is sent once committed:
the voice listens (``audio/jobs.py``) and reads the document again, where only the changed
sentences are new to the speech cache. The words replaced are kept in the audit entry.

Two secretaries correcting the same paragraph: each form carries a fingerprint of the words
it was opened on, and the second to save is refused (409) rather than silently undo the first.

The words OCR was unsure of (``DocumentPage.unsure``) are shown to those who manage the
document, highlighted in the text and on this form; correcting or confirming a paragraph
clears its marks (a person has checked it).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from blinker import Namespace

from docs_store.extract.model import spans
from handbook.accounts.models import User
from handbook.audit.models import AuditLog
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.textfold import fold
from handbook.documents.models import Document, DocumentPage, DocumentStatus

logger = logging.getLogger(__name__)

#: Sent (committed) when a paragraph's words changed; the sender is the Document.
text_corrected = Namespace().signal("document.text_corrected")

#: The longest paragraph a secretary may type, in characters.
MAX_CHARS = 5000

NOT_READY = "Tài liệu chưa đọc xong nội dung nên chưa sửa được. Vui lòng chờ rồi thử lại."
CHANGED = (
    "Đoạn văn này vừa được người khác sửa trong lúc đồng chí đang sửa. "
    "Nội dung mới nhất ở dưới: vui lòng xem lại rồi sửa tiếp."
)


def _revision() -> int:
    """A new ``Document.text_revision``: random rather than counted, so that the same file as
    another document's, at the same id in another database (a test's), never shares a key
    with a different text in a process's caches."""
    return secrets.randbelow(2**31 - 2) + 1


class CorrectionRefused(ValueError):
    """A correction we cannot make; the message is in Vietnamese, ``status`` the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def fingerprint(text: str) -> str:
    """What a form says it was opened on: the paragraph's words as they were then."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def clean(text: str | None) -> str:
    """One paragraph as typed on a phone: NFC, spaces and line breaks made single spaces,
    control characters dropped (PostgreSQL refuses a NUL in text)."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or ch >= " ")
    return " ".join(text.split())


def find(document_id: int, n: int, *, lock: bool = False) -> tuple[DocumentPage, int] | None:
    """The page holding paragraph ``n`` and the block's index on it, or None."""
    query = (
        sa.select(DocumentPage)
        .where(DocumentPage.document_id == document_id)
        .order_by(DocumentPage.number)
        .options(so.undefer(DocumentPage.unsure))
        .execution_options(populate_existing=True)  # read again after the lock, not the map
    )
    for page in db.session.scalars(query.with_for_update() if lock else query):
        for index, block in enumerate(page.blocks):
            if block["n"] == n:
                return page, index
    return None


def paragraph(document: Document, n: int) -> tuple[DocumentPage, dict[str, Any]]:
    """Paragraph ``n`` of a document whose text is read, or refused in Vietnamese."""
    if document.status is not DocumentStatus.READY:
        raise CorrectionRefused(NOT_READY, 409)
    found = find(document.id, n)
    if found is None:
        raise CorrectionRefused(f"Tài liệu không có đoạn số {n}.", 404)
    page, index = found
    return page, page.blocks[index]


def correct(document: Document, actor: User, n: int, text: str | None, seen: str | None) -> bool:
    """Put ``text`` in place of paragraph ``n`` (opened on the words ``seen`` fingerprints).
    Saving the words unchanged confirms a scanned paragraph as checked. Says whether the
    words changed (then, once committed, send ``text_corrected``)."""
    new = clean(text)
    if not new:
        raise CorrectionRefused("Vui lòng nhập nội dung đoạn văn (không để trống).")
    if len(new) > MAX_CHARS:
        size, limit = (f"{x:,}".replace(",", ".") for x in (len(new), MAX_CHARS))
        raise CorrectionRefused(
            f"Đoạn văn dài {size} ký tự, quá giới hạn {limit} ký tự. "
            "Vui lòng rút gọn hoặc tách thành nhiều lần sửa."
        )
    paragraph(document, n)  # ready, and the paragraph exists
    if not seen:
        raise CorrectionRefused(
            "Biểu mẫu thiếu thông tin đoạn văn đã mở. Vui lòng mở lại trang sửa."
        )
    # The document's row first: a second correction waits here until the first is committed,
    # then reads the page as the first left it (and is refused below).
    db.session.execute(
        sa.update(Document).where(Document.id == document.id).values(text_revision=_revision())
    )
    found = find(document.id, n, lock=True)
    assert found is not None  # numbering never changes while the document is read
    page, index = found
    old = page.blocks[index]["text"]
    if seen != fingerprint(old):
        raise CorrectionRefused(CHANGED, 409)
    checking = page.ocr and n not in checked_paragraphs(document.id)
    marks = page.unsure or []
    kept = [mark for mark in marks if not (isinstance(mark, list) and mark[:1] == [n])]
    if new == old and not checking and len(kept) == len(marks):
        return False  # nothing to keep (the new revision only redraws the same text)
    blocks = [dict(block) for block in page.blocks]  # a new list: the JSON column sees a change
    blocks[index]["text"] = new
    page.blocks = blocks
    page.folded = fold("\n".join(block["text"] for block in blocks))
    page.unsure = kept or None  # checked by a person: its marks go
    record(
        "document.corrected" if new != old else "document.checked",
        actor_id=actor.id,
        target=document,
        organization_id=document.organization_id,
        paragraph=n,
        page=page.number,
        ocr=page.ocr,
        old=old,
        new=new,
    )
    db.session.flush()
    db.session.refresh(document, ["text_revision"])
    logger.info("document %s paragraph %s corrected by %s", document.id, n, actor)
    return new != old


#: The audit entries that mark a paragraph as checked by a person.
CHECKS = ("document.corrected", "document.checked")


def checked_paragraphs(document_id: int) -> set[int]:
    """The paragraphs a secretary has corrected or confirmed, read from the audit entries
    (the blocks keep only what readers and the API are given)."""
    rows = db.session.scalars(
        sa.select(AuditLog.details).where(
            AuditLog.action.in_(CHECKS),
            AuditLog.target_type == "Document",
            AuditLog.target_id == document_id,
        )
    )
    return {int(details["paragraph"]) for details in rows if "paragraph" in details}


class Scan(NamedTuple):
    """Which pages' text came from OCR, and how many of their paragraphs no secretary has
    checked yet (corrected, or saved unchanged)."""

    pages: tuple[int, ...]
    page_count: int
    unchecked: int

    @property
    def partial(self) -> bool:
        return 0 < len(self.pages) < self.page_count

    @property
    def reviewed(self) -> bool:
        return bool(self.pages) and not self.unchecked


@functools.lru_cache(maxsize=512)
def scan(document_id: int, _key: str) -> Scan:
    """Derived from the pages (``DocumentPage.ocr``) and the audit entries of checks, kept
    under ``Document.text_key``, which every correction or check changes."""
    pages: list[int] = []
    checked: set[int] | None = None
    count = unchecked = 0
    for number, ocr, blocks in db.session.execute(
        sa.select(DocumentPage.number, DocumentPage.ocr, DocumentPage.blocks)
        .where(DocumentPage.document_id == document_id)
        .order_by(DocumentPage.number)
    ):
        count += 1
        if ocr:
            pages.append(number)
            checked = checked_paragraphs(document_id) if checked is None else checked
            unchecked += sum(1 for block in blocks if block["n"] not in checked)
    return Scan(tuple(pages), count, unchecked)


def marks(
    blocks: list[dict[str, Any]], unsure: list[list[int]] | None
) -> dict[int, list[tuple[int, int]]]:
    """A page's unsure words by paragraph, as spans within each paragraph's text; a stored
    mark that does not fit its paragraph's text is dropped (a hint, never an error)."""
    by_n: dict[int, list[list[int]]] = {}
    for mark in unsure or []:
        if isinstance(mark, list) and len(mark) == 3 and all(type(x) is int for x in mark):
            by_n.setdefault(mark[0], []).append(mark[1:])
    found: dict[int, list[tuple[int, int]]] = {}
    for block in blocks:
        if block["n"] in by_n and (fitting := spans(sorted(by_n[block["n"]]), len(block["text"]))):
            found[block["n"]] = fitting
    return found


@functools.lru_cache(maxsize=256)
def unsure(document_id: int, _key: str) -> dict[int, tuple[tuple[int, int], ...]]:
    """Every paragraph's unsure words, for those who manage the document: kept under
    ``Document.text_key``, which every correction or check changes. Never read for members."""
    rows = db.session.execute(
        sa.select(DocumentPage.blocks, DocumentPage.unsure)
        .where(DocumentPage.document_id == document_id, DocumentPage.unsure.is_not(None))
        .order_by(DocumentPage.number)
    )
    return {n: tuple(found) for blocks, page in rows for n, found in marks(blocks, page).items()}


def segments(text: str, found: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at its unsure words: (piece, unsure) in order, for a template to mark."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in found:
        if start < at or end > len(text):
            continue  # overlapping or past the end: never a mark on the wrong words
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
