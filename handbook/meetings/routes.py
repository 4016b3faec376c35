"""Meeting pages: create, edit, publish, cancel, upload documents, participation, calendar."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from handbook import db
from handbook.accounts.models import User
from handbook.audio.models import ListenProgress
from handbook.comments import operations as comment_ops
from handbook.comments.forms import post_and_return
from handbook.comments.models import Comment
from handbook.comments.operations import Target
from handbook.documents import operations as documents
from handbook.documents.jobs import status_payload
from handbook.documents.models import Document, ReadReceipt
from handbook.meetings import calendar, operations
from handbook.meetings.forms import CancelForm, MeetingForm, PublishForm, UploadForm
from handbook.meetings.models import Meeting, MeetingKind
from handbook.meetings.publishing import audience, schedule
from handbook.orgs.models import Organization, OrgKind, Reach
from handbook.policy import Action, can, load
from handbook.templating import vn_datetime
from handbook.timeutil import to_local, utcnow

bp = Blueprint("meetings", __name__)


@bp.get("/org/<int:org_id>/meetings")
@login_required
def index(org_id: int) -> str:
    org = load(Organization, org_id, Action.ORG_VIEW)
    visible = operations.visible_meetings(current_user, org)
    return render_template(
        "meetings/index.html",
        org=org,
        meetings=visible,
        may_create=can(current_user, Action.ORG_PUBLISH, org),
    )


@bp.route("/org/<int:org_id>/meetings/new", methods=["GET", "POST"])
@login_required
def create(org_id: int) -> BaseResponse | str | tuple[str, int]:
    org = load(Organization, org_id, Action.ORG_PUBLISH)
    form = MeetingForm()
    if not form.validate_on_submit():
        return render_template("meetings/edit.html", form=form, org=org, meeting=None), (
            400 if request.method == "POST" else 200
        )
    try:
        meeting = operations.save_meeting(
            None,
            organization=org,
            actor=current_user,
            title=form.title.data or "",
            kind=MeetingKind(form.kind.data),
            starts_at=form.starts_at(),
            place=form.place.data or "",
            agenda_text=form.agenda.data or "",
            reach=Reach.SUBTREE
            if form.subtree.data and org.kind is not OrgKind.BRANCH
            else Reach.SELF,
        )
    except operations.MeetingError as exc:
        db.session.rollback()
        return render_template(
            "meetings/edit.html", form=form, org=org, meeting=None, error=str(exc)
        ), 400
    db.session.commit()
    flash("Đã tạo buổi sinh hoạt. Hãy tải tài liệu lên rồi công bố.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>")
@login_required
def show(meeting_id: int) -> str:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    manage = can(current_user, Action.MEETING_MANAGE, meeting)
    upload = UploadForm()
    upload.agenda_item.choices = [SelectChoice("", "Cả buổi sinh hoạt")] + [
        SelectChoice(str(i.id), f"{i.position}. {i.title}") for i in meeting.agenda
    ]
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        agenda_comments=_agenda_comments(meeting),
        may_comment=comment_ops.may_post(current_user, Target(meeting=meeting)),
        new_client_id=secrets.token_urlsafe(18),
        documents=operations.visible_documents(current_user, meeting),
        manage=manage,
        publish_form=PublishForm(),
        cancel_form=CancelForm(),
        upload_form=upload,
    )


def _agenda_comments(meeting: Meeting) -> dict[int, list[Comment]]:
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
    grouped: dict[int, list[Comment]] = {}
    for comment in rows:
        grouped.setdefault(comment.agenda_item_id or 0, []).append(comment)
    return grouped


@bp.post("/meetings/<int:meeting_id>/agenda/<int:item_id>/comments")
@login_required
def comment_on_item(meeting_id: int, item_id: int) -> BaseResponse:
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
    return post_and_return(data, page, on_error_anchor=f"#item-{item_id}")


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int) -> BaseResponse | str | tuple[str, int]:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    form = MeetingForm(obj=None)
    if request.method == "GET":
        local = to_local(meeting.starts_at)
        form.title.data, form.kind.data, form.place.data = (
            meeting.title,
            meeting.kind.value,
            meeting.place,
        )
        form.date.data, form.time.data = local.date(), local.time()
        form.agenda.data = "\n".join(item.title for item in meeting.agenda)
        form.subtree.data = meeting.reach is Reach.SUBTREE
    if not form.validate_on_submit():
        return render_template(
            "meetings/edit.html", form=form, org=meeting.organization, meeting=meeting
        ), (400 if request.method == "POST" else 200)
    try:
        operations.save_meeting(
            meeting,
            organization=meeting.organization,
            actor=current_user,
            title=form.title.data or "",
            kind=MeetingKind(form.kind.data),
            starts_at=form.starts_at(),
            place=form.place.data or "",
            agenda_text=form.agenda.data or "",
            reach=meeting.reach
            if meeting.organization.kind is OrgKind.BRANCH
            else (Reach.SUBTREE if form.subtree.data else Reach.SELF),
        )
    except operations.MeetingError as exc:
        db.session.rollback()
        return render_template(
            "meetings/edit.html",
            form=form,
            org=meeting.organization,
            meeting=meeting,
            error=str(exc),
        ), 400
    db.session.commit()
    flash("Đã lưu thay đổi.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/publish")
@login_required
def publish(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    form = PublishForm()
    try:
        at = operations.publish(meeting, current_user, form.publish_at())
    except (operations.MeetingError, ValueError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    db.session.commit()
    schedule(at)
    if at <= utcnow():
        flash("Đã công bố. Đảng viên trong chi bộ đã được thông báo.", "success")
    else:
        flash(f"Đã hẹn giờ công bố lúc {vn_datetime(at)}.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required
def cancel(meeting_id: int) -> BaseResponse:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    form = CancelForm()
    try:
        operations.cancel(meeting, current_user, form.reason.data or "")
    except operations.MeetingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    db.session.commit()
    flash("Đã hủy buổi sinh hoạt. Đảng viên đã được báo.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/documents")
@login_required
def upload(meeting_id: int) -> BaseResponse | tuple[Response, int]:
    """Several files at once; each is kept or refused on its own, with its own message."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    wants_json = request.accept_mimetypes.best == "application/json"
    if not files:
        message = "Vui lòng chọn ít nhất một tệp."
        if wants_json:
            return jsonify(error={"status": 400, "message": message}), 400
        flash(message, "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    item_id = request.form.get("agenda_item", type=int)
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    kept, refused = [], []
    for file in files:
        try:
            document = documents.add_document(
                documents.Upload(file.filename or "", file.stream),
                organization=meeting.organization,
                actor=current_user,
                meeting=meeting,
                agenda_item=item,
            )
        except documents.UploadRefused as exc:
            db.session.rollback()
            refused.append({"filename": file.filename, "message": str(exc)})
            continue
        db.session.commit()
        kept.append(document)
    # Kept is kept: with the job queue down (Redis) they wait, and the sweep queues them.
    waiting = [d for d in kept if not documents.queue_extraction(d)]
    if wants_json:
        db.session.expire_all()  # jobs may have run inline, in their own session
        body: dict[str, object] = {
            "documents": [status_payload(db.session.get(Document, d.id)) for d in kept],
            "refused": refused,
        }
        if waiting:
            body["notice"] = documents.WAITING_FOR_QUEUE
        return jsonify(body), (201 if kept else 400)
    if waiting:
        flash(f"Đã nhận {len(kept)} tệp. {documents.WAITING_FOR_QUEUE}", "success")
    elif kept:
        flash(f"Đã nhận {len(kept)} tệp; hệ thống đang đọc nội dung.", "success")
    for item_error in refused:
        flash(item_error["message"], "error")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>/participation")
@login_required
def participation(meeting_id: int) -> str:
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
        "meetings/participation.html",
        meeting=meeting,
        members=members,
        documents=docs,
        read=read,
        heard=heard,
    )


@bp.post("/meetings/<int:meeting_id>/remind")
@login_required
def remind(meeting_id: int) -> BaseResponse:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    try:
        users = operations.remind(meeting, current_user)
    except operations.MeetingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.participation", meeting_id=meeting.id))
    db.session.commit()
    flash(
        f"Đã gửi lời nhắc tới {len(users)} đảng viên chưa đọc."
        if users
        else "Mọi đảng viên đã đọc đủ tài liệu.",
        "success",
    )
    return redirect(url_for("meetings.participation", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>/calendar.ics")
@login_required
def ics(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    body = calendar.ics_for(meeting, request.host)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="sinh-hoat-{meeting.id}.ics"'
    return response
