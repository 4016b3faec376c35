"""Who has not read yet, and reminding them."""

from __future__ import annotations

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document, ReadReceipt
from handbook.meetings.models import Meeting
from handbook.meetings.operations import MeetingError
from handbook.meetings.publishing import audience, meeting_facts
from handbook.notifications.operations import notify, push_after_commit


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
    payload = meeting_facts(meeting)
    stamp = f"{utcnow():%Y%m%d%H%M%S}"
    users = notify(
        missing, kind="reminder", payload=payload, dedupe_key=f"meeting:{meeting.id}:remind:{stamp}"
    )
    record(
        "meeting.reminded",
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
        count=len(users),
    )
    push_after_commit(users, kind="reminder", payload=payload)
    return users
