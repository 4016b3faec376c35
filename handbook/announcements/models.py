"""Announcements (thông báo): a committee's or a branch's word to its organisation or to its
whole subtree, outside any meeting, with the documents sent with it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.documents.models import Document
from handbook.orgs.models import Organization, Reach

#: Longest title and body, in characters.
TITLE_MAX = 300
BODY_MAX = 20_000
REASON_MAX = 500


class Announcement(Base):
    __tablename__ = "announcements"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: The organisation that sends it (a branch, or a committee for itself or its subtree).
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    reach: so.Mapped[Reach] = so.mapped_column(enum_column(Reach), default=Reach.SELF)
    title: so.Mapped[str] = so.mapped_column(sa.String(TITLE_MAX))
    #: Plain text; paragraphs are separated by line breaks.
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: Its audience sees it from this moment; ``None``: withdrawn before it went out.
    publish_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    #: Set once its audience has been told, so they are told once.
    notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Withdrawn by its sender: its words and documents are no longer shown, the reason is.
    withdrawn_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    withdrawn_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    withdraw_reason: so.Mapped[str] = so.mapped_column(sa.String(REASON_MAX), default="")

    organization: so.Mapped[Organization] = so.relationship()
    documents: so.Mapped[list[Document]] = so.relationship(
        secondary="announcement_documents", order_by=Document.id, viewonly=True
    )

    def is_published(self, now: datetime | None = None) -> bool:
        """Out to its audience: its time has come (a withdrawal after that is shown as one)."""
        return self.publish_at is not None and self.publish_at <= (now or utcnow())

    def state(self, now: datetime | None = None) -> Literal["scheduled", "published", "withdrawn"]:
        """``withdrawn`` (before or after it went out), ``published`` or ``scheduled``."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "published" if self.is_published(now) else "scheduled"

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.body.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Announcement {self.id} {self.title!r}>"


class AnnouncementDocument(Base):
    """A document sent with an announcement: published, told and withdrawn with it."""

    __tablename__ = "announcement_documents"

    #: A document goes with one announcement at most.
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    announcement_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
