"""The one access policy: may this user do this action to that object?

Every route, socket event, download and export asks here, nowhere else. Rules, in short:
- a member sees their own organisation and the names of those above it;
- a secretary also sees and manages the members of their own organisation;
- a committee officer sees everything in the subtree below its organisation;
- an admin manages the subtree below its organisation, including its shape;
- a platform admin (``User.is_admin``) may do everything;
- a publication (a meeting or a document) is managed by the secretary or committee of the
  organisation that owns it and by admins above; once published it is seen by the members of
  that organisation, by committees and admins above it, and, when its reach is the subtree,
  by the members of every organisation below it. Before it is published it is seen only by
  those who manage it: not by page, download, search, API or guessed URL;
- discussing (posting, replying, editing or deleting one's own comment) is open to those who
  see a publication once it is published (to its managers before), and closed for everyone,
  administrators included, once its meeting is cancelled: a cancelled meeting is read-only.
  Moderation (hiding, marking) stays with the managers, so what is shown can still be tidied.

What a user may not even see answers 404 (its existence is not revealed); what they see but may
not change answers 403.
"""

from __future__ import annotations

import enum
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import AnonymousUserMixin

from handbook.accounts.models import User
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.orgs.models import Organization, Reach, Role
from handbook.timeutil import utcnow

T = TypeVar("T")


class Action(enum.StrEnum):
    ORG_VIEW = "org.view"
    ORG_VIEW_MEMBERS = "org.view_members"
    ORG_MANAGE_MEMBERS = "org.manage_members"
    ORG_MANAGE_TREE = "org.manage_tree"
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    #: Create meetings and documents owned by the organisation.
    ORG_PUBLISH = "org.publish"
    MEETING_VIEW = "meeting.view"
    MEETING_MANAGE = "meeting.manage"
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_MANAGE = "document.manage"
    #: Post, reply, edit or delete one's own comment on a meeting (its agenda) or a document.
    DISCUSS = "discuss"


