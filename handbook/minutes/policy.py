"""The policy's rule for a meeting's minutes.

- everything follows the meeting: who cannot see the meeting (another branch's member) gets
  404 from every minutes route and export;
- the draft is read by those who manage the meeting (the branch's secretary, administrators
  above) and by its two signers, who must read what they approve;
- approved versions are read by the branch's members and the committees above
  (``SEE_PUBLISHED``, not the subtree's members a committee's meeting reaches);
- ``MINUTES_EDIT`` (draft, edit, new version) is the meeting's managers';
- ``MINUTES_APPROVE`` is the chair's and the minute-taker's only: it is state-bound in
  ``core.policy``, so not even a platform administrator approves for them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.core.policy import Action, can, rule
from handbook.meetings.models import Meeting
from handbook.minutes.models import Minutes
from handbook.orgs.policy import SEE_PUBLISHED, holds


def approved(minutes: Minutes) -> bool:
    """A version was approved: the current one (locked) or an earlier one."""
    return minutes.locked_at is not None or minutes.number > 1


def _signs(actor: User, minutes: Minutes) -> bool:
    return minutes.signer(actor.id) is not None and can(actor, Action.MEETING_VIEW, minutes.meeting)


def reads_draft(user: Any, minutes: Minutes) -> bool:
    """Whether ``user`` reads the minutes as drafted now (else only approved versions)."""
    return can(user, Action.MINUTES_EDIT, minutes) or (
        can(user, Action.MINUTES_VIEW, minutes) and _signs(user, minutes)
    )


@rule(
    Minutes,
    view=Action.MINUTES_VIEW,
    loads=(so.joinedload(Minutes.meeting).joinedload(Meeting.organization),),
)
def _minutes(actor: User, action: Action, minutes: Minutes) -> bool:
    meeting = minutes.meeting
    if action is Action.MINUTES_EDIT:
        return can(actor, Action.MEETING_MANAGE, meeting)
    if action is Action.MINUTES_APPROVE:
        return meeting.cancelled_at is None and _signs(actor, minutes)
    if action is Action.MINUTES_VIEW:
        if can(actor, Action.MEETING_MANAGE, meeting) or _signs(actor, minutes):
            return True
        return (
            approved(minutes)
            and holds(actor, meeting.organization, SEE_PUBLISHED)
            and can(actor, Action.MEETING_VIEW, meeting)
        )
    return False
