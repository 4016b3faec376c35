"""Who has not read yet, reminding them, and where each member stopped reading."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.timeutil import to_local, utcnow
from handbook.documents.models import Document, DocumentStatus, ReadReceipt
from handbook.documents.outline import outline
from handbook.meetings.models import Meeting
from handbook.meetings.operations import MeetingError
from handbook.meetings.publishing import audience, meeting_facts
from handbook.notifications.operations import notify, push_after_commit
from handbook.participation.models import ReadingPosition
from handbook.participation.overview import Quarter, grid


def unread_members(meeting: Meeting) -> dict[int, list[int]]:
    """For each published document of the meeting, the audience ids who have not opened it."""
    members = audience(meeting.organization, meeting.reach)
    result: dict[int, list[int]] = {}
    for document in db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id)
    ):
        read = set(
            db.session.scalars(
                sa.select(ReadReceipt.user_id).where(ReadReceipt.document_id == document.id)
            )
        )
        result[document.id] = [uid for uid in members if uid not in read]
    return result


def remind(meeting: Meeting, actor: User) -> list[int]:
    """Notify the members who have not opened every document yet; returns who was reminded."""
    if not meeting.is_published():
        raise MeetingError("Buổi sinh hoạt chưa được công bố, chưa thể nhắc.")
    missing = sorted({uid for uids in unread_members(meeting).values() for uid in uids})
    stamp = f"{utcnow():%Y%m%d%H%M%S}"
    return _tell(meeting, actor, missing, "reminder", f"remind:{stamp}", "meeting.reminded")


def remind_idle(meeting: Meeting, actor: User) -> list[int]:
    """Notify the meeting's branch members who have neither read, listened nor commented;
    returns who was reminded. Once a day (Vietnamese date) per meeting and member: a second
    press the same day reminds nobody twice."""
    if not meeting.is_published() or meeting.cancelled_at is not None:
        raise MeetingError("Buổi sinh hoạt chưa được công bố hoặc đã hủy, chưa thể nhắc.")
    quarter = Quarter.parse(None, to_local(meeting.starts_at).date())
    idle = grid([meeting.organization_id], quarter).idle(meeting.id)
    day = f"{to_local(utcnow()):%Y%m%d}"
    return _tell(meeting, actor, idle, "participation.idle", f"idle:{day}", "meeting.reminded_idle")


def _tell(
    meeting: Meeting, actor: User, user_ids: Any, kind: str, key: str, audit: str
) -> list[int]:
    """Notify ``user_ids`` of ``meeting`` (once per ``key``), audit it, push after commit."""
    payload = meeting_facts(meeting)
    users = notify(user_ids, kind=kind, payload=payload, dedupe_key=f"meeting:{meeting.id}:{key}")
    record(
        audit,
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
        count=len(users),
    )
    push_after_commit(users, kind=kind, payload=payload)
    return users


class ReadingError(ValueError):
    """A reading position we cannot use: ``status`` is the HTTP answer, the message Vietnamese."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Resume(NamedTuple):
    """Where "Đọc tiếp" takes a member back to: paragraph ``n``, named by its first words."""

    n: int
    opening: str


def record_position(user: User, document: Document, data: Any) -> tuple[ReadingPosition, bool]:
    """``{n, version, seen}``: the paragraph last seen, in which text, when (ms since 1970).

    Returns the position kept and whether this report changed it: a report seen no later
    than the one stored (a replay, or a phone that was offline) changes nothing, so a late
    report never takes a member back. A report on another text version is refused.
    """
    if not isinstance(data, dict):
        raise ReadingError("Nội dung yêu cầu phải là một đối tượng JSON.")
    n, version, seen_ms = data.get("n"), data.get("version"), data.get("seen")
    if isinstance(n, bool) or not isinstance(n, int):
        raise ReadingError("Trường “n” phải là số thứ tự một đoạn văn.")
    if not isinstance(version, str):
        raise ReadingError("Thiếu phiên bản nội dung (“version”).")
    if document.status is not DocumentStatus.READY:
        raise ReadingError("Tài liệu chưa có nội dung để đọc.", 409)
    if version != document.text_version:
        raise ReadingError("Nội dung tài liệu đã thay đổi; vị trí đọc cũ không còn đúng.", 409)
    last = outline(document.id, document.text_version).last
    if not 1 <= n <= last:
        raise ReadingError(f"Tài liệu không có đoạn số {n} (chỉ có {last} đoạn).")
    now = utcnow()
    seen = now
    if seen_ms is not None:
        if isinstance(seen_ms, bool) or not isinstance(seen_ms, int | float):
            raise ReadingError("Trường “seen” phải là thời điểm (mili giây).")
        try:  # never later than now: a phone's fast clock must not win every future report
            seen = min(datetime.fromtimestamp(seen_ms / 1000, UTC), now)
        except (OverflowError, OSError, ValueError) as error:
            raise ReadingError("Trường “seen” phải là thời điểm (mili giây).") from error
    # Most of the text has been on screen: the top paragraph read is 60 % in, or the end.
    through = seen if n == last or n * 5 >= last * 3 else None
    key = (user.id, document.id)
    position = db.session.get(ReadingPosition, key, with_for_update=True)
    if position is None:
        try:
            with db.session.begin_nested():
                position = ReadingPosition(
                    user_id=user.id,
                    document_id=document.id,
                    paragraph=n,
                    text_version=version,
                    seen_at=seen,
                    updated_at=now,
                    read_at=through,
                )
                db.session.add(position)
            return position, True
        except sa.exc.IntegrityError:  # another tab's first report, a moment ago
            position = db.session.get(ReadingPosition, key, with_for_update=True)
            assert position is not None
    read_now = through is not None and position.read_at is None
    if read_now:  # even from a late report: it was read then, wherever the member is now
        position.read_at = through
    if position.text_version == version and seen <= position.seen_at:
        return position, read_now
    position.paragraph, position.text_version = n, version
    position.seen_at, position.updated_at = seen, now
    return position, True


def resume_point(position: ReadingPosition | None, document: Document) -> Resume | None:
    """What "Đọc tiếp" offers: nothing at the start, at the end, or for an older text."""
    if position is None or position.text_version != document.text_version:
        return None
    text = outline(document.id, document.text_version)
    if not 1 < position.paragraph < text.last:
        return None
    return Resume(position.paragraph, text.opening(position.paragraph))
