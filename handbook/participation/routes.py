"""The secretary's view of who has read and listened to a meeting's documents, the reminder
to those who have not read them yet, and each member's "Đọc tiếp" (where they stopped reading).

The reading position lives here, above ``documents``: it is a trace of a member's reading like
the receipts this domain gathers, and the document's page gets it by its ``document_page``
signal (one read by primary key) rather than ``documents`` reaching up for it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.accounts.models import User
from handbook.audio.models import ListenProgress
from handbook.core import db
from handbook.core.policy import Action, load
from handbook.documents.models import Document, DocumentStatus, ReadReceipt
from handbook.documents.routes import document_page
from handbook.meetings.models import Meeting
from handbook.meetings.operations import MeetingError
from handbook.meetings.publishing import audience
from handbook.participation import operations
from handbook.participation.models import ReadingPosition

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


@document_page.connect
def _resume(document: Document) -> dict[str, object]:
    """ "Đọc tiếp" for the document's page: the member's position, read by primary key."""
    if document.status is not DocumentStatus.READY:
        return {}
    position = db.session.get(ReadingPosition, (current_user.id, document.id))
    return {"resume": operations.resume_point(position, document)}


@bp.post("/documents/<int:document_id>/reading")
@login_required
def reading(document_id: int) -> Response | tuple[Response, int]:
    """The page reports the paragraph the member last saw (JSON, as the player reports)."""
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    try:
        position, changed = operations.record_position(
            current_user, document, request.get_json(silent=True)
        )
    except operations.ReadingError as error:
        db.session.rollback()
        body = {"error": {"status": error.status, "message": str(error)}}
        return jsonify(body), error.status
    if changed:
        db.session.commit()
    return jsonify(n=position.paragraph, changed=changed)
