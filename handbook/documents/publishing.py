"""Telling members of documents: with their meeting, or on their own when they come later.

The meeting's publication (``meetings/publishing.py``) asks through its ``telling`` signal for
the documents due with it, and lists their titles in its one notification; ``publish_due``'s
``due`` signal brings the documents published after their meeting (or without one), each told
once (``notified_at``, claimed by one run only).

A document still being read whose title is the file name's stand-in waits: its own title comes
with its text (``jobs.propose_title``), and a notice keeps the title it was sent with. It is
told on its own once read (``jobs`` runs ``publish_due`` then). A title a person gave is final,
so such a document goes out with its meeting, read or not.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from handbook.core import claims, db
from handbook.core.templating import vn_datetime
from handbook.core.urls import path_for
from handbook.documents.models import Document, DocumentStatus, TitleSource
from handbook.meetings.models import Meeting
from handbook.meetings.operations import publication_set
from handbook.meetings.publishing import due, published, tell_audience, telling

logger = logging.getLogger(__name__)

#: May be told now: not failed, and its title final (read, or given by a person).
_TELLABLE = sa.and_(
    Document.status != DocumentStatus.FAILED,
    sa.or_(Document.status == DocumentStatus.READY, Document.title_source != TitleSource.FILE),
)


@telling.connect
def _with_the_meeting(meeting: Meeting, *, now: datetime) -> list[str]:
    """Mark the meeting's documents due now as told with it; their titles, for its notice."""
    documents = db.session.scalars(
        sa.select(Document).where(
            Document.meeting_id == meeting.id,
            Document.publish_at <= now,
            Document.notified_at.is_(None),
            _TELLABLE,
        )
    ).all()
    for document in documents:
        document.notified_at = now
    return [d.title for d in documents]


@due.connect
def _on_their_own(_sender: Any, *, now: datetime) -> int:
    """Documents due after their meeting was told (or with no meeting), or whose title came
    after it: each told alone."""
    due_documents = db.session.scalars(
        sa.select(Document.id)
        .outerjoin(Meeting, Document.meeting_id == Meeting.id)
        .where(
            Document.publish_at <= now,
            Document.notified_at.is_(None),
            _TELLABLE,
            sa.or_(
                Document.meeting_id.is_(None),
                # Its meeting already told: otherwise the meeting's notice will list it.
                sa.and_(Meeting.notified_at.is_not(None), Meeting.cancelled_at.is_(None)),
            ),
        )
    ).all()
    return sum(_publish_document(document_id, now) for document_id in due_documents)


def _publish_document(document_id: int, now: datetime) -> int:
    if not claims.claim_once(Document, document_id, "notified_at", now):
        db.session.rollback()
        return 0
    document = db.session.get(Document, document_id)
    assert document is not None
    payload: dict[str, Any] = {
        "document": document.id,
        "title": document.title,
        "organization": document.organization.name,
        "url": path_for("documents.show", document_id=document.id),
    }
    if document.meeting is not None:
        payload["meeting_title"] = document.meeting.title
        payload["when"] = vn_datetime(document.meeting.starts_at)
    users = tell_audience(
        document.organization,
        document.reach,
        kind="document.published",
        payload=payload,
        dedupe_key=f"document:{document.id}:published",
        teller=document.published_by_id or document.created_by_id,
    )
    db.session.commit()
    logger.info("document %s published to %s members", document_id, len(users))
    published.send(None, meeting=None, documents=[document_id])
    return 1


@publication_set.connect
def _drafts_go_with_their_meeting(
    meeting: Meeting, *, at: datetime, previous: datetime | None = None
) -> None:
    """Documents with no publish time of their own go out with their meeting, and so do those
    that had taken its previous time: a schedule changed, or brought forward to "now", moves
    them with it (they stayed behind, unseen, under the meeting's notice)."""
    with_it: sa.ColumnElement[bool] = Document.publish_at.is_(None)
    if previous is not None:
        with_it = sa.or_(with_it, Document.publish_at == previous)
    db.session.execute(
        sa.update(Document)
        .where(Document.meeting_id == meeting.id, Document.notified_at.is_(None), with_it)
        .values(publish_at=at)
    )
