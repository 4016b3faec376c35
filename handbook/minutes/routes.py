"""The minutes' pages: the minutes (drafted when the secretary first opens them), "Kết thúc và
lập biên bản", the facts, a section saved, an approval, a new version, an approved version.

Forms that fail come back with a Vietnamese message; a section that another secretary saved
meanwhile comes back with their text above and this secretary's own text still in the box
(409): nothing typed is lost.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.core.policy import Action, can, load, require
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import VIETNAM_TZ, to_local
from handbook.meetings.models import Meeting
from handbook.minutes import approval, editing, jobs, operations, record
from handbook.minutes.models import Minutes, Signer
from handbook.minutes.operations import MinutesError

bp = Blueprint("minutes", __name__)


def loaded(meeting_id: int, action: Action = Action.MINUTES_VIEW) -> Minutes:
    """The meeting's minutes if the signed-in user may ``action`` them (404 / 403 else)."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    found = operations.minutes_of(meeting)
    require(current_user, action, found)
    if not operations.stored(found):
        raise MinutesError("Biên bản của buổi sinh hoạt này chưa được lập.", 404)
    return found


def signed_notes(minutes: Minutes, sha: str, number: int | None = None) -> dict[Signer, str]:
    """The note "Đã duyệt trên ứng dụng lúc …" of each signer whose approval stands for
    ``sha`` (in version ``number``, the one being drafted if none)."""
    return {
        signer: f"Đã duyệt trên ứng dụng lúc {vn_datetime(given.approved_at)}"
        for signer, given in approval.standing(minutes, sha, number).items()
    }


def page(minutes: Minutes, conflict: MinutesError | None = None, status: int = 200) -> Any:
    """The minutes as this reader reads them: the draft's forms for its editors, the record
    for everyone else, the approvals, the versions kept, the reading aloud."""
    reading = approval.readable(minutes, current_user)
    editing_now = reading.draft and can(current_user, Action.MINUTES_EDIT, minutes)
    spoken = record.spoken(reading.record)
    audio = jobs.reading_of(minutes.id, spoken)
    started = to_local(minutes.started_at or minutes.meeting.starts_at)
    number = reading.version.number if reading.version else None
    return render_template(
        "minutes/show.html",
        meeting=minutes.meeting,
        minutes=minutes,
        reading=reading,
        sections=list(minutes.sections) if reading.version is None else [],
        editing=editing_now,
        manage=can(current_user, Action.MINUTES_EDIT, minutes),
        signer=reading.draft and can(current_user, Action.MINUTES_APPROVE, minutes),
        signed=signed_notes(minutes, reading.sha256, number),
        stale={a.signer.value for a in approval.approvals(minutes)} if reading.draft else set(),
        versions=approval.versions(minutes),
        members=editing.members(minutes.meeting) if editing_now else [],
        started=started,
        ended=to_local(minutes.ended_at) if minutes.ended_at else None,
        audio=jobs.payload(audio) if audio else None,
        conflict=conflict,
        numbered=record.numbered,
    ), status


@bp.get("/meetings/<int:meeting_id>/minutes")
@login_required
def show(meeting_id: int) -> Any:
    """The minutes: drafted from the branch's data the first time a manager opens them, and
    brought up to date (without touching what a person wrote) each time after."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    found = operations.minutes_of(meeting)
    if can(current_user, Action.MINUTES_EDIT, found):
        try:
            found = operations.ensure(meeting, current_user)
        except MinutesError as refused:
            db.session.rollback()
            flash(refused.message, "error")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
        operations.refresh(found)
        db.session.commit()
    return page(loaded(meeting_id))


@bp.post("/meetings/<int:meeting_id>/minutes/draft")
@login_required
def draft(meeting_id: int) -> Response:
    """The button "Kết thúc và lập biên bản" (``end=1``), or "Cập nhật từ dữ liệu"."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    require(current_user, Action.MINUTES_EDIT, operations.minutes_of(meeting))
    try:
        if request.form.get("end") == "1":
            editing.end_meeting(meeting, current_user)
            message = "Đã kết thúc buổi sinh hoạt và lập biên bản từ dữ liệu của chi bộ."
        else:
            operations.refresh(operations.ensure(meeting, current_user))
            message = "Đã cập nhật biên bản từ dữ liệu của chi bộ; phần đồng chí đã sửa được giữ."
    except MinutesError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("minutes.show", meeting_id=meeting.id))


