"""Comments' doors: the forms that post without JavaScript, the discussion on a document's and
a meeting's page (answering their ``document_page`` and ``meeting_page`` signals), and the
secretary's view of a meeting's comments: mark each one, export the record."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Response as BaseResponse

from docs_store.errors import StorageError
from handbook.accounts.models import User
from handbook.comments import moderation, report, service
from handbook.comments import operations as ops
from handbook.comments.models import Comment
from handbook.comments.operations import CommentError, Target
from handbook.comments.storage import voice_store
from handbook.comments.voice import MAX_BYTES, MIME, TOO_BIG, BadRecording, sniff
from handbook.core import db
from handbook.core.policy import Action, can, load
from handbook.documents.models import Document, DocumentStatus
from handbook.documents.routes import document_page
from handbook.meetings.models import Meeting
from handbook.meetings.routes import meeting_page

bp = Blueprint("comments", __name__)

#: Before any comment was ever changed: "changed since" then means "every change".
_BEFORE_ANY_CHANGE = datetime(2000, 1, 1).astimezone().isoformat()


def _form_key(scope: str) -> str:
    """The ``client_id`` of a form that posts without JavaScript: the same while nothing of mine
    was posted since (a form sent twice stores one comment), new after each post of mine.
    Derived, not random, so an unchanged page draws the same and its ETag holds."""
    mine = db.session.scalar(
        sa.select(sa.func.max(Comment.id)).where(Comment.author_id == current_user.id)
    )
    message = f"form:{current_user.id}:{scope}:{mine or 0}".encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:24]


def _synced_at(comments: list[Comment]) -> str:
    """Where live updates take over: the latest change drawn on the page (not the clock, so an
    unchanged page draws the same). Anything changed later is stamped later."""
    stamps = [
        stamp
        for c in comments
        for stamp in (c.edited_at, c.hidden_at, c.unhidden_at, c.deleted_at)
        if stamp is not None
    ]
    return max(stamps).isoformat() if stamps else _BEFORE_ANY_CHANGE


@document_page.connect
def _discussion(document: Document) -> dict[str, object]:
    """The comments as the document's page first shows them; live updates take over from
    ``synced_at``."""
    if document.meeting_id is None or document.status is not DocumentStatus.READY:
        return {"comments": None}
    target = service.document_target(current_user, document.id)
    comments = ops.since(target)
    authors = _authors(comments)
    counts: dict[int, int] = {}
    replies: dict[int, list[object]] = {}
    for comment in comments:
        if comment.paragraph and comment.deleted_at is None:
            counts[comment.paragraph] = counts.get(comment.paragraph, 0) + 1
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    return {
        "comments": comments,
        "replies": replies,
        "paragraph_counts": counts,
        "may_comment": ops.may_post(current_user, target),
        "moderator": can(current_user, Action.MEETING_MANAGE, target.meeting),
        "last_comment_id": max((c.id for c in comments), default=0),
        "synced_at": _synced_at(comments),
        "new_client_id": _form_key(f"document:{document.id}"),
        "edit_minutes": int(ops.EDIT_WINDOW.total_seconds() // 60),
        "authors": authors,  # held while the page is drawn: each ``c.author`` is then loaded
    }


def _authors(comments: list[Comment]) -> list[User]:
    """The comments' authors in one query, not one per author as the page names each."""
    ids = {c.author_id for c in comments}
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))


@meeting_page.connect
def _agenda_discussion(meeting: Meeting, *, manage: bool) -> dict[str, object]:
    """Comments on each agenda item (not on its documents), in order, deleted ones left out."""
    rows = db.session.scalars(
        sa.select(Comment)
        .where(
            Comment.meeting_id == meeting.id,
            Comment.agenda_item_id.is_not(None),
            Comment.document_id.is_(None),
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.id)
    )
    comments = list(rows)
    grouped: dict[int, list[Comment]] = {}
    for comment in comments:
        grouped.setdefault(comment.agenda_item_id or 0, []).append(comment)
    return {
        "agenda_comments": grouped,
        "document_comments": _document_counts(meeting),
        "agenda_authors": _authors(comments),  # held while the page is drawn
        "may_comment": ops.may_post(current_user, Target(meeting=meeting)),
        "new_client_id": _form_key(f"meeting:{meeting.id}"),
    }


