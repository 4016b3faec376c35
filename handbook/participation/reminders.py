"""The day-before reminder: members who have not yet read or listened to a meeting's documents
are told once, the day before (``REMINDER_BEFORE_H``), in the app and by push. Only those
expected to prepare are: a member suspended on the meeting's day is expected to do nothing for
it, the rule the participation grid and totals count by (``overview.suspended_at``); one
exempted or working elsewhere still gets the documents, and the reminder.

A meeting published inside that window is not reminded: its members were just told of it. The
sweep runs every five minutes; ``claims.claim_once`` on ``reminded_at`` makes one run, in one
process, remind a meeting, and the per-member ``dedupe_key`` makes a member never reminded
twice even if a run is repeated after a crash between notifying and committing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from handbook.audio.models import ListenProgress
from handbook.core import claims, db
from handbook.core.jobs import job, periodic
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document, DocumentStatus, ReadReceipt
from handbook.meetings.models import Meeting
from handbook.meetings.publishing import audience, meeting_facts
from handbook.notifications.operations import notify, push_after_commit
from handbook.orgs.models import Organization, Reach
from handbook.participation.overview import suspended_at

logger = logging.getLogger(__name__)


def behind(meeting: Meeting, now: datetime) -> list[int]:
    """Audience ids who have neither opened nor listened to some published, readable document
    of the meeting (none when it has no such document: nothing to remind of), leaving out
    those who published or uploaded them, and those suspended on the meeting's day."""
    rows = db.session.execute(
        sa.select(Document.id, Document.created_by_id).where(
            Document.meeting_id == meeting.id,
            Document.publish_at <= now,
            Document.status == DocumentStatus.READY,
        )
    ).all()
    documents = [document_id for document_id, _uploader in rows]
    if not documents:
        return []
    # Whoever uploaded a document knows it; whoever published the meeting knows them all.
    touched: dict[int, set[int]] = {}
    for document_id, uploader in rows:
        if uploader is not None:
            touched.setdefault(uploader, set()).add(document_id)
    if meeting.published_by_id is not None:
        touched[meeting.published_by_id] = set(documents)
    for model in (ReadReceipt, ListenProgress):
        traces = db.session.execute(
            sa.select(model.user_id, model.document_id).where(model.document_id.in_(documents))
        )
        for user_id, document_id in traces:
            touched.setdefault(user_id, set()).add(document_id)
    wanted = set(documents)
    away = suspended_at(meeting, _reached(meeting))
    return [
        uid
        for uid in audience(meeting.organization, meeting.reach)
        if uid not in away and not wanted <= touched.get(uid, set())
    ]


def _reached(meeting: Meeting) -> list[int]:
    """The organisations whose members the meeting reaches (as ``publishing.audience``)."""
    if meeting.reach is not Reach.SUBTREE:
        return [meeting.organization_id]
    path = meeting.organization.path
    return list(
        db.session.scalars(
            sa.select(Organization.id).where(Organization.path.startswith(path, autoescape=True))
        )
    )


@job()
def remind_due() -> int:
    """Remind every meeting whose day-before moment has come; returns how many members."""
    now = utcnow()
    lead = timedelta(hours=current_app.config["REMINDER_BEFORE_H"])
    due = db.session.scalars(
        sa.select(Meeting.id).where(
            Meeting.reminded_at.is_(None),
            Meeting.cancelled_at.is_(None),
            Meeting.notified_at.is_not(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + lead,
        )
    ).all()
    return sum(_remind(meeting_id, now, lead) for meeting_id in due)


def _remind(meeting_id: int, now: datetime, lead: timedelta) -> int:
    if not claims.claim_once(Meeting, meeting_id, "reminded_at", now):
        db.session.rollback()
        return 0
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None and meeting.notified_at is not None
    users: list[int] = []
    if meeting.notified_at <= meeting.starts_at - lead:
        payload = meeting_facts(meeting)
        users = notify(
            behind(meeting, now),
            kind="reminder",
            payload=payload,
            dedupe_key=f"meeting:{meeting.id}:day-before:{meeting.starts_at:%Y%m%d%H%M}",
        )
        push_after_commit(users, kind="reminder", payload=payload)
    db.session.commit()
    logger.info("meeting %s: %s members reminded the day before", meeting_id, len(users))
    return len(users)


@periodic(minute="*/5")
def _remind_every_five_minutes() -> None:
    remind_due.call_local()
