"""Meetings: an organisation's list, a new meeting with its agenda, one meeting with the
documents the member may see, and its publication (now or at a time)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.api import serializers
from handbook.api.blueprint import bp
from handbook.api.contract import BadRequest, body, operation, optional_body
from handbook.api.inputs import NewMeeting, Publication
from handbook.api.schemas import MeetingDetail, MeetingList
from handbook.core import db
from handbook.core.policy import Action, load
from handbook.documents import operations as documents
from handbook.meetings import operations as meetings
from handbook.meetings.models import Meeting
from handbook.meetings.publishing import schedule
from handbook.orgs.models import Organization, OrgKind, Reach

#: Agenda items one request may create (more are dropped, as on the page).
MAX_AGENDA = 50


@bp.get("/organizations/<int:org_id>/meetings")
@login_required
@operation(MeetingList)
def list_meetings(org_id: int) -> Response:
    """The organisation's meetings the signed-in member may see."""
    org = load(Organization, org_id, Action.ORG_VIEW)
    return jsonify(
        meetings=[serializers.meeting(m) for m in meetings.visible_meetings(current_user, org)]
    )


@bp.post("/organizations/<int:org_id>/meetings")
@login_required
@operation(MeetingDetail, status=201, description="Đã tạo", json=NewMeeting)
def create_meeting(org_id: int) -> tuple[Response, int]:
    """A new meeting with its agenda (a draft until published)."""
    org = load(Organization, org_id, Action.ORG_PUBLISH)
    data = body(NewMeeting)
    # A branch has nobody below it: "subtree" there means the branch itself.
    reach = Reach.SELF if org.kind is OrgKind.BRANCH else data.reach
    try:
        meeting = meetings.save_meeting(
            None,
            organization=org,
            actor=current_user,
            title=data.title,
            kind=data.kind,
            starts_at=data.starts_at,
            place=data.place or "",
            agenda_text="\n".join(a.replace("\n", " ") for a in data.agenda[:MAX_AGENDA]),
            reach=reach,
        )
    except meetings.MeetingError as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    return jsonify(serializers.meeting(meeting, [])), 201


@bp.get("/meetings/<int:meeting_id>")
@login_required
@operation(MeetingDetail)
def get_meeting(meeting_id: int) -> Response:
    """The meeting, its agenda and the documents the member may see."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    return jsonify(serializers.meeting(meeting, documents.visible_documents(current_user, meeting)))


@bp.post("/meetings/<int:meeting_id>/publish")
@login_required
@operation(MeetingDetail, json=Publication)
def publish_meeting(meeting_id: int) -> Response:
    """Publish the meeting and its documents now, or at ``publish_at``."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    try:
        at = meetings.publish(meeting, current_user, optional_body(Publication).publish_at)
    except meetings.MeetingError as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    schedule(at)
    db.session.expire_all()  # read back what the jobs wrote (attributes reload on access)
    return jsonify(serializers.meeting(meeting, documents.visible_documents(current_user, meeting)))
