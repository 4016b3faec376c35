"""Posting, editing, hiding comments: the one set of service functions behind sockets and HTTP.

A comment is stored once per (author, client_id): a resend after a dropped connection, a reload
or two tabs racing returns the stored comment instead of a second one.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from limits import parse_many, storage, strategies

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.comments import mentions, replies
from handbook.comments.models import Comment, Disposition
from handbook.core import db
from handbook.core.inputs import is_id
from handbook.core.policy import Action, can
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.meetings.models import AgendaItem, Meeting

logger = logging.getLogger(__name__)

MAX_BODY = 5000
#: Authors may edit or delete their comment for this long.
EDIT_WINDOW = timedelta(minutes=15)
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


class CommentError(Exception):
    """A refusal with a Vietnamese message and the HTTP status that fits it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Target:
    """Where a comment goes: a document (maybe a paragraph of it) or an agenda item."""

    meeting: Meeting
    document: Document | None = None
    agenda_item: AgendaItem | None = None


def clean_body(raw: Any) -> str:
    if not isinstance(raw, str):
        raise CommentError("Nội dung góp ý phải là văn bản.")
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if not text:
        raise CommentError("Góp ý đang để trống.")
    if len(text) > MAX_BODY:
        raise CommentError(f"Góp ý dài quá {MAX_BODY:,} ký tự.".replace(",", "."))
    return text


def clean_client_id(raw: Any) -> str:
    if not isinstance(raw, str) or not _CLIENT_ID.fullmatch(raw):
        raise CommentError("Mã góp ý của thiết bị không hợp lệ.")
    return raw


def may_post(user: User, target: Target) -> bool:
    """Readers of a published document (or meeting) may discuss it, managers before that;
    nobody once the meeting is cancelled (the policy's DISCUSS)."""
    return can(user, Action.DISCUSS, target.document or target.meeting)


#: A cancelled meeting is read-only: shown, never discussed further.
CANCELLED = "Buổi sinh hoạt đã bị hủy nên không nhận thêm góp ý."


def _refuse_closed(meeting: Meeting | None) -> None:
    if meeting is not None and meeting.cancelled_at is not None:
        raise CommentError(CANCELLED, status=403)


def may_moderate(user: User, comment: Comment) -> bool:
    meeting = db.session.get(Meeting, comment.meeting_id)
    return meeting is not None and can(user, Action.MEETING_MANAGE, meeting)


#: One limiter per storage (memory, or the Redis that every process shares).
_limiters: dict[str, strategies.MovingWindowRateLimiter] = {}


def _check_rate(user: User) -> None:
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return
    uri = config["RATELIMIT_STORAGE_URI"]
    limiter = _limiters.get(uri)
    if limiter is None:
        limiter = _limiters[uri] = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(uri)
        )
    for limit in parse_many(config["COMMENT_RATE_LIMIT"]):
        try:
            allowed = limiter.hit(limit, "comments", str(user.id))
        except Exception:
            # The counter's storage (Redis) is down: a comment is worth more than a limit.
            logger.warning("comment rate limit unavailable; allowing", exc_info=True)
            return
        if not allowed:
            raise CommentError(
                "Bạn gửi góp ý quá nhanh. Vui lòng chờ một lát rồi gửi tiếp.", status=429
            )


def post(
    user: User,
    target: Target,
    *,
    body: Any,
    client_id: Any,
    parent_id: Any = None,
    paragraph: Any = None,
) -> tuple[Comment, bool]:
    """Store a new comment once; returns it and whether it was new. The caller commits."""
    client_id = clean_client_id(client_id)
    existing = _stored(user, client_id)
    if existing is not None:
        return existing, False
    if not may_post(user, target):
        _refuse_closed(target.meeting)
        raise CommentError("Không tìm thấy tài liệu.", status=404)
    text = clean_body(body)
    parent = _parent(parent_id, target)
    paragraph = _paragraph(paragraph, target)
    try:
        # Before the insert, never while it holds SQLite's write lock: under gevent a limiter
        # that yields there would leave every other writer blocking the whole process.
        _check_rate(user)
    except CommentError:
        # Another tab may have stored this very comment since the look-up above: its copy
        # is the answer, not "too fast".
        stored = _stored(user, client_id)
        if stored is None:
            raise
        return stored, False
    comment = Comment(
        meeting_id=target.meeting.id,
        document_id=target.document.id if target.document else None,
        agenda_item_id=target.agenda_item.id if target.agenda_item else None,
        paragraph=parent.paragraph if parent else paragraph,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        client_id=client_id,
        body=text,
    )
    try:
        with db.session.begin_nested():
            db.session.add(comment)
    except sa.exc.IntegrityError:  # the same comment, sent from another tab at this instant
        stored = _stored(user, client_id)
        if stored is None:
            raise
        return stored, False
    mentions.notify(user, comment, target.meeting, target.document)
    if parent is not None:  # the comment answered, not only its thread's first
        answered = db.session.get(Comment, parent_id) or parent
        replies.notify(user, comment, answered, target.document or target.meeting)
    return comment, True


