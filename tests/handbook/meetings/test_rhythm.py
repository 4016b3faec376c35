"""The secretary's monthly reminder to prepare the regular meeting: on time, once, by day only,
and not when the month's meeting is already published."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ
from handbook.meetings import rhythm
from handbook.meetings.models import Meeting
from handbook.notifications.messages import message
from handbook.notifications.models import Notification
from handbook.orgs.models import Organization, Role

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _at(year: int, month: int, day: int, hour: int = 8) -> datetime:
    """A local (Vietnam) moment, as the job's explicit ``now``."""
    return datetime(year, month, day, hour, tzinfo=VIETNAM_TZ)


def _meets(org: Organization, day: int, ahead: int = 5) -> None:
    org.regular_meeting_day, org.prepare_days_ahead = day, ahead
    db.session.commit()


def _told(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == rhythm.KIND)
            .order_by(Notification.id)
        )
    )


def _meeting(org: Organization, starts: datetime, **values) -> Meeting:
    meeting = Meeting(organization=org, title="Sinh hoạt tháng 3", starts_at=starts, **values)
    db.session.add(meeting)
    db.session.commit()
    return meeting


@BOTH
def test_the_secretary_is_reminded_once_n_days_ahead(app, tree, make_user) -> None:
    deputy = make_user(tree.b1, Role.SECRETARY, full_name="Lò Văn Phó")
    _meets(tree.b1, 5)
    assert rhythm.remind_secretaries(_at(2027, 2, 27)) == 0  # six days before 5 March
    assert rhythm.remind_secretaries(_at(2027, 2, 28)) == 2  # five days before
    told = _told(tree.secretary_b1)
    assert len(told) == 1 and len(_told(deputy)) == 1
    assert told[0].payload["title"] == (
        "Sắp đến ngày sinh hoạt chi bộ thường kỳ (ngày 05/03/2027): "
        "đồng chí hãy chuẩn bị và công bố tài liệu."
    )
    assert told[0].payload["url"] == f"/org/{tree.b1.id}/meetings/new?template=regular"
    assert _told(tree.member_b1) == [] and _told(tree.secretary_b2) == []
    # Every later run that month: nothing more.
    for day in (28, 1, 2, 4):
        month = 2 if day == 28 else 3
        assert rhythm.remind_secretaries(_at(2027, month, day, 15)) == 0
    assert len(_told(tree.secretary_b1)) == 1
    db.session.expire_all()
    assert db.session.get(Organization, tree.b1.id).prepare_reminded_for == date(2027, 3, 5)
    # Next month, again once.
    assert rhythm.remind_secretaries(_at(2027, 3, 31)) == 2
    assert [n.payload["day"] for n in _told(tree.secretary_b1)] == ["2027-03-05", "2027-04-05"]


def test_a_crash_after_telling_tells_no_one_twice(app, tree) -> None:
    """The claim is lost (a run died after notifying, before its bookkeeping stuck): the
    notification's key still names the day, so the secretary is not told again."""
    _meets(tree.b1, 5)
    assert rhythm.remind_secretaries(_at(2027, 3, 1)) == 1
    tree.b1.prepare_reminded_for = None
    db.session.commit()
    assert rhythm.remind_secretaries(_at(2027, 3, 2)) == 0
    assert len(_told(tree.secretary_b1)) == 1


def test_only_one_run_wins_the_month(app, tree) -> None:
    _meets(tree.b1, 5)
    assert rhythm._claim(tree.b1.id, date(2027, 3, 5))
    assert not rhythm._claim(tree.b1.id, date(2027, 3, 5))
    assert rhythm._claim(tree.b1.id, date(2027, 4, 5))
    db.session.rollback()


def test_no_reminder_at_night(app, tree) -> None:
    _meets(tree.b1, 5)
    assert rhythm.remind_secretaries(_at(2027, 3, 1, hour=5)) == 0
    assert rhythm.remind_secretaries(_at(2027, 3, 1, hour=7)) == 1


@BOTH
@pytest.mark.parametrize("scheduled", [False, True])
def test_no_reminder_when_the_month_meeting_is_published(app, tree, scheduled: bool) -> None:
    _meets(tree.b1, 5)
    now = _at(2027, 3, 1)
    publish_at = now + timedelta(days=1) if scheduled else now - timedelta(days=1)
    # Not on the regular day itself: any meeting of that month is the month's meeting.
    _meeting(tree.b1, _at(2027, 3, 7, hour=19), publish_at=publish_at)
    assert rhythm.remind_secretaries(now) == 0
    assert _told(tree.secretary_b1) == []
    db.session.expire_all()
    assert db.session.get(Organization, tree.b1.id).prepare_reminded_for is None


def test_a_draft_cancelled_or_other_month_meeting_does_not_count(app, tree) -> None:
    _meets(tree.b1, 5)
    now = _at(2027, 3, 1)
    _meeting(tree.b1, _at(2027, 3, 5, hour=19))  # a draft: still to publish
    _meeting(tree.b1, _at(2027, 3, 5, hour=19), publish_at=now, cancelled_at=now)
    _meeting(tree.b1, _at(2027, 2, 5, hour=19), publish_at=now - timedelta(days=30))
    _meeting(tree.b2, _at(2027, 3, 5, hour=19), publish_at=now)  # another branch
    assert rhythm.remind_secretaries(now) == 1


def test_the_31st_falls_on_a_short_month_last_day(app, tree) -> None:
    _meets(tree.b1, 31, ahead=3)
    assert rhythm.remind_secretaries(_at(2027, 2, 24)) == 0
    assert rhythm.remind_secretaries(_at(2027, 2, 25)) == 1  # 28 February 2027 - 3 days
    assert _told(tree.secretary_b1)[0].payload["day"] == "2027-02-28"


def test_a_branch_without_a_day_is_never_reminded(app, tree) -> None:
    assert rhythm.remind_secretaries(_at(2027, 3, 1)) == 0
    assert rhythm.due_day(tree.b1, date(2027, 3, 1)) is None


def test_the_push_says_it_too(app, tree) -> None:
    payload = rhythm.facts(tree.b1, date(2027, 3, 5))
    pushed = message(rhythm.KIND, payload)
    assert pushed is not None
    assert pushed.data["title"] == "Sắp đến ngày sinh hoạt chi bộ thường kỳ"
    assert "05/03/2027" in pushed.data["body"]
