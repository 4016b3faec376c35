"""A member's own shelf: the documents they saved, and their private notes on paragraphs.

Both rows belong to one member and go with their account (``ON DELETE CASCADE`` on the user),
and with the document. Nothing here is ever shown to anyone but its owner: no other page, API,
export, search or socket event reads these tables.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.documents.models import Document

#: A note is a reminder in the margin, not an essay.
NOTE_MAX_CHARS = 2000


class Bookmark(Base):
    """A document a member saved ("Lưu tài liệu"), keyed by both so a page reads it by key."""

    __tablename__ = "bookmarks"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    document: so.Mapped[Document] = so.relationship()


class Note(Base):
    """A member's private note on one paragraph (``#p-N``) of a document: one per paragraph,
    edited in place, so the margin never holds two notes that contradict each other."""

    __tablename__ = "notes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    #: The paragraph's number in the whole document, as its ``data-n``.
    paragraph: so.Mapped[int]
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    document: so.Mapped[Document] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "document_id", "paragraph"),
        sa.CheckConstraint(f"length(body) <= {NOTE_MAX_CHARS}", name="body_length"),
    )
