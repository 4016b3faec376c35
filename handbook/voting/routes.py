"""Vote pages: the secretary's desk for a meeting (create, edit a draft, open, enter a show of
hands, close; live "đã biểu quyết: 3/5"), and a vote's page: the member's ballot, then the
result. The forms post without JavaScript; ``voting.js`` sends ballots over Socket.IO and keeps
one the network lost until it can go."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.attendance import operations as attendance
from handbook.attendance.rules import Rule
from handbook.core import db
from handbook.core.errors import render_error
from handbook.core.policy import Action, can, load, require
from handbook.meetings.models import Meeting
from handbook.meetings.routes import meeting_page
from handbook.voting import closing, drafting, service
from handbook.voting.drafting import KIND_LABELS, METHOD_LABELS
from handbook.voting.models import Method, Vote, VoteKind
from handbook.voting.operations import VoteError
from handbook.voting.state import meeting_json, one_json, voters_of

bp = Blueprint("voting", __name__)


def _managed(meeting_id: int) -> Meeting:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    require(current_user, Action.MEETING_MANAGE, meeting)
    return meeting


def _vote(vote_id: int, action: Action) -> Vote:
    return load(Vote, vote_id, action)


@bp.errorhandler(VoteError)
def _refused(error: VoteError) -> Any:
    db.session.rollback()
    return render_error(error.status, error.message)


def _draft_fields(meeting: Meeting) -> drafting.Draft:
    form = request.form
    return drafting.check(
        meeting,
        title=form.get("title", ""),
        text=form.get("text", ""),
        kind=form.get("kind") or VoteKind.MOTION,
        rule=form.get("rule") or Rule.RESOLUTION,
        secret=form.get("secret") == "1",
        method=form.get("method") or Method.PHONES,
        options=form.get("options", "").splitlines(),
        agenda_item_id=form.get("agenda_item") or None,
    )


def _seen() -> int:
    version = request.form.get("version", "")
    if not version.isdigit() or len(version) > 9:
        raise VoteError("Yêu cầu không hợp lệ: thiếu phiên bản.")
    return int(version)


def _desk(meeting: Meeting, *, form: dict[str, Any] | None = None, error: str | None = None) -> str:
    return render_template(
        "voting/desk.html",
        meeting=meeting,
        votes=meeting_json(meeting, current_user),
        found=attendance.summary(attendance.sheet_of(meeting)),
        form=form or {},
        error=error,
        kinds=KIND_LABELS,
        methods=METHOD_LABELS,
        rules=list(Rule),
        live_updates=True,
    )


@bp.get("/meetings/<int:meeting_id>/votes")
@login_required
def desk(meeting_id: int) -> str:
    """The secretary's votes for the meeting: new, drafts, open (live), closed with results."""
    return _desk(_managed(meeting_id))


@bp.post("/meetings/<int:meeting_id>/votes")
@login_required
def create(meeting_id: int) -> Response | tuple[str, int]:
    meeting = _managed(meeting_id)
    try:
        vote = drafting.create(meeting, current_user, _draft_fields(meeting))
    except VoteError as exc:
        db.session.rollback()
        return _desk(meeting, form=request.form.to_dict(), error=exc.message), exc.status
    db.session.commit()
    flash("Đã tạo biểu quyết. Kiểm tra lại nội dung rồi bấm “Mở biểu quyết”.", "success")
    return redirect(url_for("voting.desk", meeting_id=meeting.id) + f"#vote-{vote.id}")


def _change(vote_id: int, work: Any, done: str) -> Response:
    """Run a secretary's change; its refusal is flashed, the desk shows the vote as it is."""
    vote = _vote(vote_id, Action.VOTE_MANAGE)
    meeting_id = vote.meeting_id
    try:
        work(vote)
    except VoteError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("voting.desk", meeting_id=meeting_id) + f"#vote-{vote_id}")


@bp.post("/votes/<int:vote_id>/edit")
@login_required
def edit(vote_id: int) -> Response:
    return _change(
        vote_id,
        lambda v: drafting.edit(v, current_user, _draft_fields(v.meeting), _seen()),
        "Đã lưu biểu quyết.",
    )


@bp.post("/votes/<int:vote_id>/open")
@login_required
def open_vote(vote_id: int) -> Response:
    return _change(
        vote_id,
        lambda v: closing.open_vote(v, current_user, _seen()),
        "Đã mở biểu quyết: đảng viên biểu quyết trên điện thoại hoặc giơ tay.",
    )


@bp.post("/votes/<int:vote_id>/counts")
@login_required
def counts(vote_id: int) -> Response:
    def work(vote: Vote) -> None:
        entered: dict[int, Any] = {}
        for option in vote.options:
            raw = request.form.get(f"count-{option.id}", "").strip() or "0"
            if not raw.isdigit() or len(raw) > 6:
                raise VoteError(f"Số người chọn “{option.label}” phải là số nguyên không âm.")
            entered[option.id] = int(raw)
        closing.enter_counts(vote, current_user, entered, _seen())

    return _change(vote_id, work, "Đã lưu kết quả giơ tay.")


@bp.post("/votes/<int:vote_id>/close")
@login_required
def close(vote_id: int) -> Response:
    return _change(
        vote_id,
        lambda v: closing.close_vote(v, current_user, _seen()),
        "Đã kết thúc biểu quyết; kết quả đã được gửi tới đảng viên.",
    )


def ballot_key(vote: Vote) -> str:
    """The ``client_id`` of the ballot form without JavaScript: the same for this member and
    vote, so a form sent twice is one ballot (``voting.js`` makes its own per ballot)."""
    message = f"ballot:{current_user.id}:{vote.id}".encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:24]


@bp.get("/votes/<int:vote_id>")
@login_required
def show(vote_id: int) -> str:
    """A vote's page: the ballot while it is open, then the result with its verdict."""
    vote = _vote(vote_id, Action.MEETING_VIEW)
    manage = can(current_user, Action.VOTE_MANAGE, vote)
    return render_template(
        "voting/vote.html",
        meeting=vote.meeting,
        vote=one_json(vote, current_user),
        manage=manage,
        voters=voters_of(vote) if manage else None,
        client_id=ballot_key(vote),
        live_updates=True,
    )


@bp.post("/votes/<int:vote_id>/ballot")
@login_required
def ballot(vote_id: int) -> Response:
    """The ballot form (without JavaScript): one choice, once."""
    vote = _vote(vote_id, Action.MEETING_VIEW)
    option = request.form.get("option", "")
    try:
        answer = service.cast_in(
            current_user,
            vote,
            int(option) if option.isdigit() and len(option) <= 10 else None,
            request.form.get("client_id"),
        )
    except VoteError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        said = (
            "Đã ghi nhận phiếu của đồng chí."
            if answer["created"]
            else "Phiếu đã được ghi nhận từ trước."
        )
        flash(said, "success")
    return redirect(url_for("voting.show", vote_id=vote_id))


@meeting_page.connect
def _on_meeting_page(meeting: Meeting, **_: Any) -> dict[str, object]:
    """The meeting page lists the votes that are open or closed, for everyone who sees them."""
    shown = [v for v in meeting_json(meeting, current_user) if v["status"] != "draft"]
    return {"votes_part": {"items": shown, "meeting_id": meeting.id}}
