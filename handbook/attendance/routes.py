"""Attendance pages: the secretary's attendance screen and projector page, the rotating code,
opening and closing check-in, marking a member; a member's scan and "Tôi có mặt".

The scan is a GET (the phone's camera opens a link): the code itself, valid for 30 seconds
and signed, is what proves the member is in the room, and checking in twice changes nothing.
A member not signed in who scans a good code is sent to sign in with the link kept in
``next``; the browser remembers that it scanned that code in time (``SCANNED``, in the signed
session, for ``SCAN_GRACE_S``), so signing in, which takes longer than the code lives, still
ends checked in, and only on the phone that scanned.
"""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.attendance import operations, tokens
from handbook.attendance.models import AttendanceSheet, CheckInWay, Mark
from handbook.attendance.operations import AttendanceError
from handbook.core import db
from handbook.core.extensions import login_manager
from handbook.core.policy import Action, can, load, require
from handbook.meetings.models import Meeting
from handbook.meetings.routes import meeting_page

bp = Blueprint("attendance", __name__)

#: Where the session keeps the code this browser scanned before signing in.
SCANNED = "attendance.scanned"
#: How long after a good scan signing in may take.
SCAN_GRACE_S = 600


def _managed(meeting_id: int) -> tuple[Meeting, AttendanceSheet]:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    sheet = operations.sheet_of(meeting)
    require(current_user, Action.ATTENDANCE_MANAGE, sheet)
    return meeting, sheet


def code_url(meeting_id: int, now: float) -> str:
    token = tokens.make(current_app.config["SECRET_KEY"], meeting_id, now)
    return url_for("attendance.scan", meeting_id=meeting_id, t=token, _external=True)


def _code(meeting_id: int) -> dict[str, Any]:
    now = time.time()
    url = code_url(meeting_id, now)
    return {
        "url": url,
        "svg": tokens.qr_svg(url),
        "refresh_ms": int(tokens.seconds_left(now) * 1000),
    }


def _sheet_page(meeting: Meeting, sheet: AttendanceSheet, template: str) -> str:
    rows = operations.entries(sheet)
    closed = sheet.closed_at is not None
    return render_template(
        template,
        meeting=meeting,
        sheet=sheet,
        rows=rows,
        closed=closed,
        found=operations.summary(sheet, rows),
        code=_code(meeting.id) if sheet.is_open else None,
        marks=list(Mark),
        live_updates=True,
    )


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
def sheet(meeting_id: int) -> str:
    """The secretary's screen: the code, the list with each status, the counts, live."""
    meeting, found = _managed(meeting_id)
    return _sheet_page(meeting, found, "attendance/sheet.html")


@bp.get("/meetings/<int:meeting_id>/attendance/screen")
@login_required
def screen(meeting_id: int) -> str:
    """The projector page: the code, large, and the counts."""
    meeting, found = _managed(meeting_id)
    return _sheet_page(meeting, found, "attendance/screen.html")


