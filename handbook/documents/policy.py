"""The policy's rules for documents, and their SQL twin for lists and search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.core.policy import Action, rule, signed_in
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.meetings.policy import discussion_open, publication_allows
from handbook.orgs.models import Organization, Reach
from handbook.orgs.policy import MANAGE_PUBLICATIONS, SEE_PUBLISHED


@rule(
    Document,
    view=Action.DOCUMENT_VIEW,
    loads=(so.joinedload(Document.organization), so.joinedload(Document.meeting)),
)
def _document(actor: User, action: Action, document: Document) -> bool:
    if action is Action.DISCUSS:
        return discussion_open(
            actor, document, document.meeting, Action.DOCUMENT_VIEW, Action.DOCUMENT_MANAGE
        )
    if action not in (Action.DOCUMENT_VIEW, Action.DOCUMENT_MANAGE):
        return False
    return publication_allows(actor, action is Action.DOCUMENT_MANAGE, document)


def documents_where(user: Any) -> sa.ColumnElement[bool]:
    """A filter on ``Document`` selecting the documents ``user`` may view.

    The same rules as ``can(user, DOCUMENT_VIEW, doc)``, written as SQL for lists and search.
    """
    actor = signed_in(user)
    if actor is None:
        return sa.false()
    if actor.is_admin:
        return sa.true()
    now = utcnow()
    owner = so.aliased(Organization)
    managed: list[sa.ColumnElement[bool]] = []
    seen: list[sa.ColumnElement[bool]] = []
    ancestors: set[int] = set()
    for membership in actor.memberships:
        held = membership.organization
        ancestors.update(held.ancestor_ids)
        for grants, clauses in ((MANAGE_PUBLICATIONS, managed), (SEE_PUBLISHED, seen)):
            if membership.role in grants["here"]:
                clauses.append(Document.organization_id == held.id)
            if membership.role in grants["above"]:
                below = sa.select(owner.id).where(
                    owner.path.startswith(held.path, autoescape=True), owner.id != held.id
                )
                clauses.append(Document.organization_id.in_(below))
    seen.append(sa.and_(Document.reach == Reach.SUBTREE, Document.organization_id.in_(ancestors)))
    return sa.or_(
        sa.or_(*managed) if managed else sa.false(), sa.and_(published(now), sa.or_(*seen))
    )


def published(now: datetime) -> sa.ColumnElement[bool]:
    """Documents out to their readers at ``now``: published, and so is their meeting (if any)."""
    return sa.and_(
        Document.publish_at.is_not(None),
        Document.publish_at <= now,
        sa.or_(
            Document.meeting_id.is_(None),
            Document.meeting_id.in_(
                sa.select(Meeting.id).where(
                    Meeting.publish_at.is_not(None), Meeting.publish_at <= now
                )
            ),
        ),
    )
