"""``@Họ Tên`` in a comment tells that member, once they may see where it was written.

A mention in a comment on a draft or a scheduled document waits: when the publication is told
(the ``published`` signal), the mentions it holds notify whoever may now see them. The
notification's dedupe key keeps anyone from being told twice.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.urls import path_for
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.meetings.publishing import audience_query, published
from handbook.notifications.operations import notify as store_notifications
from handbook.notifications.operations import push_after_commit

logger = logging.getLogger(__name__)


def notify(author: User, comment: Comment, meeting: Meeting, document: Document | None) -> None:
    """Tell the members of the publication's audience named in the comment who may see it now."""
    if "@" not in comment.body:
        return
    # Only those whose "@name" the text holds, found by the database: a province meeting's
    # audience is tens of thousands (``LIKE``'s wildcards in a name can only add candidates,
    # which the exact test below drops).
    audience = audience_query(meeting.organization, meeting.reach).subquery()
    members = db.session.scalars(
        sa.select(User).where(
            User.id.in_(sa.select(audience.c[0])),
            sa.literal(comment.body).contains(sa.literal("@") + User.full_name),
        )
    ).all()
    named = [m for m in members if m.id != author.id and f"@{m.full_name}" in comment.body]
    place: Meeting | Document = document or meeting
    view = Action.DOCUMENT_VIEW if document is not None else Action.MEETING_VIEW
    _tell(author, comment, [m for m in named if can(m, view, place)])


def _tell(author: User, comment: Comment, named: list[User]) -> None:
    tell_about(
        comment,
        [m.id for m in named],
        kind="comment.mention",
        title=f"{author.full_name} nhắc tới bạn",
    )


def tell_about(comment: Comment, user_ids: list[int], *, kind: str, title: str) -> None:
    """Store and push a notice about ``comment`` (a mention, a reply) to ``user_ids``, once
    each: the dedupe key names the comment and the kind."""
    if not user_ids:
        return
    payload = {
        "title": title,
        "comment": comment.id,
        "excerpt": comment.body[:140],
        "url": comment_url(comment),
    }
    short = kind.removeprefix("comment.")
    ids = store_notifications(
        user_ids, kind=kind, payload=payload, dedupe_key=f"comment:{comment.id}:{short}"
    )
    push_after_commit(ids, kind=kind, payload=payload)


def comment_url(comment: Comment) -> str:
    """Where a comment is read: its paragraph, or the comment itself."""
    if comment.document_id is not None:
        anchor = f"#p-{comment.paragraph}" if comment.paragraph else f"#c-{comment.id}"
        at = {"at": comment.paragraph} if comment.paragraph else {}
        return path_for("documents.show", document_id=comment.document_id, **at) + anchor
    return path_for("meetings.show", meeting_id=comment.meeting_id) + f"#c-{comment.id}"


@published.connect
def _release_held(_sender: Any, *, meeting: int | None, documents: list[int]) -> None:
    """What was just published may hold mentions that waited for it. A failure here is logged
    and never stops the publication itself, which is already committed."""
    try:
        _release(meeting, documents)
    except Exception:
        db.session.rollback()
        logger.exception(
            "held mentions not released for meeting %s, documents %s", meeting, documents
        )


def _release(meeting: int | None, documents: list[int]) -> None:
    on: list[sa.ColumnElement[bool]] = []
    if documents:
        on.append(Comment.document_id.in_(documents))
    if meeting is not None:  # its agenda, and the documents told with it
        on.append(Comment.meeting_id == meeting)
    if not on:
        return
    waiting = db.session.scalars(
        sa.select(Comment).where(
            sa.or_(*on),
            Comment.body.contains("@"),
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
        )
    ).all()
    for comment in waiting:
        place = db.session.get(Meeting, comment.meeting_id)
        author = db.session.get(User, comment.author_id)
        if place is None or author is None:
            continue
        document = db.session.get(Document, comment.document_id) if comment.document_id else None
        notify(author, comment, place, document)
    db.session.commit()
