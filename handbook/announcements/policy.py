"""The policy's rule for announcements.

Seeing one is the publication rule meetings and documents share (``publication_allows``): its
managers always; once its time has come, the sending organisation's members, the committees
and admins above it, and for the subtree every member below. Sending one is publishing for its
organisation (``MANAGE_PUBLICATIONS``: a branch's secretary for their branch, a committee, the
admins), but to the whole subtree only for its committee and the admins: a branch secretary
speaks to their own branch. The rule is asked of the announcement about to be made, so a
forged form is refused like any other.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.announcements.models import Announcement
from handbook.core.policy import Action, can, rule
from handbook.meetings.policy import publication_allows
from handbook.orgs.models import Organization, Reach, Role
from handbook.orgs.policy import MANAGE_PUBLICATIONS, Grants, holds

#: Who may send to every organisation below: the committee there, the admins there and above.
SEND_TO_SUBTREE: Grants = {
    "here": frozenset({Role.COMMITTEE, Role.ADMIN}),
    "above": frozenset({Role.ADMIN}),
}

SUBTREE_REFUSED = (
    "Bí thư chi bộ chỉ gửi thông báo trong chi bộ của mình. Thông báo tới các tổ chức đảng "
    "trực thuộc do cấp ủy gửi."
)


@rule(
    Announcement,
    view=Action.ANNOUNCEMENT_VIEW,
    loads=(so.joinedload(Announcement.organization),),
)
def _announcement(actor: User, action: Action, announcement: Announcement) -> bool:
    owner = announcement.organization
    if action is Action.ANNOUNCEMENT_MANAGE:
        if not holds(actor, owner, MANAGE_PUBLICATIONS):
            return False
        return announcement.reach is Reach.SELF or holds(actor, owner, SEND_TO_SUBTREE)
    if action is Action.ANNOUNCEMENT_VIEW:
        return publication_allows(actor, False, announcement)
    return False


def may_send(user: Any, org: Organization, reach: Reach) -> bool:
    """Whether ``user`` may send an announcement of ``org`` with this reach (asked of the
    announcement it would be, never stored)."""
    return can(user, Action.ANNOUNCEMENT_MANAGE, Announcement(organization=org, reach=reach))
