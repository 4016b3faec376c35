"""Votes over HTTP: the same operations, policy and answers as the pages and Socket.IO
(``handbook/voting``; a ballot goes through ``voting.service`` as the socket's does). The
secretary lists, creates, edits, opens, enters a show of hands and closes (with the version
they saw: 409 when someone changed it since); a member casts, idempotent by ``client_id``.
No answer carries a tally before the vote closes, nor anyone's choice in a secret ballot."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify
from flask_login import current_user, login_required
from pydantic import Field
from werkzeug.wrappers import Response

from handbook.api.blueprint import bp
from handbook.api.contract import body, operation
from handbook.api.inputs import Body, Id
from handbook.api.schemas import BallotStored, VoteAnswer, VoteList, VoteResult, VoterList
from handbook.attendance.rules import Rule
from handbook.core import db
from handbook.core.inputs import MAX_ID
from handbook.core.policy import Action, load, require
from handbook.meetings.models import Meeting
from handbook.voting import closing, drafting, service
from handbook.voting.models import Method, Vote, VoteKind
from handbook.voting.operations import VoteError
from handbook.voting.results import result_of
from handbook.voting.state import meeting_json, one_json, result_json, voters_of

_REFUSED = {409: "Biểu quyết đã mở, đã kết thúc, chưa mở, hoặc người khác vừa thay đổi trước"}
Version = Annotated[int, Field(ge=1, le=MAX_ID, description="the vote's version you saw")]
Label = Annotated[str, Field(min_length=1, max_length=drafting.MAX_LABEL)]


class NewVote(Body):
    title: Annotated[str, Field(min_length=1, max_length=drafting.MAX_TITLE)]
    text: Annotated[str, Field(max_length=drafting.MAX_TEXT)] = ""
    kind: Annotated[VoteKind, Field(strict=False)] = VoteKind.MOTION
    rule: Annotated[Rule, Field(strict=False)] = Rule.RESOLUTION
    secret: bool = False
    method: Annotated[Method, Field(strict=False)] = Method.PHONES
    options: Annotated[
        list[Label], Field(max_length=drafting.MAX_OPTIONS, description="kind options: 2 to 20")
    ] = []
    agenda_item_id: Id | None = None


class VoteEdit(NewVote):
    version: Version


class VersionSeen(Body):
    version: Version


class HandCount(Body):
    option: Id
    count: Annotated[int, Field(ge=0, le=closing.MAX_HANDS)]


class HandCounts(Body):
    version: Version
    counts: Annotated[list[HandCount], Field(max_length=drafting.MAX_OPTIONS + 1)]


class BallotRequest(Body):
    client_id: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9_-]{8,64}$",
            description="made by the phone; the same one again is answered as the first",
        ),
    ]
    option: Id


@bp.errorhandler(VoteError)
def _refused(error: VoteError) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error={"status": error.status, "message": error.message}), error.status


def _managed(meeting_id: int) -> Meeting:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    require(current_user, Action.MEETING_MANAGE, meeting)
    return meeting


def _draft(meeting: Meeting, data: NewVote) -> drafting.Draft:
    fields: dict[str, Any] = data.model_dump(exclude={"version"})
    return drafting.check(meeting, **fields)


def _vote(vote: Vote) -> Response:
    return jsonify(one_json(vote, current_user))


@bp.get("/meetings/<int:meeting_id>/votes")
@login_required
@operation(VoteList)
def list_votes(meeting_id: int) -> Response:
    """The meeting's votes the signed-in member sees (drafts: the secretary only)."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    return jsonify(meeting_id=meeting.id, votes=meeting_json(meeting, current_user))


@bp.post("/meetings/<int:meeting_id>/votes")
@login_required
@operation(VoteAnswer, status=201, description="Đã tạo (bản nháp)", json=NewVote, also=_REFUSED)
def create_vote(meeting_id: int) -> tuple[Response, int]:
    """A new draft vote: a motion, a draft resolution or a list of options, with its rule."""
    meeting = _managed(meeting_id)
    vote = drafting.create(meeting, current_user, _draft(meeting, body(NewVote)))
    db.session.commit()
    return _vote(vote), 201


