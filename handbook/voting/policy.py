"""The policy's rule for votes: who sees one, who manages it, who casts a ballot, and, for a
ballot refused, why (``refusal``: the rule and its explanation are one piece of code).

- seeing a vote follows its meeting (``MEETING_VIEW``: another branch's member gets 404); a
  draft, not yet opened, only its managers see;
- managing (``VOTE_MANAGE``: create, edit a draft, open, close, enter a show of hands) is for
  those who manage the meeting (``MEETING_MANAGE``): the branch's secretary, and admins above;
- casting (``VOTE_CAST``) is for a member of the meeting's own organisation whose attendance
  row says they may vote (``attendance.rules.may_vote``: official, convened, there), while the
  vote is open on phones and the meeting not cancelled. A state that closes it for everyone:
  platform administrators vote only where they are convened members.
"""

from __future__ import annotations

import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.attendance import operations as attendance
from handbook.attendance.rules import convened, may_vote
from handbook.core.policy import Action, can, rule
from handbook.meetings.models import Meeting
from handbook.voting.models import Method, Vote
from handbook.voting.operations import CLOSED_BEFORE, NOT_FOUND, VoteError

PROBATIONARY = "Đảng viên dự bị không biểu quyết (Điều lệ Đảng, Điều 5)."
NOT_CHECKED_IN = (
    "Đồng chí chưa điểm danh có mặt ở buổi sinh hoạt này nên chưa biểu quyết được. "
    "Hãy điểm danh trước."
)


@rule(
    Vote,
    view=Action.MEETING_VIEW,
    loads=(so.joinedload(Vote.meeting).joinedload(Meeting.organization),),
)
def _vote(actor: User, action: Action, vote: Vote) -> bool:
    manage = can(actor, Action.MEETING_MANAGE, vote.meeting)
    if action is Action.MEETING_VIEW:
        return manage or (vote.opened_at is not None and can(actor, action, vote.meeting))
    if action is Action.VOTE_MANAGE:
        return manage
    if action is Action.VOTE_CAST:
        return refusal(actor, vote) is None
    return False


def refusal(user: User, vote: Vote) -> VoteError | None:
    """Why ``user`` may not cast a ballot in ``vote`` now, or ``None`` when they may."""
    meeting = vote.meeting
    if not can(user, Action.MEETING_VIEW, vote):
        return VoteError(NOT_FOUND, 404)
    if meeting.cancelled_at is not None:
        return VoteError("Buổi sinh hoạt đã bị hủy: không biểu quyết được.", 409)
    if vote.method is Method.HANDS:
        return VoteError(
            "Biểu quyết này bằng hình thức giơ tay tại phòng họp: bí thư nhập kết quả.", 409
        )
    if vote.opened_at is None:
        return VoteError("Biểu quyết chưa bắt đầu.", 409)
    if vote.closed_at is not None:
        return VoteError(CLOSED_BEFORE, 409)
    row = attendance.entry_of(meeting.id, user.id)
    member = any(m.organization_id == meeting.organization_id for m in user.memberships)
    if row is None or not member:
        return VoteError(
            "Đồng chí không có tên trong danh sách triệu tập buổi sinh hoạt này "
            "nên không biểu quyết được.",
            403,
        )
    facts = row.facts()
    if may_vote(facts):
        return None
    if not facts.official:
        return VoteError(PROBATIONARY, 403)
    if not convened(facts) and row.situation is not None:
        return VoteError(
            f"Đồng chí đang ở tình trạng “{row.situation.label}” nên không biểu quyết ở buổi "
            "sinh hoạt này.",
            403,
        )
    if row.mark is None:
        return VoteError(NOT_CHECKED_IN, 403)
    return VoteError(
        f"Đồng chí được ghi “{row.mark.label}” ở buổi sinh hoạt này nên không biểu quyết được.",
        403,
    )
