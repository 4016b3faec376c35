"""Comments on a document, one of its paragraphs, or an agenda item, with one level of replies."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow


class Disposition(enum.StrEnum):
    """What the secretary decided about a comment for the meeting's record."""

    NONE = "none"
    ACCEPTED = "accepted"
    EXPLAIN = "explain"

    @property
    def label(self) -> str:
        return {"none": "", "accepted": "đã tiếp thu", "explain": "cần giải trình"}[self.value]


class Comment(Base):
    __tablename__ = "comments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Every comment belongs to a meeting (its room for grouping and export).
    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    #: On a document (and maybe one of its paragraphs), or on an agenda item.
    document_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    paragraph: so.Mapped[int | None]
    agenda_item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE")
    )
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: Chosen by the author's device for each new comment: a resend stores nothing twice.
    client_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    #: A spoken comment: its recording in the voice store (Opus in WebM or Ogg), sniffed and
    #: timed on upload. Its ``body`` may then be empty: no transcript is made (no offline
    #: Vietnamese speech recognition is installable here).
    voice_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: ``webm`` or ``ogg``: the container the sniffer found, not what the browser claimed.
    voice_kind: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    #: The recording's length, measured on the server from the container's timestamps.
    voice_ms: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    edited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    hidden_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    hidden_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    hidden_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: When a hidden comment was last shown again ("Hiện lại"): a reader who was away asks
    #: what changed since a time, and showing again clears ``hidden_at``.
    unhidden_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    disposition: so.Mapped[Disposition] = so.mapped_column(
        enum_column(Disposition), default=Disposition.NONE
    )
    #: Bumped on every change, so a client can tell a newer version from an older one.
    version: so.Mapped[int] = so.mapped_column(default=1)

    author: so.Mapped[User] = so.relationship(foreign_keys=[author_id])

    __table_args__ = (
        sa.UniqueConstraint("author_id", "client_id"),
        # A member's latest comment (the no-JavaScript form's key), without their history.
        sa.Index("ix_comments_author_id_id", "author_id", "id"),
        # A meeting's agenda discussion, without its documents' comments.
        sa.Index(
            "ix_comments_agenda_discussion",
            "meeting_id",
            "id",
            postgresql_where=sa.text(
                "agenda_item_id IS NOT NULL AND document_id IS NULL AND deleted_at IS NULL"
            ),
            sqlite_where=sa.text(
                "agenda_item_id IS NOT NULL AND document_id IS NULL AND deleted_at IS NULL"
            ),
        ),
        sa.CheckConstraint(
            "document_id IS NOT NULL OR agenda_item_id IS NOT NULL", name="has_target"
        ),
    )

    @property
    def voice_seconds(self) -> int:
        """A voice comment's length in whole seconds (0 for a written one)."""
        return round((self.voice_ms or 0) / 1000)

    @property
    def voice_clock(self) -> str:
        """Its length as a player shows it: ``1:05``."""
        return "{}:{:02d}".format(*divmod(self.voice_seconds, 60))

    def __repr__(self) -> str:
        return f"<Comment {self.id} by {self.author_id}>"