@bp.get("/votes/<int:vote_id>")
@login_required
@operation(VoteAnswer)
def get_vote(vote_id: int) -> Response:
    """One vote as the signed-in member sees it; its result once closed."""
    return _vote(load(Vote, vote_id, Action.MEETING_VIEW))


@bp.patch("/votes/<int:vote_id>")
@login_required
@operation(VoteAnswer, json=VoteEdit, also=_REFUSED)
def edit_vote(vote_id: int) -> Response:
    """Change a draft; 409 once it is open, or when it changed since ``version``."""
    vote = load(Vote, vote_id, Action.VOTE_MANAGE)
    data = body(VoteEdit)
    drafting.edit(vote, current_user, _draft(vote.meeting, data), data.version)
    db.session.commit()
    return _vote(vote)


@bp.post("/votes/<int:vote_id>/open")
@login_required
@operation(VoteAnswer, json=VersionSeen, also=_REFUSED)
def open_vote(vote_id: int) -> Response:
    """Open a draft; refused while no official member is present to vote."""
    vote = load(Vote, vote_id, Action.VOTE_MANAGE)
    closing.open_vote(vote, current_user, body(VersionSeen).version)
    db.session.commit()
    return _vote(vote)


@bp.put("/votes/<int:vote_id>/counts")
@login_required
@operation(VoteAnswer, json=HandCounts, also=_REFUSED)
def vote_counts(vote_id: int) -> Response:
    """A show of hands: the count of each option (at most those present who may vote)."""
    vote = load(Vote, vote_id, Action.VOTE_MANAGE)
    data = body(HandCounts)
    entered: dict[int, Any] = {}
    for item in data.counts:
        if item.option in entered:
            raise VoteError("Một lựa chọn được nhập hai lần.")
        entered[item.option] = item.count
    closing.enter_counts(vote, current_user, entered, data.version)
    db.session.commit()
    return _vote(vote)


@bp.post("/votes/<int:vote_id>/close")
@login_required
@operation(VoteAnswer, json=VersionSeen, also=_REFUSED)
def close_vote(vote_id: int) -> Response:
    """Close the vote: its result is frozen and pushed; an adopted resolution is published."""
    vote = load(Vote, vote_id, Action.VOTE_MANAGE)
    closing.close_vote(vote, current_user, body(VersionSeen).version)
    db.session.commit()
    return _vote(vote)


@bp.post("/votes/<int:vote_id>/cast")
@login_required
@operation(
    BallotStored,
    status=201,
    description="Đã ghi nhận",
    json=BallotRequest,
    extra_ok=((200, "Đã ghi nhận từ trước (cùng client_id)"),),
    also={**_REFUSED, 503: "Chưa ghi được, gửi lại"},
)
def cast_ballot(vote_id: int) -> tuple[Response, int]:
    """Cast one's ballot; the same ``client_id`` again answers 200 as before, another one
    after a ballot 409 ("Đồng chí đã biểu quyết.")."""
    vote = load(Vote, vote_id, Action.MEETING_VIEW)
    data = body(BallotRequest)
    answer = service.cast_in(current_user, vote, data.option, data.client_id)
    return jsonify(created=answer["created"], vote=answer["vote"]), 201 if answer[
        "created"
    ] else 200


@bp.get("/votes/<int:vote_id>/result")
@login_required
@operation(VoteResult, also={409: "Biểu quyết chưa kết thúc"})
def vote_result(vote_id: int) -> Response:
    """The result with the rule's verdict; 409 until the vote closes."""
    vote = load(Vote, vote_id, Action.MEETING_VIEW)
    if vote.closed_at is None:
        raise VoteError("Biểu quyết chưa kết thúc: kết quả chưa được công bố.", 409)
    return jsonify(result_json(result_of(vote)))


@bp.get("/votes/<int:vote_id>/voters")
@login_required
@operation(VoterList)
def vote_voters(vote_id: int) -> Response:
    """Who voted (the secretary's); a secret ballot's list never says what anyone chose."""
    vote = load(Vote, vote_id, Action.VOTE_MANAGE)
    return jsonify(vote_id=vote.id, secret=vote.secret, voters=voters_of(vote))
