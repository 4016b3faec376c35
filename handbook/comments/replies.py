"""A reply tells the authors of the comment it answers (and of the thread it joins) once,
if they may still see where it was written."""

from __future__ import annotations

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.comments.mentions import tell_about
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.notifications.models import Notification


def notify(author: User, reply: Comment, answered: Comment, place: Meeting | Document) -> None:
    """Tell the author of ``answered`` and of its thread's first comment (never the replier,
    never twice, nobody the reply's mention told already)."""
    authors = {answered.author_id}
    if answered.parent_id is not None:
        first = db.session.get(Comment, answered.parent_id)
        if first is not None:
            authors.add(first.author_id)
    authors.discard(author.id)
    mentioned = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.dedupe_key == f"comment:{reply.id}:mention"
            )
        )
    )
    view = Action.DOCUMENT_VIEW if isinstance(place, Document) else Action.MEETING_VIEW
    told = [
        user.id
        for user in db.session.scalars(sa.select(User).where(User.id.in_(authors - mentioned)))
        if can(user, view, place)
    ]
    tell_about(reply, told, kind="comment.reply", title=f"{author.full_name} trả lời góp ý của bạn")