#: Each document's comments as its page counts them (deleted ones left out), in one query.
_DOCUMENT_COUNTS = (
    sa.select(Comment.document_id, sa.func.count(Comment.id))
    .where(
        Comment.meeting_id == sa.bindparam("meeting"),
        Comment.document_id.is_not(None),
        Comment.deleted_at.is_(None),
    )
    .group_by(Comment.document_id)
)


def _document_counts(meeting: Meeting) -> dict[int, int]:
    """``document id → comments`` for the meeting page: the count beside each document is
    the one its own page shows."""
    rows = db.session.execute(_DOCUMENT_COUNTS, {"meeting": meeting.id})
    return {document_id or 0: count for document_id, count in rows}


def _post_and_return(data: dict[str, Any], page: str, *, on_error_anchor: str) -> BaseResponse:
    """Store the comment (a resubmitted form stores nothing twice) and show it on ``page``."""
    try:
        result = service.post(current_user, data)
    except CommentError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
        return redirect(page + on_error_anchor)
    return redirect(page + f"#c-{result['comment']['id']}")


@bp.post("/documents/<int:document_id>/comments")
@login_required
def post_on_document(document_id: int) -> BaseResponse:
    """The form without JavaScript: the same service, a client_id fixed when the page was drawn
    (so submitting twice stores one comment)."""
    data = {
        "document": document_id,
        "client_id": request.form.get("client_id"),
        "body": request.form.get("body"),
        "paragraph": request.form.get("paragraph", type=int),
        "parent": request.form.get("parent", type=int),
    }
    page = url_for("documents.show", document_id=document_id)
    return _post_and_return(data, page, on_error_anchor="#comments")


@bp.post("/meetings/<int:meeting_id>/agenda/<int:item_id>/comments")
@login_required
def post_on_agenda_item(meeting_id: int, item_id: int) -> BaseResponse:
    """A comment on an agenda item, from the meeting page (works without JavaScript)."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    if not any(item.id == item_id for item in meeting.agenda):
        abort(404)
    data = {
        "agenda_item": item_id,
        "client_id": request.form.get("client_id"),
        "body": request.form.get("body"),
        "parent": request.form.get("parent", type=int),
    }
    page = url_for("meetings.show", meeting_id=meeting.id)
    return _post_and_return(data, page, on_error_anchor=f"#item-{item_id}")


#: Said when the recording's upload broke off: the page keeps it and sends it again.
CUT_OFF = "Bản ghi âm chưa gửi trọn vì mất kết nối. Máy sẽ tự gửi lại khi có mạng."


@bp.post("/documents/<int:document_id>/comments/voice")
@login_required
def post_voice(document_id: int) -> tuple[Response, int]:
    """A voice comment from the page's outbox (multipart: ``audio``, ``client_id``, maybe
    ``paragraph`` or ``parent``), answered in JSON like the socket's ack. The recording is
    sniffed and timed here (``voice.sniff``); the same ``client_id`` again answers the stored
    comment, so a resend after a lost answer stores nothing twice."""
    try:
        if (request.content_length or 0) > MAX_BYTES + 64 * 1024:
            raise BadRecording(TOO_BIG, 413)
        upload = request.files.get("audio")
        data = upload.read(MAX_BYTES + 1) if upload is not None else b""
        fields = {
            "document": document_id,
            "client_id": request.form.get("client_id"),
            "body": request.form.get("body") or None,
            "paragraph": request.form.get("paragraph", type=int),
            "parent": request.form.get("parent", type=int),
        }
        # Who may post here is asked before the recording is looked at.
        service.document_target(current_user, document_id)
        result = service.post(current_user, fields, sniff(data))
    except ClientDisconnected:
        return jsonify(service.refusal(CommentError(CUT_OFF))), 400
    except BadRecording as bad:
        db.session.rollback()
        return jsonify(service.refusal(CommentError(bad.message, bad.status))), bad.status
    except CommentError as error:
        db.session.rollback()
        return jsonify(service.refusal(error)), error.status
    return jsonify(result), 201 if result["created"] else 200


@bp.get("/comments/<int:comment_id>/voice")
@login_required
def voice(comment_id: int) -> Response:
    """A voice comment's recording, with HTTP Range, to whoever may see the comment's words:
    its place's readers; once hidden, only its author and the meeting's managers; once
    deleted, nobody."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.voice_sha256 is None or comment.deleted_at is not None:
        abort(404)
    try:
        if comment.document_id is not None:
            target = service.document_target(current_user, comment.document_id)
        else:
            target = service.agenda_target(current_user, comment.agenda_item_id or 0)
    except CommentError:
        abort(404)
    if (
        comment.hidden_at is not None
        and comment.author_id != current_user.id
        and not can(current_user, Action.MEETING_MANAGE, target.meeting)
    ):
        abort(404)
    try:
        path = voice_store().path(comment.voice_sha256)
    except StorageError:
        abort(404)
    mimetype = MIME.get(comment.voice_kind or "", "application/octet-stream")
    response = send_file(
        path, mimetype=mimetype, conditional=True, etag=comment.voice_sha256, max_age=0
    )
    # Hiding or deleting must take effect at once: no copy outlives the next look.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/meetings/<int:meeting_id>/comments")
