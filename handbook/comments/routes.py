"""The secretary's view of a meeting's comments: mark each one, export the record."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from handbook import db
from handbook.comments import export, report, service
from handbook.comments import operations as ops
from handbook.comments.models import Comment
from handbook.comments.operations import CommentError
from handbook.meetings.models import Meeting
from handbook.policy import Action, load

bp = Blueprint("comments", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/meetings/<int:meeting_id>/comments")
@login_required
def overview(meeting_id: int) -> str:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    groups = report.meeting_comments(meeting)
    return render_template(
        "comments/overview.html",
        meeting=meeting,
        groups=groups,
        summary=report.summarize(groups),
    )


@bp.post("/meetings/<int:meeting_id>/comments/<int:comment_id>/disposition")
@login_required
def disposition(meeting_id: int, comment_id: int) -> BaseResponse:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.meeting_id != meeting.id or comment.deleted_at is not None:
        abort(404)
    value = request.form.get("value")
    try:
        if comment.document_id is not None:
            service.change(current_user, "disposition", {"comment": comment.id, "value": value})
        else:
            # On the agenda item itself: no document room to tell, so the service (which
            # speaks per document) has no path for it; the same operation, then commit.
            ops.set_disposition(current_user, comment, value)
            db.session.commit()
    except CommentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("comments.overview", meeting_id=meeting.id))
    return redirect(url_for("comments.overview", meeting_id=meeting.id, _anchor=f"c-{comment.id}"))


@bp.get("/meetings/<int:meeting_id>/comments.docx")
@login_required
def export_docx(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    body = export.to_docx(meeting, report.meeting_comments(meeting))
    return _download(body, DOCX, f"gop-y-sinh-hoat-{meeting.id}.docx")


@bp.get("/meetings/<int:meeting_id>/comments.pdf")
@login_required
def export_pdf(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    body = export.to_pdf(meeting, report.meeting_comments(meeting))
    return _download(body, "application/pdf", f"gop-y-sinh-hoat-{meeting.id}.pdf")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    """An attachment under an ASCII name; like every page, never kept in a shared cache."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
