"""Posting and editing comments: the one set of service functions behind sockets and HTTP
(hiding is ``moderation``).

A comment is stored once per (author, client_id): a resend after a dropped connection, a reload
or two tabs racing returns the stored comment instead of a second one.
"""

from __future__ import annotations

import io
import logging
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from limits import parse_many, storage, strategies
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from docs_store.errors import StorageError
from handbook.accounts.models import User
from handbook.comments import mentions, replies
from handbook.comments.models import Comment, Disposition
from handbook.comments.storage import voice_store
from handbook.comments.voice import Recording
from handbook.core import db
from handbook.core.aftercommit import after_commit
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
    """A refusal with a Vietnamese message and the HTTP status that fits it; "too fast" says
    when to send again (``retry_after`` seconds), so the outbox waits instead of guessing."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


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
            wait = _wait(limiter, limit, user)
            raise CommentError(
                f"Đồng chí gửi góp ý quá nhanh. Góp ý được giữ lại và tự gửi sau {wait} giây.",
                status=429,
                retry_after=wait,
            )


def _wait(limiter: strategies.MovingWindowRateLimiter, limit: Any, user: User) -> int:
    """Whole seconds until ``limit`` lets this member post again (at least one)."""
    try:
        reset = limiter.get_window_stats(limit, "comments", str(user.id)).reset_time
    except Exception:  # the counter's storage went away meanwhile: a short wait
        return 5
    return max(1, math.ceil(reset - time.time()))


def post(
    user: User,
    target: Target,
    *,
    body: Any,
    client_id: Any,
    parent_id: Any = None,
    paragraph: Any = None,
    voice: Recording | None = None,
) -> tuple[Comment, bool]:
    """Store a new comment once; returns it and whether it was new. The caller commits."""
    comment, created = _checked(user, target, body, client_id, parent_id, paragraph, voice)
    if not created:
        return comment, False
    return _insert_here(user, target, comment, parent_id)


def _insert_here(
    user: User, target: Target, comment: Comment, parent_id: Any
) -> tuple[Comment, bool]:
    """Insert the checked ``comment`` in this session (the caller commits) and tell whom it
    concerns."""
    db.session.add(comment)
    try:
        # No savepoint: under pysqlite one opens the transaction and its release commits it
        # (a second sync to disk per comment), and nothing before this insert is written.
        db.session.flush()
    except sa.exc.IntegrityError:  # the same comment, sent from another tab at this instant
        db.session.rollback()
        stored = _stored(user, comment.client_id)
        if stored is None:
            raise
        return stored, False
    _notify(user, comment, target, parent_id)
    return comment, True


def post_now(
    user: User,
    target: Target,
    *,
    body: Any,
    client_id: Any,
    parent_id: Any = None,
    paragraph: Any = None,
    voice: Recording | None = None,
) -> tuple[Comment, bool, bool]:
    """``post``, committed before it returns when it can be: returns the comment, whether it
    was new, and whether it is committed already (else the caller commits, as for ``post``).

    Under ``serve`` a comment that tells no one (no mention, not a reply) is stored by the
    process's ``Writer`` together with those posted at the same moment: one transaction and
    one sync to disk for all of them, instead of one each."""
    comment, created = _checked(user, target, body, client_id, parent_id, paragraph, voice)
    if not created:
        return comment, False, False
    writer = Writer.of_app()
    if writer is None or comment.parent_id is not None or "@" in comment.body:
        comment, created = _insert_here(user, target, comment, parent_id)
        return comment, created, False
    _release()
    comment_id = writer.store(_columns(comment))
    if comment_id is None:  # the same comment, stored by another tab at this instant
        stored = _stored(user, comment.client_id)
        if stored is None:
            raise CommentError("Hệ thống gặp sự cố, vui lòng gửi lại sau.", status=500)
        return stored, False, True
    comment.id = comment_id
    # The author without loading it: the transient comment never joins this session.
    set_committed_value(comment, "author", user)
    return comment, True, True


def _checked(
    user: User,
    target: Target,
    body: Any,
    client_id: Any,
    parent_id: Any,
    paragraph: Any,
    voice: Recording | None = None,
) -> tuple[Comment, bool]:
    """The stored comment with this ``client_id`` (and False), or a new one, checked, rate
    limited, not yet stored (and True). A voice comment's recording is stored here, once the
    comment is known to be allowed; its words are optional."""
    client_id = clean_client_id(client_id)
    existing = _stored(user, client_id)
    if existing is not None:
        return existing, False
    if not may_post(user, target):
        _refuse_closed(target.meeting)
        raise CommentError("Không tìm thấy tài liệu.", status=404)
    text = "" if voice is not None and body in (None, "") else clean_body(body)
    parent = _parent(parent_id, target)
    paragraph = _paragraph(paragraph, target)
    _release()
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
    sha256 = _keep_recording(voice) if voice is not None else None
    comment = Comment(
        meeting_id=target.meeting.id,
        document_id=target.document.id if target.document else None,
        agenda_item_id=target.agenda_item.id if target.agenda_item else None,
        paragraph=parent.paragraph if parent else paragraph,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        client_id=client_id,
        body=text,
        voice_sha256=sha256,
        voice_kind=voice.kind if voice is not None else None,
        voice_ms=voice.duration_ms if voice is not None else None,
        created_at=utcnow(),
        edited_at=None,
        deleted_at=None,
        hidden_at=None,
        hidden_reason="",
        hidden_by_id=None,
        disposition=Disposition.NONE,
        version=1,
    )
    return comment, True


def _keep_recording(voice: Recording) -> str:
    """Store a checked recording (content-addressed: a resend stores nothing twice)."""
    try:
        return voice_store().save(io.BytesIO(voice.data)).sha256
    except StorageError as exc:
        logger.error("voice comment not stored: %s", exc)
        raise CommentError("Hệ thống gặp sự cố, vui lòng gửi lại sau.", status=500) from exc


def _release() -> None:
    """Give this session's connection back to the pool before waiting (the rate limiter starts
    a timer thread or asks Redis; the writer commits): posters waiting with a connection each
    outgrew the pool, and a SQLite connection opened past it is opened, set up and closed again
    for every post. Only a session that has written nothing yet; what it read stays loaded
    (``expire_on_commit`` is off)."""
    session = db.session
    if not (session.new or session.dirty or session.deleted):
        session.commit()


def _notify(user: User, comment: Comment, target: Target, answered_id: Any) -> None:
    """A new comment's mentions and, for a reply, the authors of the comment it answers (not
    only its thread's first) told."""
    mentions.notify(user, comment, target.meeting, target.document)
    if comment.parent_id is not None:
        thread = db.session.get(Comment, comment.parent_id)
        answered = db.session.get(Comment, answered_id) or thread
        if answered is not None:
            replies.notify(user, comment, answered, target.document or target.meeting)


