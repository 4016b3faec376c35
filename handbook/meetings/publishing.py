"""Publishing at the chosen time: members see nothing before it and are told once at it.

``publish_due`` runs every minute and at each scheduled publish time; whichever run claims a
publication first (``notified_at``) tells its audience, so nobody is told twice. Meetings are
told here; documents (``documents/publishing.py``) answer the ``telling`` signal with those due
with their meeting, and run their own sweep for documents published later on their own.
A publication "now" is told in the request that makes it (``publish_now``), not behind the
queue's other work, so the page that follows shows it told.

What the secretary reads before and after: ``plan`` (who will be told, and when: counted by
the same ``recipients_query`` that ``tell_audience`` uses) and ``state_of`` (the one reading of the
stored columns that every part of a page shows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from blinker import Namespace

from handbook.accounts.models import User
from handbook.core import claims, db
from handbook.core.jobs import huey, job, periodic
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import utcnow
from handbook.core.urls import path_for
from handbook.meetings.models import Meeting
from handbook.notifications.operations import notify_all, push_after_commit
from handbook.orgs.models import Membership, Organization, Reach

logger = logging.getLogger(__name__)

#: Sent after a publication's audience was told (committed): ``meeting`` (an id or None) and
#: ``documents`` (ids) have just become visible to members. Features that held something back
#: until then (mentions in comments on drafts) listen here instead of being called.
published = Namespace().signal("published")
#: Sent while a meeting's publication is being told, before the commit, with ``now``; each
#: receiver marks what it publishes with the meeting as told and returns its titles, which the
#: notification lists (documents answer with those whose time has come).
telling = Namespace().signal("meeting.telling")
#: Sent by ``publish_due`` on each run after the meetings (``now``): later publications of
#: their own (a document added after its meeting went out) are told by the receivers.
due = Namespace().signal("publishing.due")


#: A publish time this far in the past is taken as "now" (a form filled in slowly).
_GRACE = timedelta(minutes=5)
PAST_PUBLISH_TIME = (
    "Thời điểm công bố đã qua. Vui lòng chọn “Công bố ngay” hoặc một thời điểm sắp tới."
)


def resolve_publish_time(at: datetime | None, now: datetime) -> datetime | None:
    """The moment to publish (``None`` or just past means now); ``None`` when long past."""
    if at is None or now - _GRACE <= at <= now:
        return now
    return at if at > now else None


def audience_query(org: Organization, reach: Reach) -> sa.Select[Any]:
    """The ids of the active users who belong to ``org`` (and, for the subtree, anywhere below
    it), as a query: a province's audience is counted and told in the database."""
    where = (
        Organization.path.startswith(org.path, autoescape=True)
        if reach is Reach.SUBTREE
        else Organization.id == org.id
    )
    return (
        sa.select(Membership.user_id)
        .join(Organization, Membership.organization_id == Organization.id)
        .join(User, Membership.user_id == User.id)
        .where(where, User.active.is_(True))
        .distinct()
    )


def audience(org: Organization, reach: Reach) -> list[int]:
    """Active users who belong to ``org`` (and, for the subtree, anywhere below it)."""
    return list(db.session.scalars(audience_query(org, reach)))


def recipients_query(org: Organization, reach: Reach, teller: int | None) -> sa.Select[Any]:
    """Who a publication tells: its audience but the ``teller`` (who published or cancelled,
    and knows already). What the publish screen counts is what ``tell_audience`` uses."""
    query = audience_query(org, reach)
    return query if teller is None else query.where(Membership.user_id != teller)


def recipients_count(org: Organization, reach: Reach, teller: int | None) -> int:
    """How many ``recipients`` there are, counted in the database."""
    told = recipients_query(org, reach, teller).subquery()
    counted = sa.select(sa.func.count()).select_from(told)
    return int(db.session.scalar(counted) or 0)


def tell_audience(
    org: Organization,
    reach: Reach,
    *,
    kind: str,
    payload: dict[str, Any],
    dedupe_key: str,
    teller: int | None = None,
) -> list[int]:
    """Store a notification for everyone the publication reaches (once per ``dedupe_key``) and
    push it to their open pages after the commit; returns who was told."""
    query = recipients_query(org, reach, teller)
    users = notify_all(query, kind=kind, payload=payload, dedupe_key=dedupe_key)
    push_after_commit(users, kind=kind, payload=payload)
    return users


def meeting_facts(meeting: Meeting) -> dict[str, Any]:
    """What a member needs to know, copied into the notification as it stands now."""
    return {
        "meeting": meeting.id,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "when": vn_datetime(meeting.starts_at),
        "place": meeting.place,
        "organization": meeting.organization.name,
        "url": path_for("meetings.show", meeting_id=meeting.id),
    }


