"""What the library shows a member, and the writes on their own shelf (saving, notes).

What a member may read is decided by the one policy: the library's query narrows by
``documents_where`` (the policy's SQL twin) and every row is then asked ``can`` again, at
every reading, so a document that became invisible (a member moved, a publication withdrawn)
drops out of the library and of "Tài liệu của tôi" alike, its bookmark and notes kept but
unshown. Notes are logged by id only: their text never enters a log line.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from handbook.core import db
from handbook.core.policy import Action, can, reads
from handbook.core.timeutil import to_local, utcnow
from handbook.documents.models import Document, DocumentPage
from handbook.documents.policy import documents_where, published
from handbook.library.kinds import Kind, kind_of
from handbook.library.models import NOTE_MAX_CHARS, Bookmark, Note
from handbook.orgs.models import Organization, Reach

logger = logging.getLogger(__name__)

#: Words of a paragraph quoted beside a note in "Tài liệu của tôi".
QUOTE_WORDS = 12


class NoteRefused(ValueError):
    """A note that cannot be kept, with the reason to show the member."""


@dataclass
class Shelf:
    """A library's documents, with each one's kind and year (its publication's, local time)."""

    documents: list[Document]
    kinds: dict[int, Kind | None]
    years: dict[int, int]


def published_to(org: Organization) -> sa.ColumnElement[bool]:
    """Documents the organisation received: its own, and those a committee above sent to its
    whole subtree; published (a draft is not received yet)."""
    return sa.and_(
        sa.or_(
            Document.organization_id == org.id,
            sa.and_(
                Document.reach == Reach.SUBTREE,
                Document.organization_id.in_([i for i in org.ancestor_ids if i != org.id]),
            ),
        ),
        published(utcnow()),
    )


def _year(document: Document) -> int:
    when = document.effective_publish_at or document.created_at
    return to_local(when).year


def _openings(document_ids: list[int]) -> dict[int, str]:
    """The first lines of each document's text, for a kind its title does not name."""
    if not document_ids:
        return {}
    rows = db.session.execute(
        sa.select(DocumentPage.document_id, DocumentPage.blocks).where(
            DocumentPage.document_id.in_(document_ids), DocumentPage.number == 1
        )
    )
    return {doc_id: "\n".join(b["text"] for b in blocks[:12]) for doc_id, blocks in rows}


def shelf(user: Any, org: Organization) -> Shelf:
    """Every document of ``org``'s library that ``user`` may read, newest first."""
    found = db.session.scalars(
        sa.select(Document)
        .options(*reads(Document))
        .where(published_to(org), documents_where(user))
        .order_by(Document.publish_at.desc(), Document.id.desc())
    ).all()
    documents = [d for d in found if d.is_published() and can(user, Action.DOCUMENT_VIEW, d)]
    documents.sort(key=lambda d: (d.effective_publish_at or d.created_at, d.id), reverse=True)
    kinds = {d.id: kind_of(d.title) for d in documents}
    openings = _openings([i for i, k in kinds.items() if k is None])
    for doc_id, opening in openings.items():
        kinds[doc_id] = kind_of("", opening)
    return Shelf(documents, kinds, {d.id: _year(d) for d in documents})


def is_saved(user: Any, document: Document) -> bool:
    return db.session.get(Bookmark, (user.id, document.id)) is not None


def set_saved(user: Any, document: Document, saved: bool) -> None:
    """Save or unsave; asking twice changes nothing (a double tap, a form sent again)."""
    found = db.session.get(Bookmark, (user.id, document.id))
    if saved and found is None:
        db.session.add(Bookmark(user_id=user.id, document_id=document.id))
        logger.info("document %s saved by user %s", document.id, user.id)
    elif not saved and found is not None:
        db.session.delete(found)
        logger.info("document %s unsaved by user %s", document.id, user.id)
    db.session.flush()


def notes_on(user: Any, document: Document) -> list[Note]:
    """The user's own notes on the document, in the text's order: nobody else's, ever."""
    return list(
        db.session.scalars(
            sa.select(Note)
            .where(Note.user_id == user.id, Note.document_id == document.id)
            .order_by(Note.paragraph)
        )
    )


def _paragraph_count(document: Document) -> int:
    """The last paragraph number of the document's text (0 before it is read)."""
    blocks = db.session.scalar(
        sa.select(DocumentPage.blocks)
        .where(DocumentPage.document_id == document.id)
        .order_by(DocumentPage.number.desc())
        .limit(1)
    )
    return max((int(b["n"]) for b in blocks or ()), default=0)


def save_note(user: Any, document: Document, paragraph: Any, body: Any) -> Note | None:
    """Write (or rewrite) the user's note on a paragraph; an empty note deletes it."""
    try:
        number = int(paragraph)
    except (TypeError, ValueError):
        raise NoteRefused("Vui lòng chọn đoạn văn để ghi chú.") from None
    last = _paragraph_count(document)
    if not 1 <= number <= last:
        raise NoteRefused(
            f"Tài liệu không có đoạn {number}." if last else "Tài liệu chưa có nội dung để ghi chú."
        )
    text = (body if isinstance(body, str) else "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise NoteRefused(
            f"Ghi chú dài {len(text)} ký tự, tối đa {NOTE_MAX_CHARS} ký tự. Vui lòng rút gọn."
        )
    note = db.session.scalar(
        sa.select(Note).where(
            Note.user_id == user.id, Note.document_id == document.id, Note.paragraph == number
        )
    )
    if not text:
        if note is not None:
            delete_note(user, note)
        return None
    if note is None:
        note = Note(user_id=user.id, document_id=document.id, paragraph=number, body=text)
        db.session.add(note)
    else:
        note.body = text
        note.updated_at = utcnow()
    db.session.flush()
    logger.info("note %s on document %s saved by user %s", note.id, document.id, user.id)
    return note


def delete_note(user: Any, note: Note) -> None:
    if note.user_id != user.id:  # never reached through a route: they only find one's own
        raise NoteRefused("Không tìm thấy ghi chú.")
    db.session.delete(note)
    db.session.flush()
    logger.info("note %s on document %s deleted by user %s", note.id, note.document_id, user.id)


@dataclass
class Shelved:
    """One document in "Tài liệu của tôi": saved or not, with the member's notes on it."""

    document: Document
    saved_at: datetime | None = None
    notes: list[tuple[Note, str]] = field(default_factory=list)


def _quotes(wanted: dict[int, set[int]]) -> dict[tuple[int, int], str]:
    """The first words of each (document, paragraph) asked for."""
    quotes: dict[tuple[int, int], str] = {}
    if not wanted:
        return quotes
    rows = db.session.execute(
        sa.select(DocumentPage.document_id, DocumentPage.blocks).where(
            DocumentPage.document_id.in_(list(wanted))
        )
    )
    for doc_id, blocks in rows:
        for block in blocks:
            if block["n"] in wanted[doc_id]:
                words = block["text"].split()
                quote = " ".join(words[:QUOTE_WORDS])
                quotes[(doc_id, block["n"])] = quote + ("…" if len(words) > QUOTE_WORDS else "")
    return quotes


def my_shelf(user: Any) -> list[Shelved]:
    """The user's saved documents and notes, only on documents they may still read (asked
    now, of the policy), the latest saved or noted first."""
    found: dict[int, Shelved] = {}
    for bookmark in db.session.scalars(
        sa.select(Bookmark).where(Bookmark.user_id == user.id).order_by(Bookmark.created_at)
    ):
        found[bookmark.document_id] = Shelved(bookmark.document, saved_at=bookmark.created_at)
    notes = db.session.scalars(
        sa.select(Note).where(Note.user_id == user.id).order_by(Note.document_id, Note.paragraph)
    ).all()
    for note in notes:
        found.setdefault(note.document_id, Shelved(note.document))
    visible = {
        doc_id: item
        for doc_id, item in found.items()
        if can(user, Action.DOCUMENT_VIEW, item.document)
    }
    wanted: dict[int, set[int]] = defaultdict(set)
    for note in notes:
        if note.document_id in visible:
            wanted[note.document_id].add(note.paragraph)
    quotes = _quotes(wanted)
    for note in notes:
        if note.document_id in visible:
            quote = quotes.get((note.document_id, note.paragraph), "")
            visible[note.document_id].notes.append((note, quote))

    def latest(item: Shelved) -> datetime:
        times = [n.updated_at for n, _ in item.notes]
        if item.saved_at is not None:
            times.append(item.saved_at)
        return max(times)

    return sorted(visible.values(), key=latest, reverse=True)