def _moment(day: str, clock: str) -> datetime | None:
    if not clock:
        return None
    return datetime.combine(
        datetime.strptime(day, "%Y-%m-%d").date(), time.fromisoformat(clock), VIETNAM_TZ
    )


def _person(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValueError(value)
    return int(value)


@bp.post("/meetings/<int:meeting_id>/minutes/facts")
@login_required
def facts(meeting_id: int) -> Any:
    """Chair, minute-taker, times and place (the form carries the revision it was drawn at)."""
    minutes = loaded(meeting_id, Action.MINUTES_EDIT)
    form = request.form
    try:
        started = _moment(form.get("day", ""), form.get("start", ""))
        ended = _moment(form.get("day", ""), form.get("end", ""))
        if started and ended and ended < started:  # past midnight
            ended += timedelta(days=1)
        editing.set_facts(
            minutes,
            current_user,
            chair_id=_person(form.get("chair")),
            taker_id=_person(form.get("taker")),
            started_at=started,
            ended_at=ended,
            place=form.get("place", ""),
            revision=int(form.get("revision", "0") or 0),
        )
    except ValueError:
        db.session.rollback()
        flash("Ngày giờ hoặc người được chọn không hợp lệ.", "error")
    except MinutesError as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash("Đã lưu thông tin buổi sinh hoạt.", "success")
    return redirect(url_for("minutes.show", meeting_id=meeting_id) + "#facts")


@bp.post("/meetings/<int:meeting_id>/minutes/sections/<int:section_id>")
@login_required
def save_section(meeting_id: int, section_id: int) -> Any:
    """A section's words (``body``), or the system's new draft of it (``auto=1``)."""
    minutes = loaded(meeting_id, Action.MINUTES_EDIT)
    version = request.form.get("version", "")
    body = None if request.form.get("auto") == "1" else request.form.get("body", "")
    try:
        if not version.isdigit() or len(version) > 9:
            raise MinutesError("Yêu cầu không hợp lệ: thiếu phiên bản của phần này.", 400)
        editing.edit_section(minutes, section_id, body, int(version), current_user)
    except MinutesError as refused:
        db.session.rollback()
        if refused.status == 404:
            raise
        if refused.section is not None:  # saved by someone else meanwhile: give it all back
            return page(loaded(meeting_id), conflict=refused, status=409)
        flash(refused.message, "error")
        if refused.yours:
            flash("Nội dung đồng chí vừa viết (chưa lưu): " + refused.yours, "error")
        return redirect(url_for("minutes.show", meeting_id=meeting_id) + f"#s-{section_id}")
    db.session.commit()
    flash("Đã lưu.", "success")
    return redirect(url_for("minutes.show", meeting_id=meeting_id) + f"#s-{section_id}")


@bp.post("/meetings/<int:meeting_id>/minutes/approve")
@login_required
def approve(meeting_id: int) -> Response:
    minutes = loaded(meeting_id)
    revision = request.form.get("revision", "")
    try:
        if not can(current_user, Action.MINUTES_APPROVE, minutes):
            raise MinutesError(approval.NOT_A_SIGNER, 403)
        if not revision.isdigit() or len(revision) > 9:
            raise MinutesError("Yêu cầu không hợp lệ: thiếu bản được duyệt.", 400)
        locked = approval.approve(minutes, current_user, int(revision))
    except MinutesError as refused:
        if refused.status == 403:
            raise  # the page says who may approve
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("minutes.show", meeting_id=meeting_id))
    db.session.commit()
    if locked is not None:
        sha = locked.text_sha256
        flash(f"Biên bản đã được cả hai đồng chí duyệt và khóa (SHA-256: {sha}).", "success")
    else:
        flash("Đồng chí đã duyệt biên bản. Chờ người còn lại duyệt.", "success")
    return redirect(url_for("minutes.show", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/minutes/new-version")
@login_required
def new_version(meeting_id: int) -> Response:
    """Start editing again: the approved version stays as it was, readable, with its hash."""
    minutes = loaded(meeting_id, Action.MINUTES_EDIT)
    try:
        approval.new_version(minutes, current_user)
    except MinutesError as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(f"Đã lập phiên bản {minutes.number}: sửa rồi trình duyệt lại.", "success")
    return redirect(url_for("minutes.show", meeting_id=meeting_id))


@bp.errorhandler(MinutesError)
def _refused(error: MinutesError) -> Any:
    db.session.rollback()
    return render_template("error.html", status=error.status, message=error.message), error.status
