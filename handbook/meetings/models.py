"""Branch meetings and their ordered agenda; documents attach to them (see issue 3)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.orgs.models import Organization, Reach


class MeetingKind(enum.StrEnum):
    REGULAR = "regular"
    THEMATIC = "thematic"

    @property
    def label(self) -> str:
        return {"regular": "Sinh hoạt thường kỳ", "thematic": "Sinh hoạt chuyên đề"}[self.value]


class Meeting(Base):
    __tablename__ = "meetings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Indexed with starts_at below (a branch's next meetings), which serves the key too.
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    kind: so.Mapped[MeetingKind] = so.mapped_column(
        enum_column(MeetingKind),
        default=MeetingKind.REGULAR,
    )
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    place: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    #: A committee's meeting or announcement may go to every branch below it.
    reach: so.Mapped[Reach] = so.mapped_column(enum_column(Reach), default=Reach.SELF)
    #: Members see nothing of the meeting before this moment; ``None`` is a draft.
    publish_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    #: Set once the members have been told of the publication, so they are told once.
    notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cancel_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: Who set the publication: the audience is told, the one who published is not.
    published_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Set once the day-before reminder went out (participation.reminders), so it goes once.
    reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    organization: so.Mapped[Organization] = so.relationship()
    agenda: so.Mapped[list[AgendaItem]] = so.relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

    #: The home page's "next meeting" reads one branch's meetings from a date on; without it a
    #: province's every future meeting was read to keep one (issue #12 item 8).
    __table_args__ = (
        sa.Index("ix_meetings_organization_id_starts_at", "organization_id", "starts_at"),
    )

    def is_published(self, now: datetime | None = None) -> bool:
        return self.publish_at is not None and self.publish_at <= (now or utcnow())

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(500))

    meeting: so.Mapped[Meeting] = so.relationship(back_populates="agenda")

    __table_args__ = (sa.UniqueConstraint("meeting_id", "position"),)
