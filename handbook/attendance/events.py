"""Socket.IO: the secretary's attendance screen follows check-ins and edits live, and a phone
checks in over its open connection (``attendance.check_in``) through the same service
function as the API's ``POST /api/v1/meetings/<id>/check-in``, with the same policy."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import join_room

from handbook.attendance import operations, tokens
from handbook.attendance.operations import AttendanceError
from handbook.core import db
from handbook.core.extensions import socketio
from handbook.core.inputs import is_id
from handbook.core.policy import Action, can
from handbook.core.realtime import forget_request
from handbook.meetings.models import Meeting


@socketio.on("attendance.join")
def _join(data: Any = None) -> dict[str, Any]:
    """Follow a meeting's attendance; only those who manage it (the policy's
    ``ATTENDANCE_MANAGE``). The answer is the list and counts now, so a screen that reconnects
    is whole again."""
    try:
        if not current_user.is_authenticated:
            return {"ok": False, "status": 401, "error": "Vui lòng đăng nhập lại."}
        meeting_id = data.get("meeting") if isinstance(data, dict) else None
        if not is_id(meeting_id):
            return {"ok": False, "status": 400, "error": "Yêu cầu không hợp lệ."}
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or not can(current_user, Action.MEETING_VIEW, meeting):
            return {"ok": False, "status": 404, "error": "Không tìm thấy buổi sinh hoạt."}
        sheet = operations.sheet_of(meeting)
        if not can(current_user, Action.ATTENDANCE_MANAGE, sheet):
            return {"ok": False, "status": 403, "error": "Chỉ bí thư chi bộ quản lý điểm danh."}
        join_room(operations.room(meeting.id), sid=request.sid)  # type: ignore[attr-defined]
        rows = operations.entries(sheet)
        closed = sheet.closed_at is not None
        return {
            "ok": True,
            "open": sheet.is_open,
            "entries": [operations.serialize(row, closed=closed) for row in rows],
            "counts": operations.serialize_summary(operations.summary(sheet, rows)),
        }
    finally:
        forget_request()


@socketio.on("attendance.check_in")
def _check_in(data: Any = None) -> dict[str, Any]:
    """Check oneself in: ``{"meeting": id, "token": code}``, or without ``token`` where the
    secretary allows "Tôi có mặt". Sent again (a reconnecting phone) it answers the same entry
    with ``checked_in: false``: nothing is counted twice."""
    try:
        if not current_user.is_authenticated:
            return {"ok": False, "status": 401, "error": "Vui lòng đăng nhập lại."}
        meeting_id = data.get("meeting") if isinstance(data, dict) else None
        token = data.get("token") if isinstance(data, dict) else None
        if not is_id(meeting_id) or not (token is None or isinstance(token, str)):
            return {"ok": False, "status": 400, "error": "Yêu cầu không hợp lệ."}
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or not can(current_user, Action.MEETING_VIEW, meeting):
            return {"ok": False, "status": 404, "error": "Không tìm thấy buổi sinh hoạt."}
        try:
            sheet, row, new = operations.check_in_member(
                current_user,
                meeting,
                token[:200] if token is not None else None,
                secret=current_app.config["SECRET_KEY"],
                now=time.time(),
            )
        except AttendanceError as exc:
            db.session.rollback()
            return {"ok": False, "status": exc.status, "error": exc.message}
        except tokens.TokenRefused as refused:
            db.session.rollback()
            return {"ok": False, "status": 400, "error": refused.refusal.value}
        db.session.commit()
        closed = sheet.closed_at is not None
        return {"ok": True, "checked_in": new, "entry": operations.serialize(row, closed=closed)}
    finally:
        forget_request()
