"""Telling members things: stored notifications, pushed live to their open pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from handbook.core import db
from handbook.core.aftercommit import after_commit
from handbook.core.realtime import push, user_room
from handbook.core.timeutil import utcnow
from handbook.notifications.jobs import push_notice
from handbook.notifications.messages import message
from handbook.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(
    user_ids: Iterable[int], *, kind: str, payload: dict[str, Any], dedupe_key: str
) -> list[int]:
    """Store one notification per user (never twice for the same key); returns who got one.

    The caller passes the returned ids to ``push_after_commit`` and commits.
    """
    wanted = set(user_ids)
    if not wanted:
        return []
    already = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.dedupe_key == dedupe_key, Notification.user_id.in_(wanted)
            )
        )
    )
    fresh = sorted(wanted - already)
    _forget_counts()
    now = utcnow()
    db.session.add_all(
        Notification(user_id=uid, kind=kind, payload=payload, dedupe_key=dedupe_key, created_at=now)
        for uid in fresh
    )
    return fresh


def push_after_commit(user_ids: Iterable[int], *, kind: str, payload: dict[str, Any]) -> None:
    """Push the notification to each user's open pages once (and only if) the session commits,
    and queue its Web Push to their phones.

    Unread counts are read now (SQL is not allowed after a commit); nothing is sent on rollback.
    """
    ids = list(user_ids)
    if not ids:
        return
    db.session.flush()
    counts = unread_counts(ids)
    said = message(kind, payload)
    # The open page says what the phone's notification says (messages.py), as a tappable popup.
    words = {"notice": said.data["title"], "detail": said.data["body"]} if said else {}
    for uid in ids:
        data = {"kind": kind, **payload, **words, "unread": counts.get(uid, 0)}
        after_commit(push, "notification", data, to=user_room(uid))
    # Then to the phones of those with no page open (``jobs.push_notice``, Web Push).
    after_commit(push_notice, ids, kind, dict(payload))


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Notification.user_id, sa.func.count(Notification.id))
        .where(Notification.user_id.in_(user_ids), Notification.read_at.is_(None))
        .group_by(Notification.user_id)
    )
    return {uid: count for uid, count in rows}


#: Where a request keeps the unread counts it has read (its page header and ``read_about``
#: both need the count; a request asks the database once).
_COUNTS = "handbook.unread_counts"


#: On every page, so built once (building a statement costs about what running it does).
_UNREAD = sa.select(sa.func.count(Notification.id)).where(
    Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None)
)


def unread_count(user_id: int) -> int:
    """The user's unread count, read once per request (this module's writes forget it)."""
    known: dict[int, int] = request.environ.setdefault(_COUNTS, {}) if has_request_context() else {}
    if user_id not in known:
        known[user_id] = int(db.session.scalar(_UNREAD, {"user_id": user_id}) or 0)
    return known[user_id]


def _forget_counts() -> None:
    if has_request_context():
        request.environ.pop(_COUNTS, None)


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user_id: int) -> int:
    _forget_counts()
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def read_about(user_id: int, subject: str) -> int:
    """Mark read the notices about one meeting or document (``subject``: ``meeting:5``):
    opening it is looking at them. Writes only when there is something unread, and asks
    nothing more when the member has no unread notice at all (most views)."""
    if unread_count(user_id) == 0:
        return 0
    about = sa.and_(
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        Notification.dedupe_key.startswith(f"{subject}:", autoescape=True),
    )
    unread = db.session.scalars(sa.select(Notification.id).where(about).limit(1)).first()
    if unread is None:
        return 0
    _forget_counts()
    result = db.session.execute(sa.update(Notification).where(about).values(read_at=utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
