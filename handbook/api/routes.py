"""The JSON API under ``/api/v1``: the same operations and the same policy as the pages.

Signed in with the session cookie; writes carry the CSRF token in ``X-CSRFToken`` (read it
from ``GET /api/v1/me``). Errors are ``{"error": {"status", "message"}}`` in Vietnamese.

A write without a session answers 401 before any CSRF check (the global check would say 400,
which tells an API client nothing); a signed-in write without the token still gets 400.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from handbook.api import serializers
from handbook.api.openapi import MAX_NOTIFICATIONS, spec
from handbook.comments import service as comment_service
from handbook.comments.operations import CommentError
from handbook.core import db
from handbook.core.extensions import csrf
from handbook.core.inputs import MAX_ID
from handbook.core.policy import Action, load
from handbook.documents import operations as documents
from handbook.documents.jobs import queue_extraction
from handbook.documents.models import Document, DocumentPage
from handbook.meetings import operations as meetings
from handbook.meetings.models import Meeting, MeetingKind
from handbook.meetings.publishing import schedule
from handbook.notifications import operations as notifications
from handbook.orgs.models import Organization, OrgKind, Reach

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# CSRF is checked below, after the sign-in check, so that a write without a session says 401.
csrf.exempt(bp)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BadRequest(ValueError):
    """A request body we cannot use; the message is for the caller, in Vietnamese."""


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[Response, int]:
    return jsonify(error={"status": 400, "message": str(error)}), 400


@bp.before_request
def _signed_in_writes() -> None:
    """Writes need a session (else 401), then the CSRF token (else 400, as on the pages)."""
    if request.method in _SAFE_METHODS:
        return
    if not current_user.is_authenticated:
        abort(401)
    config = current_app.config
    if config.get("WTF_CSRF_ENABLED", True) and config.get("WTF_CSRF_CHECK_DEFAULT", True):
        csrf.protect()


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON.")
    return data


def _string(data: dict[str, Any], key: str, *, required: bool = True, limit: int = 300) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(f"Trường “{key}” phải là chuỗi ký tự không rỗng.")
    if len(value) > limit:
        raise BadRequest(f"Trường “{key}” dài quá {limit} ký tự.")
    return value


def _moment(data: dict[str, Any], key: str, *, required: bool) -> datetime | None:
    value = data.get(key)
    if value is None and not required:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadRequest(f"Trường “{key}” phải là thời điểm ISO 8601 có múi giờ.") from exc
    if moment.tzinfo is None:
        raise BadRequest(f"Trường “{key}” phải có múi giờ, ví dụ 2026-12-05T19:30:00+07:00.")
    try:  # stored in UTC: 0001-01-01T00:00+07:00 has no UTC time
        moment.astimezone(UTC)
    except OverflowError as exc:
        raise BadRequest(f"Trường “{key}” nằm ngoài khoảng thời gian cho phép.") from exc
    return moment


def _query_int(key: str, *, low: int, high: int) -> int | None:
    """An integer query parameter from ``low`` to ``high``; None when absent."""
    raw = request.args.get(key)
    if raw is None:
        return None
    value = _bounded_int(raw, low, high)
    if value is None:
        raise BadRequest(f"Tham số “{key}” phải là số nguyên từ {low} đến {high}.")
    return value


def _bounded_int(raw: str, low: int, high: int) -> int | None:
    """``raw`` as a plain decimal from ``low`` to ``high`` (no sign, no spaces), else None."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(high)):  # also spares int() a number thousands of digits long
        return None
    value = int(digits)
    return value if low <= value <= high else None


def _since() -> str | None:
    """``?since=``: an ISO time with its zone, as the last answer's ``now`` gave it."""
    raw = request.args.get("since")
    if raw is not None:
        _moment({"since": raw}, "since", required=True)
    return raw


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec())


@bp.get("/me")
@login_required
def me() -> Response:
    return jsonify(
        id=current_user.id,
        full_name=current_user.full_name,
        phone=current_user.phone,
        memberships=[
            {
                "organization": {"id": m.organization_id, "name": m.organization.name},
                "role": m.role.value,
            }
            for m in current_user.memberships
        ],
        unread_notifications=notifications.unread_count(current_user.id),
        csrf_token=generate_csrf(),
    )


