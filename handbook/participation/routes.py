"""The secretary's view of who has read and listened to a meeting's documents, and the reminder
to those who have not read them yet."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.accounts.models import User
from handbook.audio.models import ListenProgress
from handbook.core import db
from handbook.core.policy import Action, load
from handbook.documents.models import Document, ReadReceipt
from handbook.meetings.models import Meeting
from handbook.meetings.operations import MeetingError
from handbook.meetings.publishing import audience
from handbook.participation import operations

bp = Blueprint("participation", __name__)


@bp.get("/meetings/<int:meeting_id>/participation")
@login_required
def meeting(meeting_id: int) -> str:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    member_ids = audience(meeting.organization, meeting.reach)
    members = db.session.scalars(
        sa.select(User).where(User.id.in_(member_ids)).order_by(User.full_name)
    ).all()
    docs = db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id).order_by(Document.id)
    ).all()
    read = {
        (r.user_id, r.document_id): r.first_read_at
        for r in db.session.scalars(
            sa.select(ReadReceipt).where(ReadReceipt.document_id.in_([d.id for d in docs]))
        )
    }
    heard = {
        (entry.user_id, entry.document_id)
        for entry in db.session.scalars(
            sa.select(ListenProgress).where(
                ListenProgress.document_id.in_([d.id for d in docs]),
                ListenProgress.completed_at.is_not(None),
            )
        )
    }
    return render_template(
        "participation/meeting.html",
        meeting=meeting,
        members=members,
        documents=docs,
        read=read,
        heard=heard,
    )


@bp.post("/meetings/<int:meeting_id>/remind")
@login_required
def remind(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    try:
        users = operations.remind(meeting, current_user)
    except MeetingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("participation.meeting", meeting_id=meeting.id))
    db.session.commit()
    flash(
        f"Đã gửi lời nhắc tới {len(users)} đảng viên chưa đọc."
        if users
        else "Mọi đảng viên đã đọc đủ tài liệu.",
        "success",
    )
    return redirect(url_for("participation.meeting", meeting_id=meeting.id))