@login_required
def overview(meeting_id: int) -> str:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    return _overview(meeting)


def _overview(meeting: Meeting, **moderating: Any) -> str:
    """The secretary's view of the meeting's comments; ``moderating`` brings back a refused
    hiding (``refused``: comment id → message, ``reason``: what was typed)."""
    groups = report.meeting_comments(meeting)
    return render_template(
        "comments/overview.html",
        meeting=meeting,
        groups=groups,
        summary=report.summarize(groups),
        refused=moderating.get("refused", {}),
        typed_reason=moderating.get("reason", ""),
        reason_max=moderation.HIDE_REASON_MAX,
    )


def _comment_of(meeting: Meeting, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.meeting_id != meeting.id:
        abort(404)
    return comment


@bp.post("/meetings/<int:meeting_id>/comments/<int:comment_id>/hide")
@login_required
def hide(meeting_id: int, comment_id: int) -> BaseResponse | tuple[str, int]:
    """The form without JavaScript (the record's page): hide with a reason, through the same
    service as the socket and the API, so readers are told live."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    comment = _comment_of(meeting, comment_id)
    reason = request.form.get("reason", "")
    try:
        service.change(current_user, "hide", {"comment": comment.id, "reason": reason})
    except CommentError as exc:
        db.session.rollback()
        return _overview(meeting, refused={comment.id: exc.message}, reason=reason), exc.status
    flash("Đã ẩn góp ý. Tác giả vẫn thấy góp ý và lý do; người khác thấy “Góp ý đã ẩn”.", "success")
    return redirect(url_for("comments.overview", meeting_id=meeting.id, _anchor=f"c-{comment.id}"))


@bp.post("/meetings/<int:meeting_id>/comments/<int:comment_id>/unhide")
@login_required
def unhide(meeting_id: int, comment_id: int) -> BaseResponse | tuple[str, int]:
    """Show a hidden comment again ("Hiện lại"), for everyone, live, and audited."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    comment = _comment_of(meeting, comment_id)
    try:
        service.change(current_user, "unhide", {"comment": comment.id})
    except CommentError as exc:
        db.session.rollback()
        return _overview(meeting, refused={comment.id: exc.message}), exc.status
    flash("Đã hiện lại góp ý cho mọi người.", "success")
    return redirect(url_for("comments.overview", meeting_id=meeting.id, _anchor=f"c-{comment.id}"))


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
    # Imported here: python-docx and reportlab load only for an export (cold start).
    from handbook.comments import export

    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    body = export.to_docx(
        meeting,
        report.meeting_comments(meeting),
        request.host_url,
        made_by=current_user.full_name,
    )
    return _download(body, DOCX, f"gop-y-sinh-hoat-{meeting.id}.docx")


@bp.get("/meetings/<int:meeting_id>/comments.pdf")
@login_required
def export_pdf(meeting_id: int) -> Response:
    # Imported here: python-docx and reportlab load only for an export (cold start).
    from handbook.comments import export

    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    body = export.to_pdf(
        meeting,
        report.meeting_comments(meeting),
        request.host_url,
        made_by=current_user.full_name,
    )
    return _download(body, "application/pdf", f"gop-y-sinh-hoat-{meeting.id}.pdf")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    """An attachment under an ASCII name; like every page, never kept in a shared cache."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
