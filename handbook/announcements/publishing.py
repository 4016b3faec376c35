"""Telling an announcement's audience once, when it goes out.

"Now" is told in the request that sends it (``publish_now``), so the page that follows shows
it told; a time ahead is told by the meetings' ``publish_due`` run scheduled for it, or by the
minute's sweep, which sends the ``due`` signal this module answers. Whichever run takes
``notified_at`` first tells, and only while the announcement is not withdrawn: that one UPDATE
decides between a withdrawal and the telling, so a cancelled announcement tells nobody.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from handbook.announcements.models import Announcement, AnnouncementDocument
from handbook.announcements.operations import NOTICE_KIND
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.core.urls import path_for
from handbook.meetings.publishing import due, published, recipients_count, tell_audience
from handbook.orgs.models import Reach

logger = logging.getLogger(__name__)

#: How much of the body a notice quotes.
EXCERPT_CHARS = 140


def excerpt(body: str) -> str:
    text = " ".join(body.split())
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"


def audience_words(announcement: Announcement) -> str:
    """Whom it is for, in words."""
    name = announcement.organization.name
    if announcement.reach is Reach.SUBTREE:
        return f"{name} và các tổ chức đảng trực thuộc"
    return name


def will_tell(announcement: Announcement) -> int:
    """How many its notice reaches (the sender is not told): what ``tell_audience`` counts."""
    org = announcement.organization
    return recipients_count(org, announcement.reach, announcement.created_by_id)


def publish_now(announcement_id: int) -> int | None:
    """Tell an announcement sent "now" (the caller has committed it); how many were told, or
    ``None`` when another run told them first."""
    return _tell(announcement_id, utcnow())


@due.connect
def _announcements_due(_sender: Any, *, now: datetime) -> int:
    """Announcements whose time has come and that nobody has told yet."""
    ids = db.session.scalars(
        sa.select(Announcement.id).where(
            Announcement.publish_at <= now,
            Announcement.notified_at.is_(None),
            Announcement.withdrawn_at.is_(None),
        )
    ).all()
    return sum(_tell(announcement_id, now) is not None for announcement_id in ids)


def _tell(announcement_id: int, now: datetime) -> int | None:
    taken = db.session.execute(
        sa.update(Announcement)
        .where(
            Announcement.id == announcement_id,
            Announcement.notified_at.is_(None),
            Announcement.withdrawn_at.is_(None),
            Announcement.publish_at <= now,
        )
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        return None
    announcement = db.session.get(Announcement, announcement_id, populate_existing=True)
    assert announcement is not None
    payload: dict[str, Any] = {
        "announcement": announcement.id,
        "title": announcement.title,
        "organization": announcement.organization.name,
        "excerpt": excerpt(announcement.body),
        "url": path_for("announcements.show", announcement_id=announcement.id),
    }
    users = tell_audience(
        announcement.organization,
        announcement.reach,
        kind=NOTICE_KIND,
        payload=payload,
        dedupe_key=f"announcement:{announcement.id}:published",
        teller=announcement.created_by_id,
    )
    documents = list(
        db.session.scalars(
            sa.select(AnnouncementDocument.document_id).where(
                AnnouncementDocument.announcement_id == announcement.id
            )
        )
    )
    db.session.commit()
    logger.info("announcement %s told to %s members", announcement_id, len(users))
    published.send(None, meeting=None, documents=documents)
    return len(users)