@bp.get("/organizations/<int:org_id>/meetings")
@login_required
def list_meetings(org_id: int) -> Response:
    org = load(Organization, org_id, Action.ORG_VIEW)
    return jsonify(
        meetings=[serializers.meeting(m) for m in meetings.visible_meetings(current_user, org)]
    )


@bp.post("/organizations/<int:org_id>/meetings")
@login_required
def create_meeting(org_id: int) -> tuple[Response, int]:
    org = load(Organization, org_id, Action.ORG_PUBLISH)
    data = _body()
    kind = data.get("kind", "regular")
    if kind not in {k.value for k in MeetingKind}:
        raise BadRequest("Trường “kind” phải là “regular” hoặc “thematic”.")
    agenda = data.get("agenda", [])
    if not isinstance(agenda, list) or not all(isinstance(a, str) for a in agenda):
        raise BadRequest("Trường “agenda” phải là danh sách chuỗi ký tự.")
    reach = (
        Reach.SUBTREE
        if data.get("reach") == "subtree" and org.kind is not OrgKind.BRANCH
        else Reach.SELF
    )
    try:
        meeting = meetings.save_meeting(
            None,
            organization=org,
            actor=current_user,
            title=_string(data, "title"),
            kind=MeetingKind(kind),
            starts_at=_moment(data, "starts_at", required=True),  # type: ignore[arg-type]
            place=_string(data, "place", required=False),
            agenda_text="\n".join(a.replace("\n", " ") for a in agenda[:50]),
            reach=reach,
        )
    except meetings.MeetingError as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    return jsonify(serializers.meeting(meeting, [])), 201