def _stored(user: User, client_id: str) -> Comment | None:
    return db.session.scalar(
        sa.select(Comment).where(Comment.author_id == user.id, Comment.client_id == client_id)
    )


def _parent(parent_id: Any, target: Target) -> Comment | None:
    if parent_id is None:
        return None
    if not is_id(parent_id):
        raise CommentError("Góp ý được trả lời không hợp lệ.")
    parent = db.session.get(Comment, parent_id)
    same_place = parent is not None and (
        parent.document_id == (target.document.id if target.document else None)
        and parent.agenda_item_id == (target.agenda_item.id if target.agenda_item else None)
    )
    if parent is None or not same_place or parent.deleted_at is not None:
        raise CommentError("Không tìm thấy góp ý được trả lời.", status=404)
    return db.session.get(Comment, parent.parent_id) if parent.parent_id else parent


def _paragraph(paragraph: Any, target: Target) -> int | None:
    if paragraph is None or target.document is None:
        return None
    if not isinstance(paragraph, int) or isinstance(paragraph, bool) or not 1 <= paragraph <= 10**6:
        raise CommentError("Đoạn văn được góp ý không hợp lệ.")
    return paragraph


def _own_and_recent(user: User, comment: Comment) -> None:
    if comment.author_id != user.id:
        raise CommentError("Bạn chỉ có thể sửa hoặc xóa góp ý của mình.", status=403)
    _refuse_closed(db.session.get(Meeting, comment.meeting_id))
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise CommentError("Góp ý này không còn sửa được.", status=409)
    if utcnow() - comment.created_at > EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        raise CommentError(f"Chỉ sửa hoặc xóa được trong {minutes} phút sau khi gửi.", status=403)


def edit(user: User, comment: Comment, body: Any) -> Comment:
    _own_and_recent(user, comment)
    comment.body = clean_body(body)
    comment.edited_at = utcnow()
    comment.version += 1
    return comment


def delete(user: User, comment: Comment) -> Comment:
    _own_and_recent(user, comment)
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.version += 1
    return comment


def hide(user: User, comment: Comment, reason: Any) -> Comment:
    if not may_moderate(user, comment):
        raise CommentError("Chỉ bí thư chi bộ mới ẩn được góp ý.", status=403)
    reason = _CONTROL.sub("", reason) if isinstance(reason, str) else ""
    comment.hidden_at, comment.hidden_by_id = utcnow(), user.id
    comment.hidden_reason = " ".join(reason.split())[:500]
    comment.version += 1
    record("comment.hidden", actor_id=user.id, target=comment, reason=comment.hidden_reason)
    return comment


def set_disposition(user: User, comment: Comment, value: Any) -> Comment:
    if not may_moderate(user, comment):
        raise CommentError("Chỉ bí thư chi bộ mới đánh dấu được góp ý.", status=403)
    try:
        comment.disposition = Disposition(value)
    except ValueError as exc:
        raise CommentError("Cách xử lý góp ý không hợp lệ.") from exc
    comment.version += 1
    return comment


def _on(target: Target) -> sa.ColumnElement[bool]:
    """The comments of exactly this target: its document, or its agenda item itself.

    Comments on a document carry the meeting too, so filtering by meeting alone would hand an
    agenda item's readers every document's comments, published or not.
    """
    if target.document is not None:
        return Comment.document_id == target.document.id
    assert target.agenda_item is not None
    return sa.and_(
        Comment.meeting_id == target.meeting.id,
        Comment.document_id.is_(None),
        Comment.agenda_item_id == target.agenda_item.id,
    )


def since(target: Target, after_id: Any = None, *, limit: int = 500) -> list[Comment]:
    """Comments on the target after ``after_id`` (all without it): what a reconnect missed."""
    if after_id is not None and after_id != 0 and not is_id(after_id):
        raise CommentError("Mốc góp ý không hợp lệ.")
    query = sa.select(Comment).where(_on(target))
    if after_id:
        query = query.where(Comment.id > after_id)
    return list(db.session.scalars(query.order_by(Comment.id).limit(limit)))


def changed_since(target: Target, moment: Any) -> list[Comment]:
    """Comments edited, hidden or deleted after ``moment`` (ISO time the server last gave)."""
    if moment is None:
        return []
    try:
        stamp = datetime.fromisoformat(str(moment))
    except ValueError as exc:
        raise CommentError("Mốc thời gian không hợp lệ.") from exc
    if stamp.tzinfo is None:
        raise CommentError("Mốc thời gian không hợp lệ.")
    try:
        stamp = stamp.astimezone(UTC)  # e.g. year 1 at +14:00 has no UTC time to compare with
    except (ValueError, OverflowError) as exc:
        raise CommentError("Mốc thời gian không hợp lệ.") from exc
    query = sa.select(Comment).where(
        _on(target),
        sa.or_(Comment.edited_at > stamp, Comment.hidden_at > stamp, Comment.deleted_at > stamp),
    )
    return list(db.session.scalars(query.order_by(Comment.id)))
