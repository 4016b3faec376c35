"""A meeting's minutes: its facts (chair, minute-taker, times, place), its sections, the
approvals given, each approved version kept whole with its hash, and its readings aloud.

Shaped like indico's note and revisions: the minutes row is the draft being worked on; an
approved version is copied into ``MinutesVersion`` (canonical text, sha256, what to draw it
from) and never changes again; a later change starts the next version.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.meetings.models import Meeting


class SectionKind(enum.StrEnum):
    OPENING = "opening"
    ATTENDANCE = "attendance"
    #: One per agenda item (``agenda_item_id``), or the meeting's general documents (none).
    ITEM = "item"
    CONCLUSIONS = "conclusions"
    CLOSING = "closing"


class Signer(enum.StrEnum):
    """Who signs the minutes (Quy định 24-QĐ/TW: the chair and the minute-taker)."""

    CHAIR = "chair"
    TAKER = "taker"

    @property
    def label(self) -> str:
        return "Chủ trì" if self is Signer.CHAIR else "Thư ký"


class Minutes(Base):
    """The minutes of one meeting, as being drafted (or as last approved, while locked)."""

    __tablename__ = "minutes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    #: The chair (chủ trì) and the minute-taker (thư ký cuộc họp), members of the branch.
    chair_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    taker_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    place: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    #: The version being drafted, or the one approved while ``locked_at`` is set.
    number: so.Mapped[int] = so.mapped_column(default=1)
    #: Set when both signers approved this version's text: nothing changes it any more.
    locked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: The approved text's sha256, while locked.
    text_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: Bumped by every change of the text (a section, a fact, a refresh): an approval names the
    #: revision its signer read, and locking happens only on that revision.
    revision: so.Mapped[int] = so.mapped_column(default=1)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    meeting: so.Mapped[Meeting] = so.relationship()
    chair: so.Mapped[User | None] = so.relationship(foreign_keys=[chair_id])
    taker: so.Mapped[User | None] = so.relationship(foreign_keys=[taker_id])
    sections: so.Mapped[list[MinutesSection]] = so.relationship(
        back_populates="minutes",
        order_by="[MinutesSection.position, MinutesSection.id]",
        cascade="all, delete-orphan",
    )

    def signer(self, user_id: int) -> Signer | None:
        """Whether ``user_id`` signs these minutes, and as what."""
        if user_id == self.chair_id:
            return Signer.CHAIR
        if user_id == self.taker_id:
            return Signer.TAKER
        return None

    def __repr__(self) -> str:
        return f"<Minutes {self.id} meeting={self.meeting_id} v{self.number}>"


class MinutesSection(Base):
    """One part of the minutes: what the system drafted, and what a person wrote over it."""

    __tablename__ = "minutes_sections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    minutes_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    kind: so.Mapped[SectionKind] = so.mapped_column(enum_column(SectionKind))
    agenda_item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(600))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    #: The system's latest draft of this section, from the branch's data.
    auto_body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    #: A person wrote this section: drafting again never overwrites it.
    edited: so.Mapped[bool] = so.mapped_column(default=False)
    #: The system's draft changed since the person wrote: "Cập nhật phần tự động" is offered.
    auto_newer: so.Mapped[bool] = so.mapped_column(default=False)
    edited_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    edited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Bumped by every change: of two secretaries saving the same version, the second is told.
    version: so.Mapped[int] = so.mapped_column(default=1)

    minutes: so.Mapped[Minutes] = so.relationship(back_populates="sections")
    edited_by: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<MinutesSection {self.id} {self.kind.value} v{self.version}>"


class MinutesApproval(Base):
    """A signer approved the text with this hash, in this version of the minutes."""

    __tablename__ = "minutes_approvals"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    minutes_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    number: so.Mapped[int]
    signer: so.Mapped[Signer] = so.mapped_column(enum_column(Signer))
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The name as it was, kept with the record.
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    approved_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    text_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))

    __table_args__ = (sa.UniqueConstraint("minutes_id", "number", "signer", "text_sha256"),)


class MinutesVersion(Base):
    """An approved version, kept whole: its canonical text and hash, and what draws it."""

    __tablename__ = "minutes_versions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    minutes_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    number: so.Mapped[int]
    locked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: ``record.canonical``: what the hash is of, so anyone can check it.
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    text_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: ``record.Record`` as JSON (header, title, sections, signers), for pages and exports.
    record: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("minutes_id", "number"),)


class MinutesAudio(Base):
    """The minutes' text read aloud, once per text (its hash), by the documents' voice."""

    __tablename__ = "minutes_audio"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    minutes_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    #: The hash of what is read (``record.spoken_sha256``).
    text_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: What is read: ``[[title, [line, …]], …]``.
    sections: so.Mapped[list[Any]] = so.mapped_column(sa.JSON)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="queued")
    progress: so.Mapped[int] = so.mapped_column(default=0)
    requested_engine: so.Mapped[str] = so.mapped_column(sa.String(16), default="auto")
    engine: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    blob_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    duration: so.Mapped[float] = so.mapped_column(default=0.0)
    size: so.Mapped[int] = so.mapped_column(default=0)
    error_message: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("minutes_id", "text_sha256"),)
