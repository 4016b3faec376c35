"""Check-in and attendance over HTTP: the same operations and policy as the pages
(``handbook/attendance``): the secretary opens and closes check-in, reads the list and counts,
and marks a member (with the version they saw: 409 when someone changed it since); a member
checks in with the code's token, or without one where self check-in is allowed."""

from __future__ import annotations

import time
from typing import Annotated

from flask import current_app, jsonify
from flask_login import current_user, login_required
from pydantic import Field
from werkzeug.wrappers import Response

from handbook.api.blueprint import bp
from handbook.api.contract import body, operation, optional_body
from handbook.api.inputs import Body
from handbook.api.schemas import Answer
from handbook.attendance import operations, tokens
from handbook.attendance.models import AttendanceSheet, Mark
from handbook.attendance.operations import AttendanceError
from handbook.core import db
from handbook.core.policy import Action, load, require
from handbook.meetings.models import Meeting

_REFUSED = {409: "Điểm danh đã đóng, buổi sinh hoạt đã hủy, hoặc người khác vừa sửa trước"}


class CheckInOpening(Body):
    self_check_in: Annotated[
        bool, Field(description="members may check in without the code (online meetings)")
    ] = False


class CheckInRequest(Body):
    token: Annotated[
        str | None,
        Field(max_length=200, description="the code's token (t= in its link); omit for self"),
    ] = None


class AttendanceMarkChange(Body):
    mark: Annotated[Mark | None, Field(strict=False, description="null: not checked in")]
    reason: Annotated[str, Field(max_length=operations.MAX_REASON)] = ""
    version: Annotated[int, Field(ge=1, description="the entry's version the change is from")]


class AttendanceEntry(Answer):
    user_id: int
    name: str
    official: bool
    situation: Annotated[str | None, Field(description="exempt, elsewhere or suspended")]
    mark: Mark | None
    status: Annotated[str, Field(description="the mark, else the situation, else waiting")]
    label: Annotated[str, Field(description="the status in Vietnamese")]
    reason: str
    version: int
    convened: Annotated[bool, Field(description="counted among those convened (§9.3)")]


class AttendanceCounts(Answer):
    members: int
    present: int
    convened: int
    official_convened: int
    eligible: int
    quorum_percent: int | None
    quorum_met: bool | None


class AttendanceSheetAnswer(Answer):
    meeting_id: int
    open: bool
    self_check_in: bool
    entries: list[AttendanceEntry]
    counts: AttendanceCounts


class AttendanceEntryChanged(Answer):
    entry: AttendanceEntry
    counts: AttendanceCounts


class CheckedIn(Answer):
    entry: AttendanceEntry
    checked_in: Annotated[bool, Field(description="false: already checked in before")]


@bp.errorhandler(AttendanceError)
def _refused(error: AttendanceError) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error={"status": error.status, "message": error.message}), error.status


@bp.errorhandler(tokens.TokenRefused)
def _token_refused(error: tokens.TokenRefused) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error={"status": 400, "message": error.refusal.value}), 400


def _managed(meeting_id: int) -> AttendanceSheet:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    sheet = operations.sheet_of(meeting)
    require(current_user, Action.ATTENDANCE_MANAGE, sheet)
    return sheet


def _sheet(sheet: AttendanceSheet) -> Response:
    rows = operations.entries(sheet)
    closed = sheet.closed_at is not None
    return jsonify(
        meeting_id=sheet.meeting_id,
        open=sheet.is_open,
        self_check_in=sheet.self_check_in,
        entries=[operations.serialize(row, closed=closed) for row in rows],
        counts=operations.serialize_summary(operations.summary(sheet, rows)),
    )


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
@operation(AttendanceSheetAnswer)
def get_attendance(meeting_id: int) -> Response:
    """The members convened with their status, and the counts (the secretary's)."""
    return _sheet(_managed(meeting_id))


@bp.post("/meetings/<int:meeting_id>/attendance/open")
@login_required
@operation(AttendanceSheetAnswer, json=CheckInOpening, also=_REFUSED)
def open_attendance(meeting_id: int) -> Response:
    """Open (or reopen) check-in; members of the branch are listed with their standing."""
    sheet = _managed(meeting_id)
    opened = operations.open_check_in(
        sheet.meeting, current_user, self_check_in=optional_body(CheckInOpening).self_check_in
    )
    db.session.commit()
    return _sheet(opened)


@bp.post("/meetings/<int:meeting_id>/attendance/close")
@login_required
@operation(AttendanceSheetAnswer, also=_REFUSED)
def close_attendance(meeting_id: int) -> Response:
    """End check-in; the secretary can still correct the list."""
    sheet = _managed(meeting_id)
    if not operations.started(sheet):
        raise AttendanceError("Buổi sinh hoạt này chưa mở điểm danh.", 409)
    operations.close_check_in(sheet, current_user)
    db.session.commit()
    return _sheet(sheet)


@bp.patch("/meetings/<int:meeting_id>/attendance/<int:user_id>")
@login_required
@operation(AttendanceEntryChanged, json=AttendanceMarkChange, also=_REFUSED)
def mark_attendance(meeting_id: int, user_id: int) -> Response:
    """Set a member's status; 409 (nothing changed) when it changed since ``version``."""
    sheet = _managed(meeting_id)
    change = body(AttendanceMarkChange)
    row = operations.mark(sheet, user_id, change.mark, change.reason, change.version, current_user)
    db.session.commit()
    closed = sheet.closed_at is not None
    return jsonify(
        entry=operations.serialize(row, closed=closed),
        counts=operations.serialize_summary(operations.summary(sheet)),
    )


@bp.post("/meetings/<int:meeting_id>/check-in")
@login_required
@operation(CheckedIn, json=CheckInRequest, also=_REFUSED)
def check_in(meeting_id: int) -> Response:
    """Check oneself in: with the code's token, or without one where self check-in is allowed.
    Checking in again answers the same entry with ``checked_in: false``."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    sheet, row, new = operations.check_in_member(
        current_user,
        meeting,
        optional_body(CheckInRequest).token,
        secret=current_app.config["SECRET_KEY"],
        now=time.time(),
    )
    db.session.commit()
    return jsonify(
        entry=operations.serialize(row, closed=sheet.closed_at is not None), checked_in=new
    )
