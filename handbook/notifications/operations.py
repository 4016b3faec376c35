"""Telling members things: stored notifications, pushed live to their open pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from handbook.core import db
from handbook.core.aftercommit import after_commit
from handbook.core.realtime import knows_who_is_live, live_users, push, user_room
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.notifications.jobs import push_notice
from handbook.notifications.messages import message
from handbook.notifications.models import Notification
from handbook.notifications.subscriptions import chunks

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
    already: set[int] = set()
    for part in chunks(list(wanted)):
        already.update(
            db.session.scalars(
                sa.select(Notification.user_id).where(
                    Notification.dedupe_key == dedupe_key, Notification.user_id.in_(part)
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


def notify_all(
    audience: sa.Select[Any], *, kind: str, payload: dict[str, Any], dedupe_key: str
) -> list[int]:
    """``notify`` for an audience given as a query of user ids (a publication to a commune or
    a province: tens of thousands): one ``INSERT … SELECT`` for those not yet told, in the
    database, instead of an object and a bound id per member (20,000 members took 2.6 s of
    the request's CPU that way, the whole process stalled). Returns who got one.

    A notice another run stored meanwhile is skipped, not an error (``ON CONFLICT DO
    NOTHING`` on the ``(user_id, dedupe_key)`` key)."""
    _forget_counts()
    who = audience.subquery()
    user_id = who.c[0]
    told = sa.exists().where(Notification.dedupe_key == dedupe_key, Notification.user_id == user_id)
    fresh = sa.select(
        user_id,
        sa.literal(kind, sa.String),
        sa.literal(payload, sa.JSON),
        sa.literal(dedupe_key, sa.String),
        sa.literal(utcnow(), UTCDateTime),
    ).where(~told)
    columns = ["user_id", "kind", "payload", "dedupe_key", "created_at"]
    dialect = db.session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(Notification)
        .from_select(columns, fresh)
        .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
        .returning(Notification.user_id)
    )
    return sorted(db.session.scalars(statement))


def push_after_commit(user_ids: Iterable[int], *, kind: str, payload: dict[str, Any]) -> None:
    """Push the notification to each user's open pages once (and only if) the session commits,
    and queue its Web Push to their phones.

    Unread counts are read now (SQL is not allowed after a commit); nothing is sent on rollback.
    Only members with a page open are pushed to, and only their counts read: a province's
    publication emits to the few hundred online, not to fifty thousand empty rooms. (A page
    that opens its socket in the instant before the commit misses the live push and shows
    the notice at its next page, as after any missed push.)
    """
    ids = list(user_ids)
    if not ids:
        return
    online = sorted(_online(ids))
    if online:
        db.session.flush()
        counts = unread_counts(online)
        said = message(kind, payload)
        # The open page says what the phone's notification says (messages.py), as a popup.
        words = {"notice": said.data["title"], "detail": said.data["body"]} if said else {}
        data = {"kind": kind, **payload, **words}
        for uid in online:
            after_commit(push, "notification", {**data, "unread": counts[uid]}, to=user_room(uid))
    # Then to the phones of those with no page open (``jobs.push_notice``, Web Push).
    after_commit(push_notice, ids, kind, dict(payload))


def _online(user_ids: list[int]) -> set[int]:
    """Those of ``user_ids`` to push to live: who has a page open, where this process can
    know it; where it cannot (the embedded mode's job worker), all of them, through ``serve``."""
    return live_users(user_ids) if knows_who_is_live() else set(user_ids)


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Each user's unread count (0 for those with none: every id is a key)."""
    counts = dict.fromkeys(user_ids, 0)
    for part in chunks(list(counts)):
        rows = db.session.execute(
            sa.select(Notification.user_id, sa.func.count(Notification.id))
            .where(Notification.user_id.in_(part), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        )
        counts.update({uid: count for uid, count in rows})
    return counts


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
