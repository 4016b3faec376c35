"""The secretary's view of who has read and listened to a meeting's documents, the reminder
to those who have not read them yet, and each member's "Đọc tiếp" (where they stopped reading).

The reading position lives here, above ``documents``: it is a trace of a member's reading like
the receipts this domain gathers, and the document's page gets it by its ``document_page``
signal (one read by primary key) rather than ``documents`` reaching up for it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
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
from handbook.orgs.models import Organization, OrgKind
from handbook.participation import exports, operations, overview, totals
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


def _quarter(branch_ids: list[int] | None = None) -> overview.Quarter:
    """The quarter the link names; without one, the latest meeting's (``branch_ids``)."""
    named = request.args.get("quarter") or request.form.get("quarter")
    if not named and branch_ids is not None:
        return overview.latest_quarter(branch_ids)
    return overview.Quarter.parse(named)


@bp.get("/org/<int:org_id>/participation")
@login_required
def branch(org_id: int) -> str:
    """Members × the quarter's meetings: the four marks, each member's and meeting's totals."""
    org = load(Organization, org_id, Action.ORG_PARTICIPATION)
    quarter = _quarter([org.id])
    return render_template(
        "participation/branch.html",
        org=org,
        quarter=quarter,
        grid=overview.grid([org.id], quarter),
        marks=overview.MARKS,
        above=org.kind is not OrgKind.BRANCH,
    )


@bp.get("/org/<int:org_id>/participation/branches")
@login_required
def branches(org_id: int) -> str:
    """A committee's branches side by side: members, meetings and the four rates each, counted
    by the database (``totals``): no member's cell is needed."""
    org = load(Organization, org_id, Action.ORG_PARTICIPATION)
    below = overview.branches_below(org)
    quarter = _quarter([b.id for b in below])
    return render_template(
        "participation/branches.html",
        org=org,
        quarter=quarter,
        branches=below,
        totals=totals.totals([b.id for b in below], quarter),
        marks=overview.MARKS,
    )


def _export(
    org: Organization,
    quarter: overview.Quarter,
    rows: list[list[exports.Cell]],
    what: str,
    fmt: str,
) -> Response:
    title = exports.file_title(org, quarter, what)
    if fmt == "csv":
        body, mime = exports.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(rows, what, title)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mime)
    response.headers["Content-Disposition"] = exports.disposition(title, fmt)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _branch_export(org_id: int, fmt: str) -> Response:
    org = load(Organization, org_id, Action.ORG_PARTICIPATION)
    quarter = _quarter([org.id])
    rows = exports.branch_rows(overview.grid([org.id], quarter))
    return _export(org, quarter, rows, "Tham gia sinh hoạt", fmt)


def _branches_export(org_id: int, fmt: str) -> Response:
    org = load(Organization, org_id, Action.ORG_PARTICIPATION)
    below = overview.branches_below(org)
    quarter = _quarter([b.id for b in below])
    rows = exports.branches_rows(totals.totals([b.id for b in below], quarter), below)
    return _export(org, quarter, rows, "Các chi bộ", fmt)


@bp.get("/org/<int:org_id>/participation.xlsx")
@login_required
def branch_xlsx(org_id: int) -> Response:
    return _branch_export(org_id, "xlsx")


@bp.get("/org/<int:org_id>/participation.csv")
@login_required
def branch_csv(org_id: int) -> Response:
    return _branch_export(org_id, "csv")


@bp.get("/org/<int:org_id>/participation/branches.xlsx")
@login_required
def branches_xlsx(org_id: int) -> Response:
    return _branches_export(org_id, "xlsx")


@bp.get("/org/<int:org_id>/participation/branches.csv")
@login_required
def branches_csv(org_id: int) -> Response:
    return _branches_export(org_id, "csv")


@bp.post("/org/<int:org_id>/participation/remind")
@login_required
def remind_idle(org_id: int) -> Response:
    """Remind the members of one of the branch's meetings who have done nothing for it."""
    org = load(Organization, org_id, Action.ORG_PARTICIPATION)
    quarter = _quarter([org.id])
    back = redirect(url_for("participation.branch", org_id=org.id, quarter=str(quarter)))
    raw = request.form.get("meeting", "")
    meeting = db.session.get(Meeting, int(raw)) if raw.isdigit() else None
    if meeting is None or meeting.organization_id != org.id:
        if raw and not raw.isdigit():
            flash("Buổi sinh hoạt không hợp lệ.", "error")
            return back
        if meeting is None and not raw:
            flash("Hãy chọn buổi sinh hoạt cần nhắc.", "error")
            return back
        abort(404)
    try:
        users = operations.remind_idle(meeting, current_user)
    except MeetingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    db.session.commit()
    flash(
        f"Đã nhắc {len(users)} đảng viên chưa đọc, chưa nghe, chưa góp ý."
        if users
        else "Không có ai cần nhắc hôm nay (đã tham gia, hoặc đã được nhắc).",
        "success",
    )
    return back
