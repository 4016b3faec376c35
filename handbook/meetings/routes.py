"""Meeting pages: create, edit, publish, cancel, calendar.

The meeting's page shows what higher domains add to it: its documents and the upload form
(``documents``), comments on each agenda item (``comments``). Each answers the ``meeting_page``
signal with what it adds to the template. The publish screen reads the documents the same way
(the documents domain is above this one) to ask for a second step when there are none, or
when one is still being read or could not be read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from blinker import Namespace
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from handbook.core import db
from handbook.core.policy import Action, can, load
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import to_local, utcnow
from handbook.meetings import agenda_templates, calendar, operations, publishing
from handbook.meetings.forms import CancelForm, MeetingForm, PublishForm
from handbook.meetings.models import Meeting, MeetingKind
from handbook.notifications.operations import read_about
from handbook.orgs.models import Organization, OrgKind, Reach
from handbook.orgs.rhythm import next_regular_day

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
    if request.method == "GET" and "template" in request.args:
        try:
            _prefill(form, org, agenda_templates.get(request.args["template"]))
        except agenda_templates.TemplateError as exc:
            return _new_page(form, org, error=str(exc)), 400
    if not form.validate_on_submit():
        error = form.template.errors[0] if form.template.errors else None
        return _new_page(form, org, error=error), (400 if request.method == "POST" else 200)
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
        return _new_page(form, org, error=str(exc)), 400
    db.session.commit()
    flash("Đã tạo buổi sinh hoạt. Hãy tải tài liệu lên rồi công bố.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


def _new_page(form: MeetingForm, org: Organization, error: str | None = None) -> str:
    return render_template(
        "meetings/edit.html",
        form=form,
        org=org,
        meeting=None,
        error=error,
        templates=agenda_templates.TEMPLATES.values(),
        next_day=_next_regular_day(org),
        today_local=to_local(utcnow()).date(),
    )


def _next_regular_day(org: Organization) -> date | None:
    if org.regular_meeting_day is None:
        return None
    return next_regular_day(to_local(utcnow()).date(), org.regular_meeting_day)


def _prefill(
    form: MeetingForm, org: Organization, template: agenda_templates.AgendaTemplate
) -> None:
    """The template's title, kind and agenda; the date too when the branch has a regular day."""
    day = _next_regular_day(org)
    form.prefill(template, day or to_local(utcnow()).date())
    if day is not None and template.kind is MeetingKind.REGULAR:
        form.date.data = day


#: Sent to draw a meeting's page: each receiver returns the template variables it adds.
meeting_page = Namespace().signal("meeting.page")


@bp.get("/meetings/<int:meeting_id>")
@login_required
def show(meeting_id: int) -> str:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    if read_about(current_user.id, f"meeting:{meeting.id}"):
        db.session.commit()  # no longer "mới" on the home page, nor in the unread count
    manage = can(current_user, Action.MEETING_MANAGE, meeting)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        manage=manage,
        publication=publishing.state_of(meeting),
        publish_form=PublishForm(formdata=None),
        publish_plan=publishing.plan(meeting, current_user.id) if manage else None,
        cancel_form=CancelForm(),
        **_page_parts(meeting, manage),
    )


def _page_parts(meeting: Meeting, manage: bool) -> dict[str, Any]:
    """What the domains above add to a meeting's page (``meeting_page``)."""
    parts: dict[str, Any] = {"documents": [], "agenda_comments": {}, "may_comment": False}
    for _receiver, part in meeting_page.send(meeting, manage=manage):
        parts.update(part)
    return parts


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


@bp.route("/meetings/<int:meeting_id>/publish", methods=["GET", "POST"])
@login_required
def publish(meeting_id: int) -> BaseResponse | tuple[str, int]:
    """The publish screen: the form (now, or a date and time), then a second step when the
    meeting has no documents or one not read (the POST without ``confirm`` shows it and
    publishes nothing), then the publication, told at once when it is "now"."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    state = publishing.state_of(meeting)
    if state.kind == "published" or meeting.cancelled_at is not None:
        if meeting.cancelled_at is not None:
            flash("Buổi sinh hoạt đã bị hủy, không thể công bố.", "error")
        else:
            flash(f"{state.label}.", "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    form = PublishForm()
    if request.method == "GET":
        return _publish_page(meeting, PublishForm(formdata=None)), 200
    if not form.validate_on_submit():
        return _publish_page(meeting, form, error=form.problem()), 400
    reasons = _reasons_to_confirm(_page_parts(meeting, True)["documents"])
    try:
        at = operations.publish(meeting, current_user, form.publish_at())
    except operations.MeetingError as exc:
        db.session.rollback()
        return _publish_page(meeting, form, error=str(exc)), 400
    if reasons and not form.confirmed:
        db.session.rollback()  # the second step publishes; this one only asks
        return _publish_page(meeting, form, reasons=reasons, at=at), 200
    db.session.commit()
    if at > utcnow():
        publishing.schedule(at)
        plan = publishing.plan(meeting, current_user.id, at)
        who = f": {plan.count} đảng viên của {plan.audience} sẽ nhận thông báo lúc đó"
        flash(f"Đã hẹn giờ công bố lúc {vn_datetime(at)}{who if plan.count else ''}.", "success")
    else:
        flash(_told(publishing.publish_now(meeting.id)), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


def _told(told: int | None) -> str:
    if told is None:  # told by another run a moment before: members have it all the same
        return "Đã công bố. Đảng viên đã được thông báo."
    if told == 0:
        return "Đã công bố. Chưa có đảng viên nào khác để nhận thông báo."
    return f"Đã công bố. {told} đảng viên đã được thông báo."


def _publish_page(meeting: Meeting, form: PublishForm, **extra: Any) -> str:
    """The publish screen: the form with its errors, or the second step (``reasons``, ``at``)."""
    at = extra.get("at")
    if at is None and form.when.data == "later" and not form.errors:
        at = form.publish_at()
    later = at is not None and at > utcnow()
    return render_template(
        "meetings/publish.html",
        meeting=meeting,
        publication=publishing.state_of(meeting),
        publish_form=form,
        publish_plan=publishing.plan(
            meeting,
            current_user.id,
            at if later else None,
            now=form.when.data == "now",
        ),
        **extra,
    )


def _reasons_to_confirm(documents: list[Any]) -> list[str]:
    """Why publishing may be too early, in the secretary's words: no documents, or one still
    being read (members would open it empty), or one that could not be read."""
    if not documents:
        return [
            "Buổi sinh hoạt chưa có tài liệu nào. Đảng viên sẽ chỉ thấy thời gian, địa điểm và "
            "chương trình."
        ]
    reasons = []
    for d in documents:
        status = d.status.value
        if status in ("queued", "processing"):
            reasons.append(
                f"Tài liệu “{d.title}” chưa đọc xong ({d.progress}%). Đảng viên mở tài liệu lúc "
                "này sẽ chưa thấy nội dung."
            )
        elif status == "failed":
            reasons.append(
                f"Không đọc được tài liệu “{d.title}”: {d.error_message or 'tệp bị lỗi'}. "
                "Nên tải lên tệp khác trước khi công bố."
            )
    return reasons


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


@bp.get("/meetings/<int:meeting_id>/calendar.ics")
@login_required
def ics(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    body = calendar.ics_for(meeting, request.host)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="sinh-hoat-{meeting.id}.ics"'
    return response
