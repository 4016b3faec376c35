"""Vote requests as plain dicts in, plain dicts out: what the Socket.IO events and the HTTP API
both call (as the comments' service is), so the two transports give the same answers and the
same refusals. A ballot commits here; its progress is pushed after the commit."""

from __future__ import annotations

from typing import Any

from handbook.accounts.models import User
from handbook.core import db
from handbook.core.inputs import is_id
from handbook.core.policy import Action, can
from handbook.meetings.models import Meeting
from handbook.voting import ballots
from handbook.voting.models import Vote
from handbook.voting.operations import NOT_FOUND, VoteError, get_vote, room
from handbook.voting.state import meeting_json, one_json


def _dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise VoteError("Yêu cầu phải là một đối tượng JSON.")
    return data


def _id(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if is_id(value):
        return value
    raise VoteError(f"Trường “{key}” phải là mã số hợp lệ (số nguyên dương).")


def meeting_for(user: User, meeting_id: int) -> Meeting:
    """The meeting, if ``user`` sees it; 404 otherwise."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can(user, Action.MEETING_VIEW, meeting):
        raise VoteError("Không tìm thấy buổi sinh hoạt.", 404)
    return meeting


def vote_for(user: User, vote_id: int) -> Vote:
    """The vote, if ``user`` sees it (a draft: its managers only); 404 otherwise."""
    vote = get_vote(vote_id)
    if vote is None or not can(user, Action.MEETING_VIEW, vote):
        raise VoteError(NOT_FOUND, 404)
    return vote


def join(user: User, data: Any) -> tuple[str, dict[str, Any]]:
    """``{"meeting": id}``: the room to follow, and every vote of the meeting as ``user`` sees
    it now, so a screen that reconnects is whole again."""
    meeting = meeting_for(user, _id(_dict(data), "meeting"))
    return room(meeting.id), {
        "ok": True,
        "meeting": meeting.id,
        "votes": meeting_json(meeting, user),
    }


def cast_in(user: User, vote: Vote, option: Any, client_id: Any) -> dict[str, Any]:
    """Record the ballot (committed) and answer with the vote as its member now sees it."""
    recorded = ballots.cast(user, vote, option, client_id)
    db.session.commit()
    return {"ok": True, "created": recorded.created, "vote": one_json(vote, user)}


def cast(user: User, data: Any) -> dict[str, Any]:
    """``{"vote": id, "option": id, "client_id": "…"}``: the same ballot again (same client id)
    is answered as the first; another after a ballot is refused ("Đồng chí đã biểu quyết.")."""
    data = _dict(data)
    vote = vote_for(user, _id(data, "vote"))
    return cast_in(user, vote, data.get("option"), data.get("client_id"))


def refusal(error: VoteError) -> dict[str, Any]:
    return {"ok": False, "status": error.status, "error": error.message}
