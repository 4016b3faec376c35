"""Comments over HTTP: the fallback of the Socket.IO events, through the same comment service,
so both transports give the same answers and refusals (403, 404, 409, 429 …)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.api.blueprint import bp
from handbook.api.contract import CONFLICT, TOO_FAST, body, operation, query
from handbook.api.inputs import (
    CommentEdit,
    CommentsQuery,
    DispositionChange,
    Hiding,
    NewComment,
    NewDocumentComment,
)
from handbook.api.schemas import CommentChanged, CommentList, CommentStored
from handbook.comments import service as comment_service

_RESENT = ((200, "Đã lưu từ trước (cùng client_id): không tạo bản mới"),)
#: Hiding a comment its author has deleted.
GONE = {409: "Góp ý đã được tác giả xóa"}


def _listed(target: dict[str, int]) -> Response:
    """All comments on the target, or those after ``?after=`` and changed since ``?since=``."""
    asked = query(CommentsQuery)
    since = asked.since.isoformat() if asked.since is not None else None
    _room, result = comment_service.sync(
        current_user, {**target, "after": asked.after, "since": since}
    )
    result.pop("ok")
    return jsonify(result)


def _stored(result: dict[str, Any]) -> tuple[Response, int]:
    """201 for a new comment, 200 for one this ``client_id`` stored before."""
    answer = jsonify(comment=result["comment"], created=result["created"])
    return answer, 201 if result["created"] else 200


@bp.get("/documents/<int:document_id>/comments")
@login_required
@operation(CommentList, query=CommentsQuery)
def list_comments(document_id: int) -> Response:
    """Comments on a document: all, or after ``?after=<id>`` and changed since ``?since=``."""
    return _listed({"document": document_id})


@bp.post("/documents/<int:document_id>/comments")
@login_required
@operation(
    CommentStored,
    status=201,
    description="Đã lưu",
    json=NewDocumentComment,
    extra_ok=_RESENT,
    also=TOO_FAST,
)
def post_comment(document_id: int) -> tuple[Response, int]:
    """Comment on a document or one of its paragraphs; the same ``client_id`` again returns
    the stored comment with 200 (idempotent)."""
    data = body(NewDocumentComment).model_dump()
    return _stored(comment_service.post(current_user, {**data, "document": document_id}))


@bp.get("/agenda-items/<int:item_id>/comments")
@login_required
@operation(CommentList, query=CommentsQuery)
def list_item_comments(item_id: int) -> Response:
    """Comments on an agenda item: all, or after ``?after=<id>`` and changed since ``?since=``."""
    return _listed({"agenda_item": item_id})


@bp.post("/agenda-items/<int:item_id>/comments")
@login_required
@operation(
    CommentStored,
    status=201,
    description="Đã lưu",
    json=NewComment,
    extra_ok=_RESENT,
    also=TOO_FAST,
)
def post_item_comment(item_id: int) -> tuple[Response, int]:
    """Comment on an agenda item; the same ``client_id`` again returns the stored one (200)."""
    data = body(NewComment).model_dump()
    return _stored(comment_service.post(current_user, {**data, "agenda_item": item_id}))


def _changed(action: str, comment_id: int, data: dict[str, Any]) -> Response:
    result = comment_service.change(current_user, action, {**data, "comment": comment_id})
    return jsonify(comment=result["comment"])


@bp.patch("/comments/<int:comment_id>")
@login_required
@operation(CommentChanged, json=CommentEdit, also=CONFLICT)
def edit_comment(comment_id: int) -> Response:
    """Edit one's own comment, within 15 minutes of posting it."""
    return _changed("edit", comment_id, {"body": body(CommentEdit).body})


@bp.delete("/comments/<int:comment_id>")
@login_required
@operation(CommentChanged, also=CONFLICT)
def delete_comment(comment_id: int) -> Response:
    """Delete one's own comment, within 15 minutes: it keeps its place, without its text."""
    return _changed("delete", comment_id, {})


@bp.post("/comments/<int:comment_id>/hide")
@login_required
@operation(CommentChanged, json=Hiding, also=GONE)
def hide_comment(comment_id: int) -> Response:
    """Hide a comment (the secretary), with a reason only its author sees; hiding one already
    hidden changes nothing."""
    return _changed("hide", comment_id, {"reason": body(Hiding).reason})


@bp.post("/comments/<int:comment_id>/unhide")
@login_required
@operation(CommentChanged)
def unhide_comment(comment_id: int) -> Response:
    """Show a hidden comment again (the secretary); one not hidden is left as it is."""
    return _changed("unhide", comment_id, {})


@bp.post("/comments/<int:comment_id>/disposition")
@login_required
@operation(CommentChanged, json=DispositionChange)
def comment_disposition(comment_id: int) -> Response:
    """Mark a comment accepted or to be explained (the secretary), for the meeting's record."""
    value = body(DispositionChange).value
    return _changed("disposition", comment_id, {"value": value.value})
