"""The policy's rules for meetings, and the publication rule documents share with them."""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.core.policy import Action, can, rule
from handbook.meetings.models import Meeting
from handbook.orgs.models import Reach
from handbook.orgs.policy import MANAGE_PUBLICATIONS, SEE_PUBLISHED, belongs_below, holds


def publication_allows(actor: User, manage: bool, publication: Any) -> bool:
    """A meeting's or a document's view/manage rule: managers always; before publication
    nobody else; after it the owner's members, committees above, and the subtree's members
    when its reach is the subtree."""
    owner = publication.organization
    if holds(actor, owner, MANAGE_PUBLICATIONS):
        return True
    if manage or not publication.is_published():
        return False
    if holds(actor, owner, SEE_PUBLISHED):
        return True
    return publication.reach is Reach.SUBTREE and belongs_below(actor, owner)


def discussion_open(
    actor: User, publication: Any, meeting: Meeting | None, view: Action, manage: Action
) -> bool:
    """Published and visible (or managed), and its meeting, if any, not cancelled."""
    if meeting is not None and meeting.cancelled_at is not None:
        return False
    return can(actor, manage, publication) or (
        publication.is_published() and can(actor, view, publication)
    )


@rule(Meeting, view=Action.MEETING_VIEW, loads=(so.joinedload(Meeting.organization),))
def _meeting(actor: User, action: Action, meeting: Meeting) -> bool:
    if action is Action.DISCUSS:
        return discussion_open(actor, meeting, meeting, Action.MEETING_VIEW, Action.MEETING_MANAGE)
    if action not in (Action.MEETING_VIEW, Action.MEETING_MANAGE):
        return False
    return publication_allows(actor, action is Action.MEETING_MANAGE, meeting)
