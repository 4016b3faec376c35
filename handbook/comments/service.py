"""Comment requests as plain dicts in, plain dicts out: what Socket.IO events and the HTTP API
both call, so the two transports cannot drift apart. Each call commits and broadcasts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.comments import moderation
from handbook.comments import operations as ops
from handbook.comments.models import Comment
from handbook.comments.operations import CommentError, Target
from handbook.comments.serialize import comment_json
from handbook.comments.voice import Recording
from handbook.core import db
from handbook.core.aftercommit import after_commit
from handbook.core.inputs import is_id
from handbook.core.policy import Action, can
from handbook.core.realtime import agenda_room, document_room, push
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.meetings.models import AgendaItem, Meeting

_MISSING_DOCUMENT = "Không tìm thấy tài liệu."


def _int(data: dict[str, Any], key: str) -> int:
    """An id from the payload; one no database column can hold is refused, never queried."""
    value = data.get(key)
    if is_id(value):
        return value
    raise CommentError(f"Trường “{key}” phải là mã số hợp lệ (số nguyên dương).")


def _dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CommentError("Yêu cầu phải là một đối tượng JSON.")
    return data


#: A document with what the policy reads about it, in one query built once.
_DOCUMENT = (
    sa.select(Document)
    .where(Document.id == sa.bindparam("document"))
    .options(so.joinedload(Document.organization), so.joinedload(Document.meeting))
)


def document_target(user: User, document_id: int) -> Target:
    """The document as a place to discuss, if ``user`` may read it; 404 otherwise."""
    document = db.session.scalar(_DOCUMENT, {"document": document_id})
    if (
        document is None
        or document.meeting is None
        or not can(user, Action.DOCUMENT_VIEW, document)
    ):
        raise CommentError(_MISSING_DOCUMENT, status=404)
    return Target(meeting=document.meeting, document=document)


def agenda_target(user: User, item_id: int) -> Target:
    """An agenda item as a place to discuss, if ``user`` may see its meeting; 404 otherwise."""
    item = db.session.get(AgendaItem, item_id)
    meeting = db.session.get(Meeting, item.meeting_id) if item is not None else None
    if item is None or meeting is None or not can(user, Action.MEETING_VIEW, meeting):
        raise CommentError("Không tìm thấy nội dung chương trình.", status=404)
    return Target(meeting=meeting, agenda_item=item)


def target_of(user: User, data: dict[str, Any]) -> Target:
    """``{"document": id}`` or ``{"agenda_item": id}``."""
    if "agenda_item" in data and "document" not in data:
        return agenda_target(user, _int(data, "agenda_item"))
    return document_target(user, _int(data, "document"))


def room_of(target: Target) -> str:
    if target.document is not None:
        return document_room(target.document.id)
    assert target.agenda_item is not None
    return agenda_room(target.agenda_item.id)


def sync(user: User, data: Any) -> tuple[str, dict[str, Any]]:
    """What the client missed since its last id and time; returns the room to follow."""
    data = _dict(data)
    target = target_of(user, data)
    new = ops.since(target, data.get("after"))
    changed = ops.changed_since(target, data.get("since"))
    return room_of(target), {
        "ok": True,
        "document": target.document.id if target.document else None,
        "agenda_item": target.agenda_item.id if target.agenda_item else None,
        "comments": [comment_json(c, viewer_id=user.id) for c in new],
        "changed": [comment_json(c, viewer_id=user.id) for c in changed],
        "now": utcnow().isoformat(),
    }


def post(user: User, data: Any, voice: Recording | None = None) -> dict[str, Any]:
    """Store a comment (a voice comment brings its checked ``voice``) and tell its readers."""
    data = _dict(data)
    target = target_of(user, data)
    comment, created, committed = ops.post_now(
        user,
        target,
        body=data.get("body"),
        client_id=data.get("client_id"),
        parent_id=data.get("parent"),
        paragraph=data.get("paragraph"),
        voice=voice,
    )
    if committed:  # stored with others by the process's writer: tell the readers now
        if created:
            push("comment.new", comment_json(comment), to=room_of(target))
    else:
        if created:
            _broadcast("comment.new", comment)
        db.session.commit()
    return {"ok": True, "created": created, "comment": comment_json(comment, viewer_id=user.id)}


def change(user: User, action: str, data: Any) -> dict[str, Any]:
    """``edit``, ``delete``, ``hide``, ``unhide`` or ``disposition`` one comment, and tell its
    readers: the socket, the API and the pages' forms all come here."""
    data = _dict(data)
    comment = db.session.get(Comment, _int(data, "comment"))
    if comment is None:
        raise CommentError("Không tìm thấy góp ý.", status=404)
    if comment.document_id is not None:  # may this user see it at all?
        document_target(user, comment.document_id)
    elif comment.agenda_item_id is not None:
        agenda_target(user, comment.agenda_item_id)
    if action == "edit":
        ops.edit(user, comment, data.get("body"))
    elif action == "delete":
        ops.delete(user, comment)
    elif action == "hide":
        moderation.hide(user, comment, data.get("reason"))
    elif action == "unhide":
        moderation.unhide(user, comment)
    elif action == "disposition":
        ops.set_disposition(user, comment, data.get("value"))
    else:  # pragma: no cover - transports only pass the five above
        raise CommentError("Thao tác không hợp lệ.")
    _broadcast("comment.changed", comment)
    db.session.commit()
    return {"ok": True, "comment": comment_json(comment, viewer_id=user.id)}


def _broadcast(event: str, comment: Comment) -> None:
    """Tell the comment's readers once the change commits (never if it rolls back)."""
    db.session.flush()
    if comment.document_id is not None:
        room = document_room(comment.document_id)
    elif comment.agenda_item_id is not None:
        room = agenda_room(comment.agenda_item_id)
    else:  # pragma: no cover - every comment is on a document or an agenda item
        return
    after_commit(push, event, comment_json(comment), to=room)


def refusal(error: CommentError) -> dict[str, Any]:
    answer: dict[str, Any] = {"ok": False, "status": error.status, "error": error.message}
    if error.retry_after is not None:
        answer["retry_after"] = error.retry_after
    return answer
