"""A branch's regular meeting day: the day in each month (past a short month's end, its last
day), and the secretary's form on the members page, with its refusals in Vietnamese."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.orgs.models import Organization
from handbook.orgs.rhythm import RhythmError, next_regular_day, regular_day_in, set_rhythm
from tests.conftest import login
from tests.helpers import response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2026, 12, 5, date(2026, 12, 5)),
        (2026, 1, 31, date(2026, 1, 31)),
        (2026, 4, 31, date(2026, 4, 30)),  # 30-day months
        (2026, 6, 31, date(2026, 6, 30)),
        (2026, 9, 31, date(2026, 9, 30)),
        (2026, 11, 31, date(2026, 11, 30)),
        (2026, 6, 30, date(2026, 6, 30)),
        (2027, 2, 31, date(2027, 2, 28)),  # February, not a leap year
        (2027, 2, 29, date(2027, 2, 28)),
        (2027, 2, 28, date(2027, 2, 28)),
        (2028, 2, 31, date(2028, 2, 29)),  # February of a leap year
        (2028, 2, 30, date(2028, 2, 29)),
        (2028, 2, 29, date(2028, 2, 29)),
        (2100, 2, 29, date(2100, 2, 28)),  # a century, not a leap year
        (2000, 2, 29, date(2000, 2, 29)),
        (2026, 2, 1, date(2026, 2, 1)),
    ],
)  # fmt: skip
def test_the_regular_day_in_each_month(year: int, month: int, day: int, expected: date) -> None:
    assert regular_day_in(year, month, day) == expected


@pytest.mark.parametrize("day", [0, 32, -5])
def test_a_day_outside_the_month_range_is_refused(day: int) -> None:
    with pytest.raises(RhythmError, match="từ 1 đến 31"):
        regular_day_in(2026, 12, day)


@pytest.mark.parametrize(
    ("today", "day", "expected"),
    [
        (date(2026, 12, 1), 5, date(2026, 12, 5)),
        (date(2026, 12, 5), 5, date(2026, 12, 5)),  # the day itself
        (date(2026, 12, 6), 5, date(2027, 1, 5)),  # past: next month, across the year
        (date(2027, 2, 1), 31, date(2027, 2, 28)),
        (date(2027, 3, 1), 31, date(2027, 3, 31)),
        (date(2026, 4, 30), 31, date(2026, 4, 30)),
    ],
)  # fmt: skip
def test_the_next_regular_day(today: date, day: int, expected: date) -> None:
    assert next_regular_day(today, day) == expected


def _org(org_id: int) -> Organization:
    db.session.expire_all()
    found = db.session.get(Organization, org_id)
    assert found is not None
    return found


@BOTH
def test_the_secretary_sets_the_regular_day(client, tree) -> None:
    login(client, tree.secretary_b1)
    page = response_text(client.get(f"/org/{tree.b1.id}/members"))
    assert "Ngày sinh hoạt thường kỳ" in page
    response = client.post(f"/org/{tree.b1.id}/rhythm", data={"day": "31", "days_ahead": "7"})
    assert response.status_code == 302
    org = _org(tree.b1.id)
    assert (org.regular_meeting_day, org.prepare_days_ahead) == (31, 7)
    page = response_text(client.get(f"/org/{tree.b1.id}/members"))
    assert "chi bộ sinh hoạt thường kỳ ngày 31 hằng tháng" in page
    assert "Lần tới: ngày" in page
    assert db.session.scalar(
        sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "org.rhythm")
    )
    # Left empty: no fixed day any more.
    client.post(f"/org/{tree.b1.id}/rhythm", data={"day": "", "days_ahead": "5"})
    assert _org(tree.b1.id).regular_meeting_day is None


@pytest.mark.parametrize(
    ("day", "days_ahead", "message"),
    [
        ("32", "5", "Ngày sinh hoạt thường kỳ phải từ 1 đến 31."),
        ("0", "5", "Ngày sinh hoạt thường kỳ phải từ 1 đến 31."),
        ("mùng 5", "5", "Ngày sinh hoạt thường kỳ phải là một số từ 1 đến 31."),
        ("5", "0", "Số ngày nhắc trước phải từ 1 đến 30."),
        ("5", "31", "Số ngày nhắc trước phải từ 1 đến 30."),
        ("5", "", "Vui lòng nhập số ngày nhắc trước."),
        ("5", "năm", "Số ngày nhắc trước phải là một số từ 1 đến 30."),
    ],
)
def test_a_bad_regular_day_is_refused_in_vietnamese(
    client, tree, day: str, days_ahead: str, message: str
) -> None:
    login(client, tree.secretary_b1)
    response = client.post(f"/org/{tree.b1.id}/rhythm", data={"day": day, "days_ahead": days_ahead})
    assert response.status_code == 400
    html = response_text(response)
    assert message in html
    assert f'value="{day}"' in html  # what was typed, to be corrected
    org = _org(tree.b1.id)
    assert (org.regular_meeting_day, org.prepare_days_ahead) == (None, 5)


def test_only_those_who_manage_members_set_it(client, tree) -> None:
    login(client, tree.member_b1)
    response = client.post(f"/org/{tree.b1.id}/rhythm", data={"day": "5", "days_ahead": "5"})
    assert response.status_code in (403, 404)
    login(client, tree.secretary_b2)
    response = client.post(f"/org/{tree.b1.id}/rhythm", data={"day": "5", "days_ahead": "5"})
    assert response.status_code in (403, 404)
    assert _org(tree.b1.id).regular_meeting_day is None


def test_a_new_day_is_reminded_anew(app, tree) -> None:
    org = _org(tree.b1.id)
    org.regular_meeting_day, org.prepare_reminded_for = 5, date(2026, 12, 5)
    set_rhythm(org, 5, org.prepare_days_ahead)
    assert org.prepare_reminded_for == date(2026, 12, 5)  # nothing changed: kept
    set_rhythm(org, 10, org.prepare_days_ahead)
    assert org.prepare_reminded_for is None
    with pytest.raises(RhythmError, match="từ 1 đến 30"):
        set_rhythm(org, 10, 0)
    db.session.rollback()
