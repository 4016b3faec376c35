"""What a vote looks like, as JSON, to whoever asks: the same shape for the API, the socket's
answers and pushes, and the pages' scripts.

``public_json`` is what everyone who sees the vote may know: its motion and choices, whether it
is open, how many have voted out of how many may (never what anyone chose), and, once closed,
the result. ``viewer_json`` adds what only this viewer may know: whether they voted, and what
they chose in an open ballot (a secret one keeps no choice at all), whether they may vote and
if not why, and for the secretary the counts of a show of hands being entered.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.meetings.models import Meeting
from handbook.voting import policy
from handbook.voting.ballots import voter_of
from handbook.voting.drafting import KIND_LABELS, METHOD_LABELS
from handbook.voting.models import Method, Vote, Voter
from handbook.voting.operations import eligible_now, meeting_votes, voter_counts
from handbook.voting.results import Result, result_of

STATUS_LABELS = {"draft": "Bản nháp", "open": "Đang biểu quyết", "closed": "Đã kết thúc"}


def status(vote: Vote) -> str:
    if vote.closed_at is not None:
        return "closed"
    return "open" if vote.opened_at is not None else "draft"


def result_json(result: Result) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "passed": result.passed,
        "rule": result.rule.value,
        "secret": result.secret,
        "base": result.base,
        "eligible": result.eligible,
        "cast": result.cast,
        "tallies": [
            {"label": t.label, "choice": t.choice, "count": t.count, "passed": t.passed}
            for t in result.tallies
        ],
    }


def public_json(vote: Vote, *, cast: int, eligible: int | None = None) -> dict[str, Any]:
    """The vote as anyone who sees it may know it; ``cast``: how many have voted."""
    closed = vote.closed_at is not None
    if closed:
        eligible = vote.eligible_count or 0
    elif eligible is None:
        eligible = eligible_now(vote.meeting) if vote.opened_at is not None else 0
    return {
        "id": vote.id,
        "meeting_id": vote.meeting_id,
        "agenda_item_id": vote.agenda_item_id,
        "title": vote.title,
        "text": vote.text,
        "kind": vote.kind.value,
        "kind_label": KIND_LABELS[vote.kind],
        "rule": vote.rule.value,
        "rule_label": vote.rule.label,
        "secret": vote.secret,
        "method": vote.method.value,
        "method_label": METHOD_LABELS[vote.method],
        "status": status(vote),
        "status_label": STATUS_LABELS[status(vote)],
        "version": vote.version,
        "options": [{"id": o.id, "label": o.label, "choice": o.choice.value} for o in vote.options],
        "cast": cast,
        "eligible": eligible,
        "result": result_json(result_of(vote)) if closed else None,
        "document_id": vote.document_id,
    }


def mine_json(vote: Vote, viewer: User, voter: Voter | None) -> dict[str, Any]:
    """The viewer's own ballot: voted or not, the choice only in an open ballot, and whether
    they may vote now (with why not)."""
    refused = None if voter is not None else policy.refusal(viewer, vote)
    return {
        "voted": voter is not None,
        "option": voter.option_id if voter is not None and not vote.secret else None,
        "may_vote": voter is None and refused is None,
        "reason": refused.message if refused is not None and status(vote) == "open" else None,
    }


def hand_counts(vote: Vote, viewer: User) -> list[dict[str, int]] | None:
    """The show of hands being entered, for those who enter it (it was counted in the room
    for all to see); for anyone else, and for phones, nothing before the result."""
    if vote.method is not Method.HANDS or vote.closed_at is not None:
        return None
    if vote.opened_at is None or not can(viewer, Action.VOTE_MANAGE, vote):
        return None
    return [{"option": o.id, "count": o.tally} for o in vote.options]


def viewer_json(
    vote: Vote, viewer: User, *, cast: int, eligible: int | None = None
) -> dict[str, Any]:
    return {
        **public_json(vote, cast=cast, eligible=eligible),
        "mine": mine_json(vote, viewer, voter_of(vote.id, viewer.id)),
        "hand_counts": hand_counts(vote, viewer),
    }


def visible_votes(meeting: Meeting, viewer: User) -> list[Vote]:
    return [v for v in meeting_votes(meeting) if can(viewer, Action.MEETING_VIEW, v)]


def meeting_json(meeting: Meeting, viewer: User) -> list[dict[str, Any]]:
    """The meeting's votes ``viewer`` sees, each as they see it."""
    votes = visible_votes(meeting, viewer)
    counts = voter_counts([v.id for v in votes])
    now = eligible_now(meeting) if votes else 0
    return [viewer_json(v, viewer, cast=counts.get(v.id, 0), eligible=now) for v in votes]


def one_json(vote: Vote, viewer: User) -> dict[str, Any]:
    return viewer_json(vote, viewer, cast=voter_counts([vote.id]).get(vote.id, 0))


def voters_of(vote: Vote) -> list[dict[str, Any]]:
    """Who voted, by name (for those who manage the vote). A secret ballot's list never says
    what anyone chose (nothing stores it); an open ballot's says it once the vote has closed."""
    show = not vote.secret and vote.closed_at is not None
    rows = db.session.execute(
        sa.select(Voter.user_id, User.full_name, Voter.option_id)
        .join(User, User.id == Voter.user_id)
        .where(Voter.vote_id == vote.id)
        .order_by(User.full_name, User.id)
    )
    return [
        {"user_id": user_id, "name": name, "option": option_id if show else None}
        for user_id, name, option_id in rows
    ]
