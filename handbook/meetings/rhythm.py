"""The secretary's monthly reminder: some days before the branch's regular meeting day, prepare
and publish the documents, unless a meeting of that month is already published (or set to be).

The members' own reminder, the day before a published meeting, to read what they have not
read, is ``participation.reminders``: it reads meetings, however they were made (from a
template or not), and is not repeated here.

The sweep runs hourly and speaks only from ``REMIND_FROM_HOUR`` local time, so no phone rings
at night. ``prepare_reminded_for`` is claimed by one UPDATE (once per branch per month, as
``claims.claim_once`` does for a column still empty), and the notification's ``dedupe_key``
names the meeting day, so a run repeated after a crash tells no secretary twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.core import db
from handbook.core.jobs import periodic
from handbook.core.timeutil import VIETNAM_TZ, to_local, utcnow
from handbook.core.urls import path_for
from handbook.meetings.agenda_templates import REGULAR
from handbook.meetings.models import Meeting
from handbook.notifications.operations import notify, push_after_commit
from handbook.orgs.models import Membership, Organization, Role
from handbook.orgs.rhythm import next_regular_day

logger = logging.getLogger(__name__)

#: Local hour from which the reminder may go out (the sweep is hourly).
REMIND_FROM_HOUR = 7
#: Who prepares a branch's meeting and is reminded of it.
PREPARERS = (Role.SECRETARY,)
KIND = "meeting.prepare"


def due_day(org: Organization, today: date) -> date | None:
    """The meeting day the secretary should now be reminded of, if any: the next regular day,
    when ``today`` is within ``prepare_days_ahead`` days before it (the day itself excluded)."""
    if org.regular_meeting_day is None:
        return None
    day = next_regular_day(today, org.regular_meeting_day)
    if day - timedelta(days=org.prepare_days_ahead) <= today < day:
        return day
    return None


def _month(day: date) -> tuple[datetime, datetime]:
    """The local month of ``day``, as an interval of aware datetimes."""
    start = date(day.year, day.month, 1)
    end = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return (
        datetime.combine(start, time(), tzinfo=VIETNAM_TZ),
        datetime.combine(end, time(), tzinfo=VIETNAM_TZ),
    )


def prepared(org: Organization, day: date) -> bool:
    """Whether a meeting of the branch in that day's month is published or set to be (a draft
    still needs publishing; a cancelled one is not the meeting)."""
    start, end = _month(day)
    return (
        db.session.scalar(
            sa.select(Meeting.id)
            .where(
                Meeting.organization_id == org.id,
                Meeting.cancelled_at.is_(None),
                Meeting.publish_at.is_not(None),
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .limit(1)
        )
        is not None
    )


def _claim(org_id: int, day: date) -> bool:
    """Take this month's reminder for the branch; only one run ever wins it. Caller commits."""
    first = date(day.year, day.month, 1)
    column = Organization.prepare_reminded_for
    taken = db.session.execute(
        sa.update(Organization)
        .where(Organization.id == org_id, sa.or_(column.is_(None), column < first))
        .values(prepare_reminded_for=day)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def facts(org: Organization, day: date) -> dict[str, object]:
    """What the notification says: ``title`` is the whole sentence (the list shows it)."""
    return {
        "organization": org.name,
        "day": day.isoformat(),
        "title": (
            f"Sắp đến ngày sinh hoạt chi bộ thường kỳ (ngày {day:%d/%m/%Y}): "
            "đồng chí hãy chuẩn bị và công bố tài liệu."
        ),
        "url": path_for("meetings.create", org_id=org.id, template=REGULAR.key),
    }


def remind_secretaries(now: datetime | None = None) -> int:
    """Remind each branch whose time has come; returns how many secretaries were told."""
    now = now or utcnow()
    local = to_local(now)
    if local.hour < REMIND_FROM_HOUR:
        return 0
    today = local.date()
    branches = db.session.scalars(
        sa.select(Organization).where(Organization.regular_meeting_day.is_not(None))
    ).all()
    told = 0
    for org in branches:
        day = due_day(org, today)
        if day is None or prepared(org, day):
            continue
        if not _claim(org.id, day):
            db.session.rollback()
            continue
        secretaries = db.session.scalars(
            sa.select(Membership.user_id)
            .join(User, Membership.user_id == User.id)
            .where(
                Membership.organization_id == org.id,
                Membership.role.in_(PREPARERS),
                User.active.is_(True),
            )
        ).all()
        payload = facts(org, day)
        users = notify(
            secretaries, kind=KIND, payload=payload, dedupe_key=f"org:{org.id}:prepare:{day:%Y%m%d}"
        )
        push_after_commit(users, kind=KIND, payload=payload)
        db.session.commit()
        logger.info("org %s: %s secretaries reminded to prepare for %s", org.id, len(users), day)
        told += len(users)
    return told


@periodic(minute="17")
def _remind_secretaries_hourly() -> None:
    remind_secretaries()
