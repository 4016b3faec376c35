"""The policy's rule for a meeting's attendance: who sees it, who checks in, who manages it.

- seeing the sheet follows the meeting (``MEETING_VIEW``): another branch's member gets 404;
- checking in (``CHECK_IN``) is for a member of the meeting's own organisation who sees the
  meeting, while the meeting is not cancelled (a state that closes it for everyone, platform
  administrators too, as ``DISCUSS`` is closed);
- managing (``ATTENDANCE_MANAGE``: open, close, mark) is for those who manage the meeting: the
  branch's secretary (and, as for every publication, administrators above it).
"""

from __future__ import annotations

import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.attendance.models import AttendanceSheet
from handbook.core.policy import Action, can, rule
from handbook.meetings.models import Meeting


@rule(
    AttendanceSheet,
    view=Action.MEETING_VIEW,
    loads=(so.joinedload(AttendanceSheet.meeting).joinedload(Meeting.organization),),
)
def _sheet(actor: User, action: Action, sheet: AttendanceSheet) -> bool:
    meeting = sheet.meeting
    if action is Action.MEETING_VIEW:
        return can(actor, Action.MEETING_VIEW, meeting)
    if action is Action.ATTENDANCE_MANAGE:
        return can(actor, Action.MEETING_MANAGE, meeting)
    if action is Action.CHECK_IN:
        if meeting.cancelled_at is not None:
            return False
        convened = any(m.organization_id == meeting.organization_id for m in actor.memberships)
        return convened and can(actor, Action.MEETING_VIEW, meeting)
    return False
