"""Opening a vote, entering a show of hands, and closing: the result frozen and told.

Opening needs someone to vote: at least one official member convened and present. Closing
freezes, in the transaction that sets ``closed_at``, the rule's base ``n``, who could vote
(``Eligible``, and their number), and whether it passed; from then the result is shown
(``results.result_of``) and pushed to the meeting's screens. Until then no answer, page,
socket message or log line carries a tally.

The base, by rule:

- ``RESOLUTION``: the official members convened (Quy định 24-QĐ/TW 2021 §9.3: not counted are
  members working elsewhere, suspended or prosecuted, exempted members who are absent, and
  members absent all meeting with an approved reason; ``rules.Counts.official_convened``).
- ``DISCIPLINE`` and ``EXPULSION``: every official member of the organisation (Quy định
  69-QĐ/TW, 6 July 2022, Điều 15: a reprimand, warning or dismissal "phải được biểu quyết với
  sự đồng ý của trên một nửa số đảng viên chính thức" of the organisation, an expulsion "ít
  nhất hai phần ba số đảng viên chính thức"; the text names the organisation's official
  members, with none of §9.3's exclusions), as on the meeting's list.

A member who voted is counted in the base whatever was noted of them later (they came and
voted, as §9.3 counts an exempted member who comes), so the votes in favour never exceed it.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.rules import Rule, convened, may_vote
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.voting import resolution
from handbook.voting.models import Eligible, Method, Vote, VoteKind, VoteOption, Voter
from handbook.voting.operations import (
    VoteError,
    announce,
    bump,
    check_seen,
    eligible_now,
    rows_of,
)
from handbook.voting.results import Result, result_of
from handbook.voting.state import public_json

logger = logging.getLogger(__name__)

NOBODY_PRESENT = "Chưa có đảng viên chính thức nào có mặt để biểu quyết."
#: The largest count a show of hands may name for one option (a branch is far smaller).
MAX_HANDS = 10_000


def _refuse_cancelled(vote: Vote) -> None:
    if vote.meeting.cancelled_at is not None:
        raise VoteError("Buổi sinh hoạt đã bị hủy: không biểu quyết được.", 409)


def open_vote(vote: Vote, actor: User, seen: int) -> Vote:
    """Open a draft for the members (phones) or the show of hands."""
    _refuse_cancelled(vote)
    check_seen(vote, seen)
    if vote.closed_at is not None:
        raise VoteError("Biểu quyết đã kết thúc.", 409)
    if vote.opened_at is not None:
        raise VoteError("Biểu quyết đã được mở.", 409)
    if eligible_now(vote.meeting) == 0:
        raise VoteError(NOBODY_PRESENT, 409)
    bump(vote, seen, opened_at=utcnow())
    record(
        "vote.opened",
        actor_id=actor.id,
        target=vote,
        organization_id=vote.meeting.organization_id,
        meeting_id=vote.meeting_id,
    )
    announce("vote.opened", vote.meeting_id, {"vote": public_json(vote, cast=0)})
    return vote


def _fresh_options(vote: Vote) -> list[VoteOption]:
    """The options with their tallies as stored now (never as an earlier read left them)."""
    return list(
        db.session.scalars(
            sa.select(VoteOption)
            .where(VoteOption.vote_id == vote.id)
            .order_by(VoteOption.position)
            .execution_options(populate_existing=True)
        )
    )


def enter_counts(vote: Vote, actor: User, counts: dict[int, Any], seen: int) -> Vote:
    """A show of hands: the counts the secretary saw, per option (those not named: none)."""
    check_seen(vote, seen)
    if vote.method is not Method.HANDS:
        raise VoteError("Biểu quyết này trên điện thoại: không nhập số phiếu bằng tay.", 409)
    if vote.opened_at is None or vote.closed_at is not None:
        raise VoteError("Chỉ nhập kết quả giơ tay khi biểu quyết đang mở.", 409)
    known = {o.id for o in vote.options}
    if set(counts) - known:
        raise VoteError("Lựa chọn không thuộc biểu quyết này.")
    clean: dict[int, int] = {}
    for option_id, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise VoteError("Số người giơ tay phải là số nguyên không âm.")
        if count > MAX_HANDS:
            raise VoteError(f"Số người giơ tay không được lớn hơn {MAX_HANDS}.")
        clean[option_id] = count
    total, eligible = sum(clean.values()), eligible_now(vote.meeting)
    if total > eligible:
        raise VoteError(
            f"Tổng số người giơ tay ({total}) nhiều hơn số đảng viên được biểu quyết đang có "
            f"mặt ({eligible}).",
        )
    bump(vote, seen)
    for option in _fresh_options(vote):
        option.tally = clean.get(option.id, 0)
    record(
        "vote.counts",
        actor_id=actor.id,
        target=vote,
        organization_id=vote.meeting.organization_id,
        meeting_id=vote.meeting_id,
        total=total,
    )
    return vote


def close_vote(vote: Vote, actor: User, seen: int) -> Result:
    """Close an open vote: freeze its base, who could vote and its verdict; tell the room; an
    adopted resolution becomes a document of the meeting (once: the closing happens once)."""
    check_seen(vote, seen)
    if vote.opened_at is None:
        raise VoteError("Biểu quyết chưa mở nên chưa kết thúc được.", 409)
    if vote.closed_at is not None:
        raise VoteError("Biểu quyết đã kết thúc.", 409)
    # First: a ballot under way finishes before, one after finds the vote closed.
    bump(vote, seen, closed_at=utcnow())
    rows = rows_of(vote.meeting)
    voters = set(db.session.scalars(sa.select(Voter.user_id).where(Voter.vote_id == vote.id)))
    counted = voters | {r.user_id for r in rows if _in_base(vote.rule, r.facts())}
    could = voters | {r.user_id for r in rows if may_vote(r.facts())}
    options = _fresh_options(vote)
    if vote.method is Method.HANDS and sum(o.tally for o in options) > len(could):
        raise VoteError(
            "Số người giơ tay đã nhập nhiều hơn số đảng viên được biểu quyết đang có mặt: "
            "hãy nhập lại kết quả trước khi kết thúc.",
            409,
        )
    db.session.add_all(Eligible(vote_id=vote.id, user_id=user_id) for user_id in could)
    vote.base, vote.eligible_count = len(counted), len(could)
    result = result_of(vote)
    vote.passed = result.passed
    if vote.kind is VoteKind.RESOLUTION and result.passed and vote.document_id is None:
        vote.document_id = resolution.adopt(vote, result, actor).id
    db.session.flush()
    record(
        "vote.closed",
        actor_id=actor.id,
        target=vote,
        organization_id=vote.meeting.organization_id,
        meeting_id=vote.meeting_id,
        base=result.base,
        eligible=result.eligible,
        cast=result.cast,
        passed=result.passed,
        tallies={t.label: t.count for t in result.tallies},
    )
    announce("vote.closed", vote.meeting_id, {"vote": public_json(vote, cast=len(voters))})
    logger.info("vote %s closed: %s", vote.id, "passed" if result.passed else "not passed")
    return result


def _in_base(rule: Rule, facts: Any) -> bool:
    """Whether a member counts in the rule's base ``n`` (see the module's docstring)."""
    if rule is Rule.RESOLUTION:
        return bool(facts.official and convened(facts))
    return bool(facts.official)
