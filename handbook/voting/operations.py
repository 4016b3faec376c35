"""What every change to a vote shares: the refusal it raises, the conditional UPDATE that tells
the second of two secretaries, the room its screens follow, the attendance it is counted
against, and the pushes that go out after the commit.

The changes themselves live by concept: ``drafting`` (create, edit a draft), ``ballots``
(casting), ``closing`` (open, hand counts, close), ``resolution`` (an adopted resolution's
document); ``state`` says what a vote looks like to whom, and ``service`` is what Socket.IO and
the HTTP API both call.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.attendance import operations as attendance
from handbook.attendance.models import Attendance
from handbook.core import db
from handbook.core.aftercommit import after_commit
from handbook.core.policy import reads
from handbook.core.realtime import push
from handbook.meetings.models import Meeting
from handbook.voting.models import Vote, Voter

logger = logging.getLogger(__name__)

#: Told to a ballot that arrives once the vote has closed (a phone back from a dead zone too).
CLOSED_BEFORE = "Biểu quyết đã kết thúc trước khi phiếu của đồng chí được gửi."
NOT_FOUND = "Không tìm thấy biểu quyết."


class VoteError(Exception):
    """A refusal with a Vietnamese message and the HTTP status that fits it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def room(meeting_id: int) -> str:
    """The Socket.IO room of a meeting's votes: the secretary's desk and the members' ballots."""
    return f"votes:{meeting_id}"


def get_vote(vote_id: int) -> Vote | None:
    """The vote with what its policy rule reads (meeting, organisation), or ``None``."""
    return db.session.get(Vote, vote_id, options=reads(Vote))


def meeting_votes(meeting: Meeting) -> list[Vote]:
    """The meeting's votes in their order, with their options."""
    return list(
        db.session.scalars(
            sa.select(Vote)
            .where(Vote.meeting_id == meeting.id)
            .order_by(Vote.position, Vote.id)
            .options(so.selectinload(Vote.options))
        )
    )


def rows_of(meeting: Meeting) -> list[Attendance]:
    """The meeting's attendance list (empty before check-in is first opened)."""
    sheet = attendance.sheet_of(meeting)
    return attendance.entries(sheet) if attendance.started(sheet) else []


def eligible_now(meeting: Meeting) -> int:
    """Official members, convened and present: who may vote now (``attendance.summary``)."""
    return attendance.summary(attendance.sheet_of(meeting)).counts.eligible


def voter_counts(vote_ids: list[int]) -> dict[int, int]:
    """How many members voted in each vote (nothing about what they chose)."""
    if not vote_ids:
        return {}
    found = db.session.execute(
        sa.select(Voter.vote_id, sa.func.count())
        .where(Voter.vote_id.in_(vote_ids))
        .group_by(Voter.vote_id)
    )
    return {vote_id: count for vote_id, count in found}


def changed_by_someone(vote: Vote) -> VoteError:
    """What the second of two secretaries is told (the vote as it is now is in their page)."""
    state = "đã kết thúc" if vote.closed_at else "đang mở" if vote.opened_at else "bản nháp"
    return VoteError(
        f"Biểu quyết “{vote.title}” vừa được người khác thay đổi (hiện {state}). Thay đổi của "
        "đồng chí chưa được lưu: hãy xem lại rồi làm lại nếu vẫn cần.",
        409,
    )


def check_seen(vote: Vote, seen: int) -> None:
    """Refuse at once a change made from a stale page (the same answer ``bump`` gives a race)."""
    if vote.version != seen:
        raise changed_by_someone(vote)


def bump(vote: Vote, seen: int, **values: Any) -> None:
    """Change the vote if nobody did since the secretary saw ``seen``: one conditional UPDATE
    that bumps ``version``; otherwise a 409 that says so (nothing written)."""
    done = db.session.execute(
        sa.update(Vote)
        .where(Vote.id == vote.id, Vote.version == seen)
        .values(version=Vote.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(vote)
    if not done.rowcount:  # type: ignore[attr-defined]
        raise changed_by_someone(vote)


def lock_open(vote: Vote) -> bool:
    """Take the vote's row for this transaction if it is open (a ballot's first statement).

    An UPDATE that changes nothing, but it takes the row: a ballot and the closing are then one
    after the other, on PostgreSQL (its row lock; a ballot waiting for a closing re-reads the
    row and finds it closed) and on SQLite (the write lock, and the transaction's first read
    comes after it). Without it a ballot checked "open" could add to a tally the closing had
    already counted.
    """
    done = db.session.execute(
        sa.update(Vote)
        .where(Vote.id == vote.id, Vote.opened_at.is_not(None), Vote.closed_at.is_(None))
        .values(version=Vote.version)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def announce(event: str, meeting_id: int, data: dict[str, Any]) -> None:
    """Tell the meeting's vote screens once the change commits (never if it rolls back)."""
    after_commit(push, event, {"meeting": meeting_id, **data}, to=room(meeting_id))
