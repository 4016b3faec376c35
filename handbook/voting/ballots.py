"""Casting a ballot: once per member per vote, idempotent by the phone's client id.

A ballot is one transaction: take the vote's row if it is open (``operations.lock_open``),
insert the ``Voter`` row (its key, vote and member, is what makes a second ballot impossible),
and add one to the chosen option, in one UPDATE that writes every option of the vote (so not
even the database's own record of which rows a transaction changed tells the choice). A secret
ballot's ``Voter`` row carries no choice; an open ballot's carries it. Nothing is logged about
who chose what, and no ballot is audited.

The same ballot sent again (a phone that lost the answer, a reload) with the same client id is
answered as the first was; another tab with another client id, after a ballot, is told
"Đồng chí đã biểu quyết." and counts for nothing. When two arrive at the same instant, the
second's insert meets the first's key: that ``IntegrityError`` is caught and answered the same.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.core import db
from handbook.voting import policy
from handbook.voting.models import Vote, VoteOption, Voter
from handbook.voting.operations import CLOSED_BEFORE, VoteError, announce, eligible_now, lock_open

logger = logging.getLogger(__name__)

_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
ALREADY = "Đồng chí đã biểu quyết."


@dataclass(frozen=True)
class Recorded:
    """A ballot as its member is answered: recorded, new or sent before, and (an open ballot
    only) what they chose."""

    created: bool
    option_id: int | None


def voter_of(vote_id: int, user_id: int) -> Voter | None:
    return db.session.get(Voter, (vote_id, user_id), populate_existing=True)


def _as_before(voter: Voter, client_id: str) -> Recorded:
    if voter.client_id != client_id:
        raise VoteError(ALREADY, 409)
    return Recorded(created=False, option_id=voter.option_id)


def clean_client_id(raw: Any) -> str:
    if not isinstance(raw, str) or not _CLIENT_ID.fullmatch(raw):
        raise VoteError("Mã phiếu của thiết bị không hợp lệ.")
    return raw


def cast(user: User, vote: Vote, option_id: Any, client_id: Any) -> Recorded:
    """Record ``user``'s ballot for ``option_id``; the caller asked for the vote with
    ``MEETING_VIEW`` (404 before) and commits."""
    client_id = clean_client_id(client_id)
    before = voter_of(vote.id, user.id)
    if before is not None:  # answered before anything else: even once the vote has closed
        return _as_before(before, client_id)
    refused = policy.refusal(user, vote)
    if refused is not None:
        raise refused
    option = next((o for o in vote.options if o.id == option_id), None)
    if option is None or isinstance(option_id, bool):
        raise VoteError("Lựa chọn không thuộc biểu quyết này.")
    vote_id, meeting_id, secret = vote.id, vote.meeting_id, vote.secret
    if not lock_open(vote):  # closed since it was read
        db.session.rollback()
        raise VoteError(CLOSED_BEFORE, 409)
    db.session.add(
        Voter(
            vote_id=vote_id,
            user_id=user.id,
            client_id=client_id,
            option_id=None if secret else option.id,
        )
    )
    try:
        # No savepoint: nothing before this insert but the lock, which changed nothing.
        db.session.flush()
    except sa.exc.IntegrityError:  # another tab's ballot, at this very instant
        db.session.rollback()
        stored = voter_of(vote_id, user.id)
        if stored is None:
            raise
        return _as_before(stored, client_id)
    try:
        db.session.execute(
            sa.update(VoteOption)
            .where(VoteOption.vote_id == vote_id)
            .values(tally=VoteOption.tally + sa.case((VoteOption.id == option.id, 1), else_=0))
            .execution_options(synchronize_session=False)
        )
    except sa.exc.DBAPIError as exc:
        # The driver's message lists the statement's parameters (the chosen option): neither
        # it nor its traceback may reach a log. Said plainly; the phone keeps the ballot.
        db.session.rollback()
        logger.warning("a ballot in vote %s failed: %s", vote_id, type(exc.orig).__name__)
        raise VoteError("Hệ thống đang bận, phiếu chưa được ghi: vui lòng gửi lại.", 503) from None
    cast_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Voter).where(Voter.vote_id == vote_id)
    )
    announce(
        "vote.progress",
        meeting_id,
        {"vote": vote_id, "cast": cast_count, "eligible": eligible_now(vote.meeting)},
    )
    logger.info("a ballot was recorded in vote %s", vote_id)
    return Recorded(created=True, option_id=None if secret else option.id)
