"""Creating, editing, publishing and cancelling meetings."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from blinker import Namespace

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import utcnow
from handbook.meetings.models import AgendaItem, Meeting, MeetingKind
from handbook.meetings.publishing import (
    PAST_PUBLISH_TIME,
    meeting_facts,
    resolve_publish_time,
    tell_audience,
)
from handbook.orgs.models import Organization, Reach

logger = logging.getLogger(__name__)

#: Sent (in the caller's transaction) when a meeting's publish time is set, with ``at`` and
#: the ``previous`` one: what is published with the meeting and has no time of its own, or had
#: taken the previous one, takes this one (documents).
publication_set = Namespace().signal("meeting.publication_set")


class MeetingError(ValueError):
    """A change we refuse; the message is for the user, in Vietnamese."""


def _agenda_titles(agenda_text: str) -> list[str]:
    titles = []
    for line in agenda_text.splitlines():
        title = " ".join(line.strip().lstrip("-•*+0123456789.) ").split())
        if title:
            titles.append(title[:500])
    return titles[:50]


def _set_agenda(meeting: Meeting, titles: list[str]) -> None:
    """Keep items (and the documents attached to them) by position; add or drop the rest."""
    existing = {item.position: item for item in meeting.agenda}
    for position, title in enumerate(titles, start=1):
        item = existing.pop(position, None)
        if item is None:
            meeting.agenda.append(AgendaItem(position=position, title=title))
        else:
            item.title = title
    for item in existing.values():
        meeting.agenda.remove(item)


def save_meeting(
    meeting: Meeting | None,
    *,
    organization: Organization,
    actor: User,
    title: str,
    kind: MeetingKind,
    starts_at: datetime,
    place: str,
    agenda_text: str,
    reach: Reach = Reach.SELF,
) -> Meeting:
    """Create a meeting, or change one; members already told of it are told of the change."""
    title = " ".join(title.split())[:300]
    if not title:
        raise MeetingError("Vui lòng nhập tên buổi sinh hoạt.")
    if meeting is None and starts_at < utcnow():
        raise MeetingError("Thời gian sinh hoạt đã qua. Vui lòng chọn thời gian sắp tới.")
    creating = meeting is None
    if meeting is None:
        meeting = Meeting(organization=organization, created_by_id=actor.id)
        db.session.add(meeting)
    changed_time = not creating and (meeting.starts_at != starts_at or meeting.place != place)
    meeting.title, meeting.kind, meeting.starts_at = title, kind, starts_at
    meeting.place = " ".join(place.split())[:300]
    meeting.reach = reach
    _set_agenda(meeting, _agenda_titles(agenda_text))
    db.session.flush()
    record(
        "meeting.created" if creating else "meeting.updated",
        actor_id=actor.id,
        target=meeting,
        organization_id=organization.id,
    )
    if changed_time:
        meeting.reminded_at = None  # the day before the new date, reminded anew
    if changed_time and meeting.notified_at is not None:
        stamp = f"{utcnow():%Y%m%d%H%M%S}"
        _tell(meeting, "meeting.changed", f"meeting:{meeting.id}:changed:{stamp}", actor)
    return meeting


def publish(meeting: Meeting, actor: User, at: datetime | None) -> datetime:
    """Set when members may see the meeting and its documents (``None``: now)."""
    now = utcnow()
    if meeting.cancelled_at is not None:
        raise MeetingError("Buổi sinh hoạt đã bị hủy, không thể công bố.")
    if meeting.starts_at <= now:
        raise MeetingError("Buổi sinh hoạt đã diễn ra, không thể công bố tài liệu cho nó nữa.")
    resolved = resolve_publish_time(at, now)
    if resolved is None:
        raise MeetingError(PAST_PUBLISH_TIME)
    at = resolved
    if at >= meeting.starts_at:
        raise MeetingError("Thời điểm công bố phải trước giờ sinh hoạt.")
    if meeting.notified_at is not None:
        raise MeetingError("Buổi sinh hoạt đã được công bố rồi.")
    previous, meeting.publish_at = meeting.publish_at, at
    meeting.published_by_id = actor.id
    publication_set.send(meeting, at=at, previous=previous)
    record(
        "meeting.publish_set",
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
        at=at.isoformat(),
    )
    return at


def cancel(meeting: Meeting, actor: User, reason: str) -> None:
    if meeting.cancelled_at is not None:
        raise MeetingError("Buổi sinh hoạt đã bị hủy trước đó.")
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = " ".join(reason.split())[:500]
    record(
        "meeting.cancelled",
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
        reason=meeting.cancel_reason,
    )
    if meeting.notified_at is not None:
        _tell(meeting, "meeting.cancelled", f"meeting:{meeting.id}:cancelled", actor)


def _tell(meeting: Meeting, kind: str, dedupe_key: str, actor: User) -> None:
    payload = meeting_facts(meeting) | {"reason": meeting.cancel_reason}
    tell_audience(
        meeting.organization,
        meeting.reach,
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        teller=actor.id,
    )


def visible_meetings(user: User, org: Organization) -> list[Meeting]:
    """The organisation's meetings this user may see, newest first."""
    rows = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.organization_id == org.id)
        .order_by(Meeting.starts_at.desc())
    )
    return [m for m in rows if can(user, Action.MEETING_VIEW, m)]
