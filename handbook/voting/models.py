"""A meeting's votes (biểu quyết): the motion, its choices with their tallies, who voted, and
who could at closing.

A secret ballot keeps no ballot at all: casting adds one to the chosen option's ``tally`` and
writes a ``Voter`` row (that the member voted) with no choice, in one transaction. Nothing
stores a choice beside a person, an order or a time, so nothing can link the two: not a row id,
not a timestamp, not a log line. An open ballot also writes the choice on the voter's row, which
the secretary may show. A show of hands has no voters: the secretary enters the tallies.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.attendance.rules import Rule
from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.meetings.models import AgendaItem, Meeting


class VoteKind(enum.StrEnum):
    #: A motion: for, against, abstain.
    MOTION = "motion"
    #: A draft resolution: as a motion, and adopted it becomes a document (issue #13 item 5).
    RESOLUTION = "resolution"
    #: A list of options: each member picks one (or abstains).
    OPTIONS = "options"


class Method(enum.StrEnum):
    #: Each member votes from their phone.
    PHONES = "phones"
    #: A show of hands in the room: the secretary enters the counts.
    HANDS = "hands"


class Choice(enum.StrEnum):
    """What an option stands for: the three answers to a motion, or one of a list."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    OPTION = "option"


#: The three answers' labels (Quy định 24-QĐ/TW's words for them).
CHOICE_LABELS = {
    Choice.YES: "Tán thành",
    Choice.NO: "Không tán thành",
    Choice.ABSTAIN: "Không biểu quyết",
}


class Vote(Base):
    """One vote of a meeting, from its draft to its result."""

    __tablename__ = "votes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    #: Order among the meeting's votes.
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    #: The motion's or the draft resolution's text.
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    kind: so.Mapped[VoteKind] = so.mapped_column(enum_column(VoteKind), default=VoteKind.MOTION)
    rule: so.Mapped[Rule] = so.mapped_column(enum_column(Rule), default=Rule.RESOLUTION)
    secret: so.Mapped[bool] = so.mapped_column(default=False)
    method: so.Mapped[Method] = so.mapped_column(enum_column(Method), default=Method.PHONES)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: ``None`` until the secretary opens it.
    opened_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: ``None`` while open; once set, the result is final and shown.
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Frozen at closing: the base ``n`` of the rule (official members convened, or for the
    #: discipline rules every official member) and how many could vote then.
    base: so.Mapped[int | None] = so.mapped_column()
    eligible_count: so.Mapped[int | None] = so.mapped_column()
    #: Frozen at closing: whether it passed (for a list, whether an option did).
    passed: so.Mapped[bool | None] = so.mapped_column()
    #: An adopted resolution's document (issue #13 item 5).
    document_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL")
    )
    #: Bumped by every change (open, close, counts, edits): the second of two editors is told.
    version: so.Mapped[int] = so.mapped_column(default=1)

    meeting: so.Mapped[Meeting] = so.relationship()
    agenda_item: so.Mapped[AgendaItem | None] = so.relationship()
    options: so.Mapped[list[VoteOption]] = so.relationship(
        back_populates="vote", order_by="VoteOption.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None

    def __repr__(self) -> str:
        return f"<Vote {self.id} {self.title!r}>"


class VoteOption(Base):
    """One choice of a vote and how many chose it (a secret ballot's only record of choices)."""

    __tablename__ = "vote_options"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    vote_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("votes.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    choice: so.Mapped[Choice] = so.mapped_column(enum_column(Choice))
    label: so.Mapped[str] = so.mapped_column(sa.String(300))
    tally: so.Mapped[int] = so.mapped_column(default=0)

    vote: so.Mapped[Vote] = so.relationship(back_populates="options")

    __table_args__ = (sa.UniqueConstraint("vote_id", "position"),)


class Voter(Base):
    """That a member voted (once). For an open ballot only, what they chose."""

    __tablename__ = "voters"

    vote_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: The phone's id for this ballot: the same ballot sent again is answered, not counted.
    client_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: ``None`` in a secret ballot, always.
    option_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("vote_options.id", ondelete="CASCADE")
    )

    user: so.Mapped[User] = so.relationship()

    # No rowid on SQLite: rows are kept in the key's order (vote, member), never in the order
    # the ballots came, so not even the file's layout says who voted first.
    __table_args__ = {"sqlite_with_rowid": False}


class Eligible(Base):
    """Who could vote when the vote closed (official, convened, present), frozen then."""

    __tablename__ = "vote_eligibles"

    vote_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