@dataclass(frozen=True)
class Plan:
    """What publishing a meeting will do: who is told (counted by ``recipients``) and when."""

    #: How many will be told (the one publishing is not).
    count: int
    #: Whom, in words: ``Chi bộ thôn Một``, or a committee's ``… và các tổ chức đảng trực thuộc``.
    audience: str
    #: A chosen moment ahead, if any.
    at: datetime | None = None
    #: "Công bố ngay" was chosen.
    now: bool = False

    def sentence(self) -> str:
        """The sentence the publish screen shows, in plain words (publish.js says the same)."""
        if self.count == 0:
            return f"{self.audience} chưa có đảng viên nào khác để nhận thông báo."
        if self.at is not None:
            when = f"lúc {vn_datetime(self.at)}"
        elif self.now:
            when = "ngay"
        else:
            when = "ngay lúc công bố, hoặc vào giờ đồng chí hẹn"
        return f"Khi công bố, {self.count} đảng viên của {self.audience} sẽ nhận thông báo {when}."


def plan(meeting: Meeting, teller: int, at: datetime | None = None, *, now: bool = False) -> Plan:
    """Who would be told if ``teller`` published ``meeting`` now or at ``at``."""
    org = meeting.organization
    words = org.name
    if meeting.reach is Reach.SUBTREE:
        words = f"{org.name} và các tổ chức đảng trực thuộc"
    return Plan(recipients_count(org, meeting.reach, teller), words, at, now)


@dataclass(frozen=True)
class State:
    """A meeting's publication as stored: every part of a page reads this one answer."""

    kind: Literal["draft", "scheduled", "published"]
    at: datetime | None

    @property
    def label(self) -> str:
        if self.at is None:
            return "Chưa công bố (bản nháp)"
        if self.kind == "scheduled":
            return f"Hẹn công bố lúc {vn_datetime(self.at)}"
        return f"Đã công bố lúc {vn_datetime(self.at)}"


def state_of(meeting: Meeting, now: datetime | None = None) -> State:
    """Published once told or once its time has come (members see it from ``publish_at``);
    scheduled before that time; a draft without one."""
    if meeting.publish_at is None:
        return State("draft", None)
    if meeting.notified_at is not None or meeting.is_published(now):
        return State("published", meeting.publish_at)
    return State("scheduled", meeting.publish_at)


@job()
def publish_due() -> int:
    """Tell the audiences of everything whose time has come; returns how many publications."""
    now = utcnow()
    told = 0
    due_meetings = db.session.scalars(
        sa.select(Meeting.id).where(
            Meeting.publish_at <= now, Meeting.notified_at.is_(None), Meeting.cancelled_at.is_(None)
        )
    ).all()
    for meeting_id in due_meetings:
        told += _publish_meeting(meeting_id, now) is not None
    for _receiver, count in due.send(None, now=now):
        told += int(count or 0)
    return told


def publish_now(meeting_id: int) -> int | None:
    """Tell a meeting published "now" here and at once (the caller has committed its
    ``publish_at``): the queue may be busy reading files or making audio for minutes, and the
    page that follows must show what is stored. Returns how many were told; ``None`` when
    another run told them first."""
    return _publish_meeting(meeting_id, utcnow())


def _publish_meeting(meeting_id: int, now: datetime) -> int | None:
    """Claim the meeting's telling and tell its audience; how many were told (``None``: another
    run has it)."""
    if not claims.claim_once(Meeting, meeting_id, "notified_at", now):
        db.session.rollback()
        return None
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None
    # Told together with their meeting, not again on their own.
    titles = [title for _receiver, part in telling.send(meeting, now=now) for title in part or ()]
    payload = meeting_facts(meeting) | {"documents": titles}
    users = tell_audience(
        meeting.organization,
        meeting.reach,
        kind="meeting.published",
        payload=payload,
        dedupe_key=f"meeting:{meeting.id}:published",
        teller=meeting.published_by_id,
    )
    db.session.commit()
    logger.info("meeting %s published to %s members", meeting_id, len(users))
    published.send(None, meeting=meeting_id, documents=[])
    return len(users)


def schedule(at: datetime | None) -> None:
    """Make sure ``publish_due`` runs at ``at``; a time already come runs it here, now, not
    behind the queue's other jobs. The minute sweep is the safety net."""
    if at is None:
        return
    if at <= utcnow():
        publish_due.call_local()
    elif huey.immediate:
        publish_due()
    else:
        publish_due.schedule(eta=at)


@periodic(minute="*")
def _publish_every_minute() -> None:
    publish_due.call_local()
