"""Announcement pages: the list, writing one (with its documents), reading one, withdrawing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.announcements import operations, publishing
from handbook.announcements.forms import AnnouncementForm
from handbook.announcements.models import REASON_MAX, Announcement
from handbook.announcements.policy import may_send
from handbook.core import db
from handbook.core.policy import Action, can, load
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import utcnow
from handbook.documents.jobs import queue_after_commit
from handbook.documents.operations import WAITING_FOR_QUEUE, Upload, UploadRefused
from handbook.meetings.publishing import recipients_count, schedule
from handbook.notifications.operations import read_about
from handbook.orgs.models import Organization, OrgKind, Reach

bp = Blueprint("announcements", __name__)


@bp.get("/announcements")
@login_required
def index() -> str:
    return render_template(
        "announcements/index.html",
        announcements=operations.listed(current_user),
        unread=operations.unread_ids(current_user.id),
        senders=operations.senders(current_user),
    )


def _new_page(org: Organization, form: AnnouncementForm, **extra: Any) -> str:
    may_subtree = org.kind is not OrgKind.BRANCH and may_send(current_user, org, Reach.SUBTREE)
    return render_template(
        "announcements/new.html",
        org=org,
        form=form,
        may_subtree=may_subtree,
        counts={
            reach.value: recipients_count(org, reach, current_user.id)
            for reach in ((Reach.SELF, Reach.SUBTREE) if may_subtree else (Reach.SELF,))
        },
        **extra,
    )


@bp.route("/org/<int:org_id>/announcements/new", methods=["GET", "POST"])
@login_required
def create(org_id: int) -> Response | str | tuple[str, int]:
    """Write and send: now, or at a time; to the organisation, or (a committee) its subtree.
    A refused file or choice keeps what was typed and sends nothing."""
    org = load(Organization, org_id, Action.ORG_PUBLISH)
    if request.method == "GET":
        return _new_page(org, AnnouncementForm(formdata=None))
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return _new_page(org, form, error=form.first_problem()), 400
    files = [f for f in request.files.getlist("files") if f and f.filename]
    try:
        announcement, documents = operations.send(
            org,
            current_user,
            title=form.title.data or "",
            body=form.body.data or "",
            reach=Reach(form.reach.data),
            at=form.publish_at(),
            uploads=[Upload(f.filename or "", f.stream) for f in files],
        )
    except operations.AnnouncementRefused as refused:
        db.session.rollback()
        return _new_page(org, form, error=str(refused)), refused.status
    except UploadRefused as refused:
        db.session.rollback()
        error = f"{refused} Thông báo chưa được gửi: vui lòng chọn lại tệp đính kèm rồi gửi."
        return _new_page(org, form, error=error), 400
    waiting: list[int] = []
    for document in documents:
        queue_after_commit(document, waiting)
    db.session.commit()
    at = announcement.publish_at
    assert at is not None
    if at > utcnow():
        schedule(at)
        flash(
            f"Đã hẹn gửi thông báo lúc {vn_datetime(at)}: "
            f"{publishing.will_tell(announcement)} đảng viên sẽ nhận thông báo lúc đó.",
            "success",
        )
    else:
        told = publishing.publish_now(announcement.id)
        flash(
            "Đã gửi thông báo."
            + (f" {told} đảng viên đã được thông báo." if told else "")
            + (f" {WAITING_FOR_QUEUE}" if waiting else ""),
            "success",
        )
    return redirect(url_for("announcements.show", announcement_id=announcement.id))


def _page(announcement: Announcement, **extra: Any) -> str:
    manage = can(current_user, Action.ANNOUNCEMENT_MANAGE, announcement)
    withdrawn = announcement.withdrawn_at is not None
    documents = [
        d
        for d in announcement.documents
        if (manage or not withdrawn) and can(current_user, Action.DOCUMENT_VIEW, d)
    ]
    return render_template(
        "announcements/show.html",
        announcement=announcement,
        manage=manage,
        documents=documents,
        audience=publishing.audience_words(announcement),
        will_tell=publishing.will_tell(announcement) if manage else 0,
        reason_max=REASON_MAX,
        **extra,
    )


@bp.get("/announcements/<int:announcement_id>")
@login_required
def show(announcement_id: int) -> str:
    announcement = load(Announcement, announcement_id, Action.ANNOUNCEMENT_VIEW)
    if read_about(current_user.id, f"announcement:{announcement.id}"):
        db.session.commit()
    return _page(announcement)


@bp.post("/announcements/<int:announcement_id>/withdraw")
@login_required
def withdraw(announcement_id: int) -> Response | tuple[str, int]:
    """Take back an announcement (and its documents): before its time it is cancelled; after,
    its readers see that it was withdrawn, and why."""
    announcement = load(Announcement, announcement_id, Action.ANNOUNCEMENT_MANAGE)
    reason = request.form.get("reason")
    try:
        went_out = operations.withdraw(announcement, current_user, reason)
    except operations.AnnouncementRefused as refused:
        db.session.rollback()
        db.session.refresh(announcement)
        return _page(announcement, error=str(refused), typed_reason=reason or ""), refused.status
    db.session.commit()
    flash("Đã thu hồi thông báo." if went_out else "Đã hủy thông báo hẹn giờ.", "success")
    return redirect(url_for("announcements.show", announcement_id=announcement.id))
