"""A branch's monthly rhythm: the day of the month it meets, and how early its secretary is
reminded to prepare (the reminder itself is ``meetings.rhythm``, above the notifications).

Branches fix their day the way they speak of it ("ngày mùng 5 hằng tháng"); a day past a
short month's end (the 31st in April, the 30th in February) falls on that month's last day
rather than slipping into the next month, so a branch still meets once a month.
"""

from __future__ import annotations

import calendar
from datetime import date

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.orgs.models import Organization

#: How many days ahead a secretary may ask to be reminded (about a month at most).
MAX_DAYS_AHEAD = 30


class RhythmError(ValueError):
    """A meeting day or lead time that cannot be kept; the message is for the secretary."""


def regular_day_in(year: int, month: int, day: int) -> date:
    """The branch's meeting date in that month: ``day``, or the month's last day if shorter."""
    if not 1 <= day <= 31:
        raise RhythmError("Ngày sinh hoạt thường kỳ phải từ 1 đến 31.")
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_regular_day(today: date, day: int) -> date:
    """The first meeting date on or after ``today``."""
    this_month = regular_day_in(today.year, today.month, day)
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return regular_day_in(year, month, day)


def set_rhythm(
    org: Organization, day: int | None, days_ahead: int, *, actor: User | None = None
) -> None:
    """Keep the branch's meeting day (or none) and the reminder's lead time; the caller commits."""
    if day is not None and not 1 <= day <= 31:
        raise RhythmError("Ngày sinh hoạt thường kỳ phải từ 1 đến 31.")
    if not 1 <= days_ahead <= MAX_DAYS_AHEAD:
        raise RhythmError(f"Số ngày nhắc trước phải từ 1 đến {MAX_DAYS_AHEAD}.")
    if (day, days_ahead) != (org.regular_meeting_day, org.prepare_days_ahead):
        # A new day or lead time is reminded anew (a month's reminder for the old day is moot).
        org.prepare_reminded_for = None
    org.regular_meeting_day, org.prepare_days_ahead = day, days_ahead
    record(
        "org.rhythm",
        actor_id=actor.id if actor else None,
        target=org,
        organization_id=org.id,
        day=day,
        days_ahead=days_ahead,
    )