def _columns(comment: Comment) -> dict[str, Any]:
    return {
        column.key: getattr(comment, column.key)
        for column in Comment.__table__.columns
        if column.key != "id"
    }


class Writer:
    """Stores the comments posted at the same moment in one transaction (``serve`` only).

    Each poster's greenlet checks its comment itself (policy, rate, cleaning) and hands the
    row here; this greenlet takes every row waiting, inserts them in one statement (a row
    already stored under the same author and ``client_id`` is skipped, never doubled),
    commits once and wakes each poster with its id. With SQLite, every commit syncs the log to
    disk (``synchronous=FULL``) and the whole process waits for it: one sync per comment
    capped the rate at what the disk allows (200-255 a second on a busy disk); now one sync
    serves everyone who posted meanwhile. A batch that fails is retried row by row, so one
    bad row fails only its own poster."""

    def __init__(self, app: Any) -> None:
        import gevent.event

        self.app = app
        self.waiting: list[tuple[dict[str, Any], Any]] = []
        self.wake = gevent.event.Event()
        self.running = False

    @classmethod
    def of_app(cls) -> Writer | None:
        """This app's writer under ``serve`` (gevent); None elsewhere (tests, jobs, CLI)."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if app.config.get("SOCKETIO_ASYNC_MODE") != "gevent":
            return None
        writer = app.extensions.get("handbook.comment_writer")
        if writer is None:
            writer = app.extensions["handbook.comment_writer"] = cls(app)
        return writer  # type: ignore[no-any-return]

    def store(self, row: dict[str, Any]) -> int | None:
        """Store ``row`` (committed when this returns): its id, or None if a comment with the
        same author and ``client_id`` was there first."""
        import gevent
        import gevent.event

        done: Any = gevent.event.AsyncResult()
        self.waiting.append((row, done))
        if not self.running:
            self.running = True
            gevent.spawn(self._run)
        self.wake.set()
        return done.get()  # type: ignore[no-any-return]

    def _run(self) -> None:
        import gevent

        while True:
            self.wake.wait()
            gevent.sleep(0)  # posts that are ready run first and join this batch
            self.wake.clear()
            batch, self.waiting = self.waiting, []
            if batch:
                self._store(batch)

    def _store(self, batch: list[tuple[dict[str, Any], Any]]) -> None:
        try:
            ids = self._insert([row for row, _ in batch])
        except Exception:
            logger.warning("comment batch of %d failed, storing one by one", len(batch))
            for row, done in batch:
                try:
                    done.set(self._insert([row]).get(_key(row)))
                except Exception as exc:
                    done.set_exception(exc)
        else:
            for row, done in batch:  # the same comment twice in a batch: one poster stored it
                done.set(ids.pop(_key(row), None))

    def _insert(self, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
        """Insert what is not there yet: one statement (SQLAlchemy sends the rows as one
        multi-row INSERT), one commit."""
        with self.app.app_context():
            statement = _INSERT[db.session.get_bind().dialect.name]
            returned = db.session.execute(statement, rows)
            stored = {(author, client): cid for cid, author, client in returned}
            db.session.commit()
            return stored


def _insert_skipping_stored(dialect: Any) -> Any:
    """``INSERT … ON CONFLICT (author, client_id) DO NOTHING RETURNING``, built once."""
    table: sa.Table = Comment.__table__  # type: ignore[assignment]  # a Table, typed wider
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=["author_id", "client_id"])
        .returning(table.c.id, table.c.author_id, table.c.client_id)
    )


_INSERT = {
    "sqlite": _insert_skipping_stored(sqlite),
    "postgresql": _insert_skipping_stored(postgresql),
}


def _key(row: dict[str, Any]) -> tuple[int, str]:
    return row["author_id"], row["client_id"]


_STORED = sa.select(Comment).where(
    Comment.author_id == sa.bindparam("author"), Comment.client_id == sa.bindparam("client_id")
)


def _stored(user: User, client_id: str) -> Comment | None:
    return db.session.scalar(_STORED, {"author": user.id, "client_id": client_id})


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
    thread = db.session.get(Comment, parent.parent_id) if parent.parent_id else parent
    if parent.hidden_at is not None or (thread is not None and thread.hidden_at is not None):
        raise CommentError(HIDDEN_THREAD, status=409)
    return thread


#: Why a reply is refused: its discussion was hidden by the secretary.
HIDDEN_THREAD = "Góp ý này đã được bí thư ẩn nên không nhận thêm trả lời."


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
    """The words go, and so does the recording of a voice comment (once committed, and only
    if no other comment holds the same recording)."""
    _own_and_recent(user, comment)
    comment.deleted_at = utcnow()
    comment.body = ""
    sha256, comment.voice_sha256 = comment.voice_sha256, None
    comment.voice_kind = comment.voice_ms = None
    comment.version += 1
    if sha256 is not None:
        db.session.flush()
        shared = db.session.scalar(sa.select(Comment.id).where(Comment.voice_sha256 == sha256))
        if shared is None:
            after_commit(_forget_recording, sha256)
    return comment


def _forget_recording(sha256: str) -> None:
    try:
        voice_store().delete(sha256)
    except StorageError:
        logger.warning("recording %s not deleted", sha256, exc_info=True)


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


#: What a reader missed on a document, and on an agenda item: built once (see ``_on``).
_SINCE_ON_DOCUMENT = (
    sa.select(Comment)
    .where(Comment.document_id == sa.bindparam("document"), Comment.id > sa.bindparam("after"))
    .order_by(Comment.id)
    .limit(sa.bindparam("limit"))
)
_SINCE_ON_AGENDA = (
    sa.select(Comment)
    .where(
        Comment.meeting_id == sa.bindparam("meeting"),
        Comment.document_id.is_(None),
        Comment.agenda_item_id == sa.bindparam("item"),
        Comment.id > sa.bindparam("after"),
    )
    .order_by(Comment.id)
    .limit(sa.bindparam("limit"))
)


def since(target: Target, after_id: Any = None, *, limit: int = 500) -> list[Comment]:
    """Comments on the target after ``after_id`` (all without it): what a reconnect missed."""
    if after_id is not None and after_id != 0 and not is_id(after_id):
        raise CommentError("Mốc góp ý không hợp lệ.")
    after = after_id or 0
    if target.document is not None:
        params = {"document": target.document.id, "after": after, "limit": limit}
        return list(db.session.scalars(_SINCE_ON_DOCUMENT, params))
    assert target.agenda_item is not None
    params = {
        "meeting": target.meeting.id,
        "item": target.agenda_item.id,
        "after": after,
        "limit": limit,
    }
    return list(db.session.scalars(_SINCE_ON_AGENDA, params))


def changed_since(target: Target, moment: Any) -> list[Comment]:
    """Comments edited, hidden, shown again or deleted after ``moment`` (ISO time the server
    last gave)."""
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
        sa.or_(
            Comment.edited_at > stamp,
            Comment.hidden_at > stamp,
            Comment.unhidden_at > stamp,
            Comment.deleted_at > stamp,
        ),
    )
    return list(db.session.scalars(query.order_by(Comment.id)))