@bp.get("/meetings/<int:meeting_id>")
@login_required
def get_meeting(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    return jsonify(serializers.meeting(meeting, documents.visible_documents(current_user, meeting)))


@bp.post("/meetings/<int:meeting_id>/publish")
@login_required
def publish_meeting(meeting_id: int) -> Response:
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON.")
    try:
        at = meetings.publish(meeting, current_user, _moment(data, "publish_at", required=False))
    except meetings.MeetingError as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    schedule(at)
    db.session.expire_all()  # read back what the jobs wrote (attributes reload on access)
    return jsonify(serializers.meeting(meeting, documents.visible_documents(current_user, meeting)))


@bp.post("/meetings/<int:meeting_id>/documents")
@login_required
def upload_document(meeting_id: int) -> tuple[Response, int]:
    """One file per request, field ``file``; optional ``agenda_item_id`` and ``title``."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BadRequest("Thiếu tệp (trường “file”).")
    item_id = _form_id("agenda_item_id")
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    if item_id is not None and item is None:
        raise BadRequest("Nội dung chương trình không thuộc buổi sinh hoạt này.")
    try:
        document = documents.add_document(
            documents.Upload(file.filename, file.stream),
            organization=meeting.organization,
            actor=current_user,
            meeting=meeting,
            agenda_item=item,
            title=_form_title(),
        )
    except documents.UploadRefused as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    queue_extraction(document)
    db.session.expire_all()  # read back what the jobs wrote (attributes reload on access)
    return jsonify(serializers.document(document)), 201


def _form_id(key: str) -> int | None:
    """An optional id in the upload form; anything but one is refused, not ignored."""
    raw = request.form.get(key)
    if raw is None or raw == "":
        return None
    value = _bounded_int(raw, 1, MAX_ID)
    if value is None:
        raise BadRequest(f"Trường “{key}” phải là mã số hợp lệ.")
    return value


def _form_title() -> str | None:
    title = request.form.get("title")
    if title is not None and len(title) > 300:
        raise BadRequest("Trường “title” dài quá 300 ký tự.")
    return title


@bp.get("/documents/<int:document_id>")
@login_required
def get_document(document_id: int) -> Response:
    return jsonify(serializers.document(load(Document, document_id, Action.DOCUMENT_VIEW)))


@bp.get("/documents/<int:document_id>/pages")
@login_required
def get_pages(document_id: int) -> Response:
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    pages = db.session.scalars(
        sa.select(DocumentPage)
        .where(DocumentPage.document_id == document.id)
        .order_by(DocumentPage.number)
    )
    return jsonify(
        document=serializers.document(document), pages=[serializers.page(p) for p in pages]
    )


@bp.post("/documents/<int:document_id>/publish")
@login_required
def publish_document(document_id: int) -> Response:
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON.")
    try:
        at = documents.set_publication(
            document, current_user, _moment(data, "publish_at", required=False)
        )
    except documents.UploadRefused as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    schedule(at)
    db.session.expire_all()  # read back what the jobs wrote (attributes reload on access)
    return jsonify(serializers.document(document))


@bp.get("/notifications")
@login_required
def list_notifications() -> Response:
    limit = _query_int("limit", low=1, high=MAX_NOTIFICATIONS)
    if limit is None:
        limit = 50
    items = notifications.recent(current_user.id, limit=limit)
    return jsonify(
        notifications=[serializers.notification(n) for n in items],
        unread=notifications.unread_count(current_user.id),
    )


@bp.post("/notifications/read")
@login_required
def read_notifications() -> Response:
    count = notifications.mark_all_read(current_user.id)
    db.session.commit()
    return jsonify(marked=count, unread=0)


# --- comments: the HTTP fallback of the Socket.IO events (same service, same answers) -------


@bp.errorhandler(CommentError)
def _comment_refused(error: CommentError) -> tuple[Response, int]:
    return jsonify(error={"status": error.status, "message": error.message}), error.status


@bp.get("/documents/<int:document_id>/comments")
@login_required
def list_comments(document_id: int) -> Response:
    """All comments, or those after ``?after=<id>`` plus those changed since ``?since=<time>``."""
    after = _query_int("after", low=0, high=MAX_ID)
    _room, result = comment_service.sync(
        current_user, {"document": document_id, "after": after, "since": _since()}
    )
    result.pop("ok")
    return jsonify(result)


@bp.post("/documents/<int:document_id>/comments")
@login_required
def post_comment(document_id: int) -> tuple[Response, int]:
    """Idempotent: the same ``client_id`` again returns the stored comment with 200."""
    result = comment_service.post(current_user, {**_body(), "document": document_id})
    return jsonify(comment=result["comment"], created=result["created"]), (
        201 if result["created"] else 200
    )


@bp.get("/agenda-items/<int:item_id>/comments")
@login_required
def list_item_comments(item_id: int) -> Response:
    after = _query_int("after", low=0, high=MAX_ID)
    _room, result = comment_service.sync(
        current_user, {"agenda_item": item_id, "after": after, "since": _since()}
    )
    result.pop("ok")
    return jsonify(result)


@bp.post("/agenda-items/<int:item_id>/comments")
@login_required
def post_item_comment(item_id: int) -> tuple[Response, int]:
    result = comment_service.post(current_user, {**_body(), "agenda_item": item_id})
    return jsonify(comment=result["comment"], created=result["created"]), (
        201 if result["created"] else 200
    )


@bp.patch("/comments/<int:comment_id>")
@login_required
def edit_comment(comment_id: int) -> Response:
    data = {**_body(), "comment": comment_id}
    return jsonify(comment=comment_service.change(current_user, "edit", data)["comment"])


@bp.delete("/comments/<int:comment_id>")
@login_required
def delete_comment(comment_id: int) -> Response:
    result = comment_service.change(current_user, "delete", {"comment": comment_id})
    return jsonify(comment=result["comment"])


@bp.post("/comments/<int:comment_id>/hide")
@login_required
def hide_comment(comment_id: int) -> Response:
    data = {**_body(), "comment": comment_id}
    return jsonify(comment=comment_service.change(current_user, "hide", data)["comment"])


@bp.post("/comments/<int:comment_id>/disposition")
@login_required
def comment_disposition(comment_id: int) -> Response:
    data = {**_body(), "comment": comment_id}
    return jsonify(comment=comment_service.change(current_user, "disposition", data)["comment"])


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(_rest: str) -> Response:
    abort(404)
