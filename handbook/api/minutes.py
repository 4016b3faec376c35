"""A meeting's minutes over HTTP: the same operations and policy as the pages
(``handbook/minutes``). Managers draft (or end the meeting and draft), set the facts and edit
sections (with the version they saw: 409 gives the section as it is now and their own text
back); the chair and the minute-taker approve the revision they read; members read the
approved versions."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify, request
from flask_login import current_user, login_required
from pydantic import Field
from werkzeug.wrappers import Response

from handbook.api.blueprint import bp
from handbook.api.contract import body, operation, optional_body
from handbook.api.inputs import Body, Id, Moment
from handbook.api.schemas import (
    MinutesAnswer,
    MinutesConflict,
    MinutesSectionSaved,
    MinutesVersionAnswer,
)
from handbook.core import db
from handbook.core.inputs import MAX_ID
from handbook.core.policy import Action, can, load, require
from handbook.meetings.models import Meeting
from handbook.minutes import approval, editing, operations, record
from handbook.minutes.models import Minutes, MinutesSection
from handbook.minutes.operations import MinutesError
from handbook.minutes.routes import loaded

_REFUSED = {409: "Biên bản đã khóa, vừa được sửa, hoặc buổi sinh hoạt đã hủy"}


class MinutesDrafting(Body):
    end: Annotated[
        bool, Field(description="the meeting ends now: end time noted, check-in closed")
    ] = False


class MinutesFactsChange(Body):
    chair_id: Annotated[Id | None, Field(description="a member of the branch")] = None
    taker_id: Annotated[Id | None, Field(description="the minute-taker, another member")] = None
    started_at: Moment | None = None
    ended_at: Moment | None = None
    place: Annotated[str, Field(max_length=300)] = ""
    revision: Annotated[
        int, Field(ge=1, le=MAX_ID, description="the minutes' revision the change is from")
    ]


class MinutesSectionChange(Body):
    body: Annotated[
        str | None,
        Field(max_length=record.MAX_BODY, description="null: take the system's latest draft"),
    ]
    version: Annotated[
        int, Field(ge=1, le=MAX_ID, description="the section's version the change is from")
    ]


class MinutesApprovalRequest(Body):
    revision: Annotated[int, Field(ge=1, le=MAX_ID, description="the revision the signer read")]


@bp.errorhandler(MinutesError)
def _refused(error: MinutesError) -> tuple[Response, int]:
    db.session.rollback()
    detail = {"status": error.status, "message": error.message}
    if error.status != 409 or request.endpoint != "api.save_minutes_section":
        return jsonify(error=detail), error.status
    section = _section(error.section) if error.section is not None else None
    return jsonify(error=detail, section=section, yours=error.yours), 409


def _section(s: MinutesSection) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": s.kind.value,
        "title": s.title,
        "body": s.body,
        "auto_body": s.auto_body,
        "edited": s.edited,
        "auto_newer": s.auto_newer,
        "version": s.version,
    }


def _answer(minutes: Minutes) -> Response:
    reading = approval.readable(minutes, current_user)
    drafting = None
    if reading.version is None:
        drafting = {
            "revision": minutes.revision,
            "chair_id": minutes.chair_id,
            "taker_id": minutes.taker_id,
            "started_at": minutes.started_at.isoformat() if minutes.started_at else None,
            "ended_at": minutes.ended_at.isoformat() if minutes.ended_at else None,
            "place": minutes.place,
            "sections": [_section(s) for s in minutes.sections],
            "approvals": [
                {
                    "signer": a.signer.value,
                    "name": a.name,
                    "approved_at": a.approved_at.isoformat(),
                    "sha256": a.text_sha256,
                    "stands": a.text_sha256 == reading.sha256,
                }
                for a in approval.approvals(minutes)
            ],
        }
    return jsonify(
        meeting_id=minutes.meeting_id,
        draft=reading.draft,
        sha256=reading.sha256,
        record=reading.record.to_json(),
        drafting=drafting,
        versions=[
            {"number": v.number, "locked_at": v.locked_at.isoformat(), "sha256": v.text_sha256}
            for v in approval.versions(minutes)
        ],
    )


@bp.get("/meetings/<int:meeting_id>/minutes")
@login_required
@operation(MinutesAnswer)
def get_minutes(meeting_id: int) -> Response:
    """What the signed-in member may read: the draft (drafted now if a manager asks first and
    brought up to date), or the last approved version."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    found = operations.minutes_of(meeting)
    if can(current_user, Action.MINUTES_EDIT, found) and meeting.cancelled_at is None:
        operations.refresh(operations.ensure(meeting, current_user))
        db.session.commit()
    return _answer(loaded(meeting_id))