#: Which roles grant an action on an organisation, by where the role is held:
#: ``here`` is the organisation itself, ``above`` any ancestor of it.
_ORG_GRANTS: dict[Action, dict[str, frozenset[Role]]] = {
    Action.ORG_VIEW: {
        "here": frozenset(Role),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
    Action.ORG_VIEW_MEMBERS: {
        "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
    Action.ORG_MANAGE_MEMBERS: {
        "here": frozenset({Role.SECRETARY, Role.ADMIN}),
        "above": frozenset({Role.ADMIN}),
    },
    Action.ORG_MANAGE_TREE: {
        "here": frozenset({Role.ADMIN}),
        "above": frozenset({Role.ADMIN}),
    },
    Action.AUDIT_VIEW: {
        "here": frozenset({Role.SECRETARY, Role.ADMIN}),
        "above": frozenset({Role.ADMIN}),
    },
}

#: Publications (meetings, documents), keyed by the organisation that owns them.
_SEE_PUBLISHED = {"here": frozenset(Role), "above": frozenset({Role.COMMITTEE, Role.ADMIN})}
_MANAGE_PUBLICATIONS = {
    "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
    "above": frozenset({Role.ADMIN}),
}
_ORG_GRANTS[Action.ORG_PUBLISH] = _MANAGE_PUBLICATIONS
_PUBLICATION_ACTIONS = {
    Meeting: (Action.MEETING_VIEW, Action.MEETING_MANAGE),
    Document: (Action.DOCUMENT_VIEW, Action.DOCUMENT_MANAGE),
}

#: The action that decides between 404 and 403 for each kind of object.
_VIEW_ACTION = {
    Organization: Action.ORG_VIEW,
    User: Action.USER_VIEW,
    Meeting: Action.MEETING_VIEW,
    Document: Action.DOCUMENT_VIEW,
}


def _signed_in(user: Any) -> User | None:
    if user is None or isinstance(user, AnonymousUserMixin) or not user.is_authenticated:
        return None
    return user if user.is_active else None


def can(user: Any, action: Action, obj: Any) -> bool:
    """The single yes/no answer; unknown pairs of action and object are a no."""
    actor = _signed_in(user)
    if actor is None:
        return False
    if action is Action.DISCUSS:
        return _discussion_open(actor, obj)
    if actor.is_admin:
        return True
    if isinstance(obj, Organization) and action in _ORG_GRANTS:
        return _org_allows(actor, action, obj)
    if isinstance(obj, User) and action in (Action.USER_VIEW, Action.USER_MANAGE):
        return _user_allows(actor, action, obj)
    actions = _PUBLICATION_ACTIONS.get(type(obj))
    if actions is not None and action in actions:
        return _publication_allows(actor, action is actions[1], obj)
    return False


def _holds(actor: User, org: Organization, grants: dict[str, frozenset[Role]]) -> bool:
    for membership in actor.memberships:
        held = membership.organization
        if held.id == org.id and membership.role in grants["here"]:
            return True
        if held.id != org.id and org.is_within(held) and membership.role in grants["above"]:
            return True
    return False


def _publication_allows(actor: User, manage: bool, publication: Meeting | Document) -> bool:
    owner = publication.organization
    if _holds(actor, owner, _MANAGE_PUBLICATIONS):
        return True
    if manage or not publication.is_published():
        return False
    if _holds(actor, owner, _SEE_PUBLISHED):
        return True
    return publication.reach is Reach.SUBTREE and any(
        m.organization.is_within(owner) for m in actor.memberships
    )


def meeting_of(publication: Meeting | Document) -> Meeting | None:
    return publication if isinstance(publication, Meeting) else publication.meeting


def _discussion_open(actor: User, publication: Any) -> bool:
    """Published and visible (or managed), and its meeting, if any, not cancelled."""
    actions = _PUBLICATION_ACTIONS.get(type(publication))
    if actions is None:
        return False
    meeting = meeting_of(publication)
    if meeting is not None and meeting.cancelled_at is not None:
        return False
    view, manage = actions
    return can(actor, manage, publication) or (
        publication.is_published() and can(actor, view, publication)
    )


def _org_allows(actor: User, action: Action, org: Organization) -> bool:
    if _holds(actor, org, _ORG_GRANTS[action]):
        return True
    # Everyone may see the names of the organisations above their own.
    return action is Action.ORG_VIEW and any(
        m.organization.is_within(org) for m in actor.memberships
    )


def _user_allows(actor: User, action: Action, target: User) -> bool:
    if actor.id == target.id:
        return action is Action.USER_VIEW
    if target.is_admin or not target.memberships:
        return False
    if action is Action.USER_VIEW:
        return any(
            _org_allows(actor, Action.ORG_VIEW_MEMBERS, m.organization) for m in target.memberships
        )
    # Managing an account (password reset, disabling) needs authority over every place it
    # belongs, so a branch secretary cannot take over a committee officer who sits in the branch.
    return all(
        _org_allows(actor, Action.ORG_MANAGE_MEMBERS, m.organization) for m in target.memberships
    )


def require(user: Any, action: Action, obj: Any) -> None:
    """Abort the request unless ``can``: 404 when the object is not visible, 403 otherwise."""
    if can(user, action, obj):
        return
    view = _VIEW_ACTION.get(type(obj))
    if view is None or not can(user, view, obj):
        _not_found()
    abort(403)


def _not_found() -> NoReturn:
    abort(404)


def load(model: type[T], object_id: int, action: Action) -> T:
    """The object with this id, if the signed-in user may do ``action`` to it; else 404 or 403."""
    from flask_login import current_user

    from handbook import db

    obj = db.session.get(model, object_id)
    if obj is None:
        _not_found()
    require(current_user, action, obj)
    return obj


def organizations_where(user: Any, action: Action) -> sa.ColumnElement[bool]:
    """A filter on ``Organization`` selecting the rows where ``can(user, action, row)`` holds.

    Used for listings, so they never show what a single ``can`` would refuse.
    """
    actor = _signed_in(user)
    if actor is None:
        return sa.false()
    if actor.is_admin:
        return sa.true()
    grants = _ORG_GRANTS[action]
    clauses: list[sa.ColumnElement[bool]] = []
    for membership in actor.memberships:
        held = membership.organization
        if membership.role in grants["here"]:
            clauses.append(Organization.id == held.id)
        if membership.role in grants["above"]:
            clauses.append(Organization.path.startswith(held.path, autoescape=True))
        if action is Action.ORG_VIEW:
            clauses.append(Organization.id.in_(held.ancestor_ids))
    return sa.or_(*clauses) if clauses else sa.false()


def documents_where(user: Any) -> sa.ColumnElement[bool]:
    """A filter on ``Document`` selecting the documents ``user`` may view.

    The same rules as ``can(user, DOCUMENT_VIEW, doc)``, written as SQL for lists and search.
    """
    actor = _signed_in(user)
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
        for grants, clauses in ((_MANAGE_PUBLICATIONS, managed), (_SEE_PUBLISHED, seen)):
            if membership.role in grants["here"]:
                clauses.append(Document.organization_id == held.id)
            if membership.role in grants["above"]:
                below = sa.select(owner.id).where(
                    owner.path.startswith(held.path, autoescape=True), owner.id != held.id
                )
                clauses.append(Document.organization_id.in_(below))
    seen.append(sa.and_(Document.reach == Reach.SUBTREE, Document.organization_id.in_(ancestors)))
    published = sa.and_(
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
    return sa.or_(sa.or_(*managed) if managed else sa.false(), sa.and_(published, sa.or_(*seen)))