@bp.get("/meetings/<int:meeting_id>/attendance/code")
@login_required
def code(meeting_id: int) -> Response | tuple[Response, int]:
    """The code to show now (it changes every 15 seconds), as SVG and as its link."""
    _meeting, found = _managed(meeting_id)
    if not found.is_open:
        return jsonify(error={"status": 409, "message": "Điểm danh đã kết thúc."}), 409
    response = jsonify(_code(meeting_id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/meetings/<int:meeting_id>/attendance/open")
@login_required
def open_check_in(meeting_id: int) -> Response:
    meeting, _found = _managed(meeting_id)
    try:
        operations.open_check_in(
            meeting, current_user, self_check_in=request.form.get("self_check_in") == "1"
        )
    except AttendanceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("attendance.sheet", meeting_id=meeting.id))
    db.session.commit()
    flash("Đã mở điểm danh. Đảng viên quét mã QR trên màn hình để điểm danh.", "success")
    return redirect(url_for("attendance.sheet", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/attendance/close")
@login_required
def close_check_in(meeting_id: int) -> Response:
    meeting, found = _managed(meeting_id)
    if db.session.get(AttendanceSheet, meeting.id) is not None:
        operations.close_check_in(found, current_user)
        db.session.commit()
        flash("Đã kết thúc điểm danh. Đồng chí vẫn có thể sửa trạng thái từng người.", "success")
    return redirect(url_for("attendance.sheet", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/attendance/<int:user_id>")
@login_required
def mark(meeting_id: int, user_id: int) -> Response:
    """The secretary sets one member's status (the page's form; the API takes JSON)."""
    meeting, found = _managed(meeting_id)
    raw = request.form.get("mark", "")
    version = request.form.get("version", "")
    try:
        value = Mark(raw) if raw else None
        if not version.isdigit():
            raise AttendanceError("Yêu cầu không hợp lệ: thiếu phiên bản.")
        operations.mark(
            found, user_id, value, request.form.get("reason", ""), int(version), current_user
        )
    except ValueError:
        db.session.rollback()
        flash("Trạng thái không hợp lệ.", "error")
    except AttendanceError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("attendance.sheet", meeting_id=meeting.id) + f"#a{user_id}")


def _result(meeting: Meeting, message: str, status: int, ok: bool) -> tuple[str, int]:
    return render_template(
        "attendance/checked_in.html", meeting=meeting, message=message, ok=ok
    ), status


def _token_ok(meeting_id: int, token: str, now: float) -> None:
    """The code is good now, or this browser scanned it in time before signing in."""
    try:
        tokens.check(current_app.config["SECRET_KEY"], token, meeting_id, now)
    except tokens.TokenRefused as refused:
        scanned = session.get(SCANNED)
        in_time = (
            refused.refusal is tokens.Refusal.EXPIRED
            and isinstance(scanned, list)
            and scanned[:2] == [meeting_id, token]
            and now - float(scanned[2]) < SCAN_GRACE_S
        )
        if not in_time:
            raise


@bp.get("/meetings/<int:meeting_id>/check-in")
def scan(meeting_id: int) -> Response | tuple[str, int]:
    """Where the code leads: check the member in, or have them sign in first."""
    token = request.args.get("t", "")[:200]
    now = time.time()
    if not current_user.is_authenticated:
        try:
            tokens.check(current_app.config["SECRET_KEY"], token, meeting_id, now)
            session[SCANNED] = [meeting_id, token, now]
        except tokens.TokenRefused:
            pass  # said after signing in: nothing is told to a stranger
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    try:
        found = operations.sheet_to_check_in(current_user, meeting)
        _token_ok(meeting_id, token, now)
        row, new = operations.check_in(found, current_user, CheckInWay.QR)
    except tokens.TokenRefused as refused:
        return _result(meeting, refused.refusal.value, 400, False)
    except AttendanceError as exc:
        db.session.rollback()
        return _result(meeting, exc.message, exc.status, False)
    session.pop(SCANNED, None)
    db.session.commit()
    if new:
        return _result(meeting, "Đã điểm danh: đồng chí có mặt.", 200, True)
    already = row.mark.label.lower() if row.mark else "có mặt"
    return _result(meeting, f"Đồng chí đã điểm danh rồi ({already}).", 200, True)


@bp.post("/meetings/<int:meeting_id>/check-in")
@login_required
def self_check_in(meeting_id: int) -> Response | tuple[str, int]:
    """ "Tôi có mặt": for a meeting where the secretary allows checking in without the code."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    try:
        found = operations.sheet_to_check_in(current_user, meeting)
        operations.check_in(found, current_user, CheckInWay.SELF)
    except AttendanceError as exc:
        db.session.rollback()
        return _result(meeting, exc.message, exc.status, False)
    db.session.commit()
    flash("Đã điểm danh: đồng chí có mặt trực tuyến.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@meeting_page.connect
def _on_meeting_page(meeting: Meeting, **_: Any) -> dict[str, object]:
    """What the meeting's page shows of check-in: the secretary's way in, and a member's
    "Tôi có mặt" or "đã điểm danh"."""
    found = operations.sheet_of(meeting)
    manage = can(current_user, Action.ATTENDANCE_MANAGE, found)
    mine = None
    if found.is_open:
        entry = operations.entry_of(meeting.id, current_user.id)
        mine = entry.mark if entry is not None else None
    return {
        "check_in": {
            "manage": manage and meeting.cancelled_at is None,
            "open": found.is_open,
            "self": found.is_open
            and found.self_check_in
            and can(current_user, Action.CHECK_IN, found),
            "mine": mine,
        }
    }
