"""The one access policy: may this user do this action to that object?

Every route, socket event, download and export asks here, nowhere else. This module holds the
vocabulary (``Action``), the answer (``can``, ``require``, ``load``) and a register of rules;
each domain registers the rule for its own objects (``orgs/policy.py`` for organisations and
accounts, ``meetings/policy.py``, ``documents/policy.py``), so the core knows no domain. The
rules, in short:
- a member sees their own organisation and the names of those above it;
- a secretary also sees and manages the members of their own organisation;
- a committee officer sees everything in the subtree below its organisation;
- an admin manages the subtree below its organisation, including its shape;
- a platform admin (``User.is_admin``) may do everything, but what an object's state closes
  for everyone (``DISCUSS`` on a cancelled meeting);
- a publication (a meeting or a document) is managed by the secretary or committee of the
  organisation that owns it and by admins above; once published it is seen by the members of
  that organisation, by committees and admins above it, and, when its reach is the subtree,
  by the members of every organisation below it. Before it is published it is seen only by
  those who manage it: not by page, download, search, API or guessed URL;
- discussing (posting, replying, editing or deleting one's own comment) is open to those who
  see a publication once it is published (to its managers before), and closed for everyone
  once its meeting is cancelled: a cancelled meeting is read-only. Moderation (hiding,
  marking) stays with the managers, so what is shown can still be tidied.

What a user may not even see answers 404 (its existence is not revealed); what they see but may
not change answers 403.

A rule names the related rows it reads (``loads``): ``load`` fetches the object with them in
one query, and the user's memberships come with the user (``accounts.sessions``), so a page's
decision costs no query of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from flask import abort
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy.orm.interfaces import ORMOption

from handbook.core import db

T = TypeVar("T")


class Action(enum.StrEnum):
    ORG_VIEW = "org.view"
    ORG_VIEW_MEMBERS = "org.view_members"
    ORG_MANAGE_MEMBERS = "org.manage_members"
    ORG_MANAGE_TREE = "org.manage_tree"
    #: Move a member's Party activity from one branch to another (chuyển sinh hoạt đảng,
    #: ``orgs/transfer.py``): asked of both branches, so only someone whose authority covers
    #: both does it (a committee officer or admin above them, or a secretary of both).
    ORG_TRANSFER_MEMBERS = "org.transfer_members"
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    #: Create meetings and documents owned by the organisation.
    ORG_PUBLISH = "org.publish"
    #: See who came, read, listened and commented across the organisation's meetings (its
    #: branches' side by side), export it, and remind those who did nothing: the secretary
    #: of a branch, the committees and admins above (``participation/overview.py``).
    ORG_PARTICIPATION = "org.participation"
    MEETING_VIEW = "meeting.view"
    MEETING_MANAGE = "meeting.manage"
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_MANAGE = "document.manage"
    #: Read an announcement (``announcements/policy.py``: its audience once published).
    ANNOUNCEMENT_VIEW = "announcement.view"
    #: Send or withdraw an announcement: those who publish for its organisation; to the
    #: whole subtree only its committee and the admins (never a branch secretary).
    ANNOUNCEMENT_MANAGE = "announcement.manage"
    #: Post, reply, edit or delete one's own comment on a meeting (its agenda) or a document.
    DISCUSS = "discuss"
    #: Check oneself in to a meeting one is convened to (``attendance/policy.py``).
    CHECK_IN = "attendance.check_in"
    #: Open and close a meeting's check-in, and mark who came.
    ATTENDANCE_MANAGE = "attendance.manage"
    #: Cast one's ballot in an open vote (``voting/policy.py``: an official member of the
    #: meeting's organisation, convened and there; closed by the vote's state for everyone).
    VOTE_CAST = "vote.cast"
    #: Create, edit, open and close a meeting's votes, and enter a show of hands' counts.
    VOTE_MANAGE = "vote.manage"
    #: See the server's Piper voices and which voice reads each branch's documents
    #: (``voices/policy.py``: platform administrators only).
    VOICES_MANAGE = "voices.manage"
    #: Read a meeting's minutes: the draft (its managers and its two signers), or the approved
    #: versions (the branch's members too) (``minutes/policy.py``).
    MINUTES_VIEW = "minutes.view"
    #: Draft the minutes, edit their sections and facts, start a new version: the managers.
    MINUTES_EDIT = "minutes.edit"
    #: Approve the minutes: their chair and their minute-taker, nobody else.
    MINUTES_APPROVE = "minutes.approve"


#: Actions an object's state may close for everyone, platform administrators included (an
#: approval is a signature: only the two signers named on the minutes give it).
_STATE_BOUND = frozenset(
    {Action.DISCUSS, Action.CHECK_IN, Action.MINUTES_APPROVE, Action.VOTE_CAST}
)

#: ``rule(actor, action, obj) -> bool`` for a signed-in, active actor.
Rule = Callable[[Any, Action, Any], bool]
_rules: dict[type, Rule] = {}
#: The action that decides between 404 and 403 for each kind of object.
_view_actions: dict[type, Action] = {}
#: The loader options that bring what each model's rule reads with the object.
_loads: dict[type, tuple[ORMOption, ...]] = {}


def rule(model: type, *, view: Action, loads: Sequence[ORMOption] = ()) -> Callable[[Rule], Rule]:
    """Register the rule deciding every action on ``model`` objects (one per model), the
    action that tells "not there" (404) from "not allowed" (403), and the related rows the
    rule reads (``so.joinedload(...)``), which ``load`` fetches in the same query."""

    def register(fn: Rule) -> Rule:
        _rules[model] = fn
        _view_actions[model] = view
        _loads[model] = tuple(loads)
        return fn

    return register


def reads(model: type) -> tuple[ORMOption, ...]:
    """The loader options of what ``model``'s rule reads: for lists the policy then checks
    (``select(Meeting).options(*reads(Meeting))``) without a query per object."""
    return _loads.get(model, ())


def signed_in(user: Any) -> Any | None:
    """The user if signed in and active; ``None`` for anyone else."""
    if user is None or isinstance(user, AnonymousUserMixin) or not user.is_authenticated:
        return None
    return user if user.is_active else None


def can(user: Any, action: Action, obj: Any) -> bool:
    """The single yes/no answer; objects and actions no rule covers are a no."""
    actor = signed_in(user)
    if actor is None:
        return False
    decide = _rules.get(type(obj))
    if decide is None:
        return False
    if actor.is_admin and action not in _STATE_BOUND:
        return True
    return decide(actor, action, obj)


def require(user: Any, action: Action, obj: Any) -> None:
    """Abort the request unless ``can``: 404 when the object is not visible, 403 otherwise."""
    if can(user, action, obj):
        return
    view = _view_actions.get(type(obj))
    if view is None or not can(user, view, obj):
        _not_found()
    abort(403)


def _not_found() -> NoReturn:
    abort(404)


def load(model: type[T], object_id: int, action: Action) -> T:
    """The object with this id, if the signed-in user may do ``action`` to it; else 404 or 403."""
    obj = db.session.get(model, object_id, options=reads(model))
    if obj is None:
        _not_found()
    require(current_user, action, obj)
    return obj
