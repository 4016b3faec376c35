"""Dates and times as Vietnamese write them (dd/mm/yyyy, 24-hour), whatever the browser's
language; what is not understood is said in Vietnamese; and no field carries a "None"."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest

from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, to_local, utcnow
from handbook.meetings.forms import parse_vn_date, parse_vn_time
from handbook.meetings.models import Meeting
from tests.conftest import login
from tests.helpers import create_meeting, meeting_form, response_text


@pytest.mark.parametrize(
    "typed",
    ["05/12/2026", "5/12/2026", "05.12.2026", "05-12-2026", "05 12 2026", "05122026", "5/12/26",
     "2026-12-05", "2026/12/05", " 05 / 12 / 2026 "],
)  # fmt: skip
def test_a_date_is_read_the_way_it_is_written(typed: str) -> None:
    assert parse_vn_date(typed) == date(2026, 12, 5)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12/2026", "Ngày cần viết theo dạng ngày/tháng/năm, ví dụ 05/12/2026."),
        ("mai", "Ngày cần viết theo dạng ngày/tháng/năm"),
        ("31/02/2026", "Không có ngày 31/02/2026: vui lòng kiểm tra lại."),
        ("05/13/2026", "Không có ngày 05/13/2026"),  # mm/dd from an English habit
    ],
)
def test_a_date_not_understood_says_why_in_vietnamese(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_vn_date(typed)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("19:30", time(19, 30)), ("19h30", time(19, 30)), ("19g30", time(19, 30)),
     ("19.30", time(19, 30)), ("1930", time(19, 30)), ("7:05", time(7, 5)), ("19", time(19)),
     ("19h", time(19)), ("19:30:00", time(19, 30)), ("0:00", time(0))],
)  # fmt: skip
def test_a_time_is_read_on_the_24_hour_clock(typed: str, meant: time) -> None:
    assert parse_vn_time(typed) == meant


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7:30 PM", "Giờ cần viết theo dạng giờ:phút (24 giờ), ví dụ 19:30."),
        ("24:00", "Giờ không hợp lệ: giờ từ 0 đến 23, phút từ 00 đến 59."),
        ("19:75", "Giờ không hợp lệ"),
    ],
)
def test_a_time_not_understood_says_why_in_vietnamese(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_vn_time(typed)


def test_a_meeting_is_created_from_vietnamese_dates_and_shown_back_that_way(client, tree) -> None:
    login(client, tree.secretary_b1)
    day = (utcnow() + timedelta(days=20)).astimezone(VIETNAM_TZ).date()
    meeting = create_meeting(client, tree.b1, date=day.strftime("%d/%m/%Y"), time="19h30")
    local = to_local(meeting.starts_at)
    assert (local.date(), local.time()) == (day, time(19, 30))

    page = response_text(client.get(f"/meetings/{meeting.id}/edit"))
    assert f'value="{day:%d/%m/%Y}"' in page and 'value="19:30"' in page
    assert 'inputmode="numeric"' in page and "Ngày/tháng/năm, ví dụ 05/12/2026" in page
    assert 'aria-describedby="date-hint"' in page  # the hint is read with the field


def test_what_is_not_understood_comes_back_as_typed_with_its_reason(client, tree) -> None:
    login(client, tree.secretary_b1)
    response = client.post(
        f"/org/{tree.b1.id}/meetings/new", data=meeting_form(date="31/02/2099", time="25:00")
    )
    assert response.status_code == 400
    page = response_text(response)
    assert "Không có ngày 31/02/2099: vui lòng kiểm tra lại." in page
    assert "Giờ không hợp lệ: giờ từ 0 đến 23, phút từ 00 đến 59." in page
    assert 'value="31/02/2099"' in page  # to be corrected, not typed again
    assert 'aria-describedby="date-hint date-error"' in page
    assert db.session.query(Meeting).count() == 0

    empty = response_text(
        client.post(f"/org/{tree.b1.id}/meetings/new", data=meeting_form(date="", time=""))
    )
    assert "Vui lòng nhập ngày sinh hoạt." in empty and "Vui lòng nhập giờ sinh hoạt." in empty


def test_a_publish_time_is_typed_the_vietnamese_way(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    later = (utcnow() + timedelta(days=2)).astimezone(VIETNAM_TZ)
    answer = client.post(
        f"/meetings/{meeting.id}/publish",
        data={"when": "later", "date": f"{later:%d/%m/%Y}", "time": "08h00", "confirm": "1"},
        follow_redirects=True,
    )
    assert "Đã hẹn giờ công bố lúc 08:00, " in response_text(answer)
    db.session.expire_all()
    assert to_local(db.session.get(Meeting, meeting.id).publish_at).date() == later.date()

    meeting = create_meeting(client, tree.b1)
    refused = client.post(
        f"/meetings/{meeting.id}/publish",
        data={"when": "later", "date": "32/01/2099", "time": "08:00"},
        follow_redirects=True,
    )
    assert "Không có ngày 32/01/2099: vui lòng kiểm tra lại." in response_text(refused)


@pytest.mark.parametrize(
    "path",
    ["/login", "/org/{b1}/meetings/new", "/org/{b1}/members", "/org/{b1}/members/import",
     "/account/password", "/meetings/{meeting}", "/meetings/{meeting}/edit"],
)  # fmt: skip
def test_no_field_says_none(app, client, tree, path: str) -> None:
    if path != "/login":
        login(client, tree.secretary_b1)
        meeting = create_meeting(client, tree.b1)
        path = path.format(b1=tree.b1.id, meeting=meeting.id)
    page = response_text(client.get(path))
    assert '="None"' not in page and "=None" not in page