@bp.post("/meetings/<int:meeting_id>/minutes")
@login_required
@operation(MinutesAnswer, json=MinutesDrafting, also=_REFUSED)
def draft_minutes(meeting_id: int) -> Response:
    """Draft the minutes (again) from the branch's data, keeping what a person wrote; with
    ``end``: "Kết thúc và lập biên bản"."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    require(current_user, Action.MINUTES_EDIT, operations.minutes_of(meeting))
    if optional_body(MinutesDrafting).end:
        minutes = editing.end_meeting(meeting, current_user)
    else:
        minutes = operations.ensure(meeting, current_user)
        operations.refresh(minutes)
    db.session.commit()
    return _answer(minutes)


@bp.patch("/meetings/<int:meeting_id>/minutes")
@login_required
@operation(MinutesAnswer, json=MinutesFactsChange, also=_REFUSED)
def set_minutes_facts(meeting_id: int) -> Response:
    """Chair, minute-taker, times and place; 409 when the minutes changed since ``revision``."""
    minutes = loaded(meeting_id, Action.MINUTES_EDIT)
    change = body(MinutesFactsChange)
    editing.set_facts(
        minutes,
        current_user,
        chair_id=change.chair_id,
        taker_id=change.taker_id,
        started_at=change.started_at,
        ended_at=change.ended_at,
        place=change.place,
        revision=change.revision,
    )
    db.session.commit()
    return _answer(minutes)


@bp.patch("/meetings/<int:meeting_id>/minutes/sections/<int:section_id>")
@login_required
@operation(
    MinutesSectionSaved,
    json=MinutesSectionChange,
    shaped={
        409: (
            MinutesConflict,
            "Đã khóa, hoặc người khác vừa lưu phần này: bản mới và nội dung gửi lên được trả lại",
        )
    },
)
def save_minutes_section(meeting_id: int, section_id: int) -> Response:
    """Save a section's words (or take the system's draft: ``body`` null) if it is still at
    ``version``; else 409 with the section now and the text sent, to merge."""
    minutes = loaded(meeting_id, Action.MINUTES_EDIT)
    change = body(MinutesSectionChange)
    section = editing.edit_section(minutes, section_id, change.body, change.version, current_user)
    db.session.commit()
    return jsonify(section=_section(section), revision=minutes.revision)


@bp.post("/meetings/<int:meeting_id>/minutes/approve")
@login_required
@operation(MinutesAnswer, json=MinutesApprovalRequest, also=_REFUSED)
def approve_minutes(meeting_id: int) -> Response:
    """The chair or the minute-taker approves the revision they read; both: locked, hashed."""
    minutes = loaded(meeting_id)
    if not can(current_user, Action.MINUTES_APPROVE, minutes):
        raise MinutesError(approval.NOT_A_SIGNER, 403)
    approval.approve(minutes, current_user, body(MinutesApprovalRequest).revision)
    db.session.commit()
    return _answer(minutes)


@bp.post("/meetings/<int:meeting_id>/minutes/new-version")
@login_required
@operation(MinutesAnswer, also=_REFUSED)
def new_minutes_version(meeting_id: int) -> Response:
    """Start the next version from the approved one, which is kept as it was."""
    minutes = loaded(meeting_id, Action.MINUTES_EDIT)
    approval.new_version(minutes, current_user)
    db.session.commit()
    return _answer(minutes)


@bp.get("/meetings/<int:meeting_id>/minutes/versions/<int:number>")
@login_required
@operation(MinutesVersionAnswer)
def get_minutes_version(meeting_id: int, number: int) -> Response:
    """An approved version: its canonical text (what the hash is of) and its record."""
    kept = approval.version_of(loaded(meeting_id), number)
    return jsonify(
        number=kept.number,
        locked_at=kept.locked_at.isoformat(),
        sha256=kept.text_sha256,
        text=kept.text,
        record=kept.record,
    )
