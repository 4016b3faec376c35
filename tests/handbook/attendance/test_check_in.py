"""Check-in by the rotating code and by "Tôi có mặt", the secretary's marks, and every bad input
the issue names: each refused with a clear Vietnamese message, nothing lost or doubled."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance import routes as attendance_routes
from handbook.attendance import tokens
from handbook.attendance.models import Attendance, Mark
from handbook.core import db
from tests.conftest import PASSWORD, login, socket_for
from tests.handbook.attendance.conftest import Day
from tests.helpers import create_meeting, response_text


def _row(day: Day, user_id: int) -> Attendance:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Attendance).where(
            Attendance.meeting_id == day.meeting.id, Attendance.user_id == user_id
        )
    ).one()


def _marks(day: Day) -> dict[int, Any]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == day.meeting.id))
    return {row.user_id: row.mark for row in rows}


def test_a_scan_checks_in_once_and_the_same_code_serves_everyone(day: Day) -> None:
    day.open()
    token = day.token(time.time())
    first = day.scan(day.member, token)
    assert first.status_code == 200
    assert "Đã điểm danh: đồng chí có mặt." in response_text(first)
    row = _row(day, day.tree.member_b1.id)
    assert row.mark is Mark.PRESENT and row.version == 2

    again = day.scan(day.member, token)
    assert again.status_code == 200
    assert "Đồng chí đã điểm danh rồi (có mặt)" in response_text(again)
    assert _row(day, day.tree.member_b1.id).version == 2  # nothing written twice

    other = day.scan(day.other_client, token)  # the same displayed code, another member
    assert other.status_code == 200
    assert _row(day, day.other.id).mark is Mark.PRESENT
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Attendance)
            .where(Attendance.meeting_id == day.meeting.id)
        )
        == 3
    )


def _refused_codes(day: Day) -> dict[str, tuple[str, str]]:
    now = time.time()
    elsewhere = create_meeting(day.secretary, day.tree.b1)
    good = day.token(now)
    return {
        "expired": (day.token(now - 31), "Mã điểm danh đã hết hạn"),
        "forged": (good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"), "không hợp lệ"),
        "made up": ("WzEsMl0.c2lnbmF0dXJl", "không hợp lệ"),
        "another meeting": (day.token(now, elsewhere.id), "buổi sinh hoạt khác"),
        "none": ("", "không hợp lệ"),
    }


@pytest.mark.parametrize("case", ["expired", "forged", "made up", "another meeting", "none"])
def test_bad_codes_are_refused_and_change_nothing(day: Day, case: str) -> None:
    day.open()
    token, message = _refused_codes(day)[case]
    response = day.scan(day.member, token)
    assert response.status_code == 400
    assert message in response_text(response)
    assert _marks(day)[day.tree.member_b1.id] is None
    # The API says the same.
    api = day.member.post(f"/api/v1/meetings/{day.meeting.id}/check-in", json={"token": token})
    assert api.status_code == 400 and message in api.json["error"]["message"]
    assert _marks(day)[day.tree.member_b1.id] is None


def test_a_code_just_past_its_15_seconds_still_works(day: Day) -> None:
    day.open()
    # The code of the window before this one: 15 to 30 s old, still within its 30 s. (A code
    # made "16 s ago" was, near a window's end, from two windows back: expired, 1 run in 15.)
    now = time.time()
    previous = (tokens.window(now) - 1) * tokens.WINDOW_S
    response = day.scan(day.member, day.token(previous))
    assert response.status_code == 200
    assert _marks(day)[day.tree.member_b1.id] is Mark.PRESENT


def test_a_member_of_another_branch_gets_404(day: Day) -> None:
    day.open()
    outsider = day.app.test_client()
    login(outsider, day.tree.member_b3)
    assert day.scan(outsider, day.token(time.time())).status_code == 404
    api = outsider.post(f"/api/v1/meetings/{day.meeting.id}/check-in", json={})
    assert api.status_code == 404
    assert day.tree.member_b3.id not in _marks(day)


def test_a_committee_officer_above_is_told_they_are_not_convened(day: Day) -> None:
    day.open()
    officer = day.app.test_client()
    login(officer, day.tree.committee_c)
    response = day.scan(officer, day.token(time.time()))
    assert response.status_code == 403
    assert "không có tên trong danh sách triệu tập" in response_text(response)


def test_self_check_in_only_where_the_secretary_allows_it(day: Day) -> None:
    day.open()
    refused = day.member.post(f"/meetings/{day.meeting.id}/check-in")
    assert refused.status_code == 403
    assert "bí thư chưa cho phép tự điểm danh" in response_text(refused)
    assert "Tôi có mặt" not in response_text(day.member.get(f"/meetings/{day.meeting.id}"))
    assert _marks(day)[day.tree.member_b1.id] is None

    day.open(self_check_in="1")
    page = response_text(day.member.get(f"/meetings/{day.meeting.id}"))
    assert "Tôi có mặt" in page
    done = day.member.post(f"/meetings/{day.meeting.id}/check-in")
    assert done.status_code == 302
    assert _marks(day)[day.tree.member_b1.id] is Mark.ONLINE
    page = response_text(day.member.get(f"/meetings/{day.meeting.id}"))
    assert "Đồng chí đã điểm danh: có mặt trực tuyến." in page
    api = day.member.post(f"/api/v1/meetings/{day.meeting.id}/check-in", json={})
    assert api.status_code == 200 and api.json["checked_in"] is False


def test_no_check_in_before_opening_after_closing_or_once_cancelled(day: Day) -> None:
    token = day.token(time.time())
    before = day.scan(day.member, token)
    assert before.status_code == 409
    assert "chưa mở điểm danh hoặc đã kết thúc" in response_text(before)

    day.open()
    assert day.secretary.post(f"/meetings/{day.meeting.id}/attendance/close").status_code == 302
    closed = day.scan(day.member, day.token(time.time()))
    assert closed.status_code == 409
    assert "đã kết thúc điểm danh" in response_text(closed)
    assert _marks(day)[day.tree.member_b1.id] is None
    assert day.secretary.get(f"/meetings/{day.meeting.id}/attendance/code").status_code == 409

    day.open()
    day.secretary.post(f"/meetings/{day.meeting.id}/cancel", data={"reason": "Bão"})
    cancelled = day.scan(day.member, day.token(time.time()))
    assert cancelled.status_code == 409
    assert "đã bị hủy" in response_text(cancelled)
    api = day.member.post(f"/api/v1/meetings/{day.meeting.id}/check-in", json={})
    assert api.status_code == 409 and "đã bị hủy" in api.json["error"]["message"]
    assert _marks(day)[day.tree.member_b1.id] is None


def test_two_secretaries_editing_one_member_the_second_is_told(day: Day) -> None:
    day.open()
    member_id = day.tree.member_b1.id
    seen = _row(day, member_id).version
    url = f"/api/v1/meetings/{day.meeting.id}/attendance/{member_id}"
    first = day.secretary.patch(url, json={"mark": "excused", "reason": "Đi viện", "version": seen})
    assert first.status_code == 200, first.json
    assert first.json["entry"]["label"] == "Vắng có lý do"
    second = day.secretary.patch(url, json={"mark": "absent", "version": seen})
    assert second.status_code == 409
    message = second.json["error"]["message"]
    assert "vừa được người khác đổi thành “Vắng có lý do”" in message
    row = _row(day, member_id)
    assert (row.mark, row.reason, row.version) == (Mark.EXCUSED, "Đi viện", seen + 1)

    # The page's form says the same and keeps the first change.
    page = day.secretary.post(
        f"/meetings/{day.meeting.id}/attendance/{member_id}",
        data={"mark": "present", "version": str(seen)},
        follow_redirects=True,
    )
    assert "vừa được người khác đổi thành" in response_text(page)
    assert _row(day, member_id).mark is Mark.EXCUSED


def test_absent_with_reason_needs_the_reason(day: Day) -> None:
    day.open()
    member_id = day.tree.member_b1.id
    response = day.secretary.patch(
        f"/api/v1/meetings/{day.meeting.id}/attendance/{member_id}",
        json={"mark": "excused", "reason": "  ", "version": 1},
    )
    assert response.status_code == 400
    assert response.json["error"]["message"] == "Vui lòng ghi lý do vắng mặt."
    assert _row(day, member_id).mark is None


def test_a_member_who_scans_before_signing_in_lands_checked_in(
    day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    day.open()
    scanned_at = time.time()
    token = day.token(scanned_at)
    phone = day.app.test_client()
    first = day.scan(phone, token)
    assert first.status_code == 302
    location = first.headers["Location"]
    assert "/login" in location and "check-in" in location and token in location
    # Signing in takes a minute: the code itself has expired by then.
    monkeypatch.setattr(attendance_routes.time, "time", lambda: scanned_at + 60)
    signed = phone.post(
        location, data={"login": day.tree.member_b1.login_name, "password": PASSWORD}
    )
    assert signed.status_code == 302, response_text(signed)
    landed = phone.get(signed.headers["Location"])
    assert landed.status_code == 200, response_text(landed)
    assert "Đã điểm danh" in response_text(landed)
    assert _marks(day)[day.tree.member_b1.id] is Mark.PRESENT

    # Another phone that never scanned cannot use the expired link.
    late = day.other_client.get(signed.headers["Location"])
    assert late.status_code == 400 and "hết hạn" in response_text(late)


def test_a_member_on_a_one_time_password_lands_checked_in_after_changing_it(
    day: Day, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first sign-in of an imported member asks for a new password first: the code's link
    must survive that detour too."""
    newcomer = make_user(day.tree.b1, phone="0912555888", password="mot-lan-dung", must_change=True)
    day.open()
    scanned_at = time.time()
    phone = day.app.test_client()
    location = day.scan(phone, day.token(scanned_at)).headers["Location"]
    monkeypatch.setattr(attendance_routes.time, "time", lambda: scanned_at + 120)
    signed = phone.post(location, data={"login": "0912555888", "password": "mot-lan-dung"})
    to_password = signed.headers["Location"]
    assert to_password.startswith("/account/password?next=") and "check-in" in to_password
    changed = phone.post(
        to_password,
        data={"current": "mot-lan-dung", "new": "cua-rieng-toi", "confirm": "cua-rieng-toi"},
    )
    assert changed.status_code == 302, response_text(changed)
    landed = phone.get(changed.headers["Location"])
    assert landed.status_code == 200 and "Đã điểm danh" in response_text(landed)
    assert _marks(day)[newcomer.id] is Mark.PRESENT


def test_the_secretary_screen_follows_check_ins_live(day: Day) -> None:
    day.open()
    screen = socket_for(day.app, day.tree.secretary_b1)
    ack = screen.emit("attendance.join", {"meeting": day.meeting.id}, callback=True)
    assert ack["ok"] and ack["counts"]["present"] == 0 and len(ack["entries"]) == 3
    screen.get_received()

    member_socket = socket_for(day.app, day.tree.member_b1)
    refused = member_socket.emit("attendance.join", {"meeting": day.meeting.id}, callback=True)
    assert refused["ok"] is False and refused["status"] == 403

    day.scan(day.member, day.token(time.time()))
    events = [e for e in screen.get_received() if e["name"] == "attendance.changed"]
    assert len(events) == 1
    data = events[0]["args"][0]
    assert data["entry"]["user_id"] == day.tree.member_b1.id
    assert data["entry"]["label"] == "Có mặt"
    assert data["counts"]["present"] == 1
    assert member_socket.get_received() == []  # members are not told the others' status


def test_checking_in_over_the_socket_follows_the_same_rules(
    day: Day, make_user: Callable[..., User]
) -> None:
    """The phone's open connection checks in as the API does: the code, once, this meeting's,
    this branch's members only; the secretary's screen hears of it."""
    meeting = day.meeting.id
    phone = socket_for(day.app, day.tree.member_b1)
    closed = phone.emit("attendance.check_in", {"meeting": meeting, "token": "x"}, callback=True)
    assert closed["ok"] is False and closed["status"] == 409  # not opened yet: code not looked at
    day.open()
    screen = socket_for(day.app, day.tree.secretary_b1)
    assert screen.emit("attendance.join", {"meeting": meeting}, callback=True)["ok"]
    screen.get_received()

    now = time.time()
    refusals = {
        "forged": (day.token(now)[:-2] + "xx", "không hợp lệ"),
        "expired": (day.token(now - 45), "hết hạn"),
        "other meeting": (day.token(now, meeting + 1000), "buổi sinh hoạt khác"),
    }
    for token, words in refusals.values():
        ack = phone.emit("attendance.check_in", {"meeting": meeting, "token": token}, callback=True)
        assert ack["ok"] is False and ack["status"] == 400 and words in ack["error"], ack
    for bad in (None, "x", {"meeting": "1"}, {"meeting": meeting, "token": 5}):
        ack = phone.emit("attendance.check_in", bad, callback=True)
        assert ack == {"ok": False, "status": 400, "error": "Yêu cầu không hợp lệ."}
    self_ack = phone.emit("attendance.check_in", {"meeting": meeting}, callback=True)
    assert self_ack["ok"] is False and self_ack["status"] == 403  # no "Tôi có mặt" here
    assert _marks(day)[day.tree.member_b1.id] is None
    assert screen.get_received() == []

    good = {"meeting": meeting, "token": day.token(time.time())}
    first = phone.emit("attendance.check_in", good, callback=True)
    again = phone.emit("attendance.check_in", good, callback=True)  # a reconnect's resend
    assert first["ok"] and first["checked_in"] is True and first["entry"]["label"] == "Có mặt"
    assert again["ok"] and again["checked_in"] is False
    assert _marks(day)[day.tree.member_b1.id] is Mark.PRESENT
    changed = [e for e in screen.get_received() if e["name"] == "attendance.changed"]
    assert [e["args"][0]["counts"]["present"] for e in changed] == [1]

    stranger = socket_for(day.app, day.tree.member_b3)
    ack = stranger.emit("attendance.check_in", good, callback=True)
    assert ack["ok"] is False and ack["status"] == 404
    assert meeting not in {
        row.meeting_id
        for row in db.session.scalars(
            sa.select(Attendance).where(Attendance.user_id == day.tree.member_b3.id)
        )
    }


def _standing(day: Day, user_id: int, **fields: str) -> Any:
    data = {f"m{user_id}-{key}": value for key, value in fields.items()}
    return day.secretary.post(f"/org/{day.tree.b1.id}/members/{user_id}/standing", data=data)


def test_counts_follow_the_rules_and_standing_changes(day: Day) -> None:
    assert _standing(day, day.other.id, standing="probationary").status_code == 302
    member_id = day.tree.member_b1.id
    assert _standing(day, member_id, standing="official", situation="exempt").status_code == 302
    day.open()
    sheet = day.secretary.get(f"/api/v1/meetings/{day.meeting.id}/attendance").json
    assert sheet["counts"] == {
        "members": 3,
        "present": 0,
        "convened": 2,  # the secretary and the probationary member; the exempt one is absent
        "official_convened": 1,
        "eligible": 0,
        "quorum_percent": None,
        "quorum_met": None,
    }
    token = day.token(time.time())
    for client in (day.secretary, day.member, day.other_client):
        assert day.scan(client, token).status_code == 200
    counts = day.secretary.get(f"/api/v1/meetings/{day.meeting.id}/attendance").json["counts"]
    # The exempt member came: counted; the probationary one is present but does not vote.
    assert (counts["present"], counts["convened"], counts["official_convened"]) == (3, 3, 2)
    assert counts["eligible"] == 2

    # Made official while check-in is open: the sheet follows.
    assert _standing(day, day.other.id, standing="official").status_code == 302
    counts = day.secretary.get(f"/api/v1/meetings/{day.meeting.id}/attendance").json["counts"]
    assert (counts["official_convened"], counts["eligible"]) == (3, 3)

    # The branch's own quorum, when it sets one.
    assert (
        day.secretary.post(f"/org/{day.tree.b1.id}/quorum", data={"percent": "50"}).status_code
        == 302
    )
    counts = day.secretary.get(f"/api/v1/meetings/{day.meeting.id}/attendance").json["counts"]
    assert (counts["quorum_percent"], counts["quorum_met"]) == (50, True)


def test_before_check_in_opens_the_counts_are_the_branchs_list(day: Day) -> None:
    """Not "0 members": the secretary sees whom the meeting convenes before opening."""
    counts = day.secretary.get(f"/api/v1/meetings/{day.meeting.id}/attendance").json["counts"]
    assert (counts["members"], counts["present"], counts["convened"]) == (3, 0, 3)
    page = response_text(day.secretary.get(f"/meetings/{day.meeting.id}/attendance"))
    assert 'data-count="members">3<' in page.replace(" ", ""), page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_the_attendance_pages_draw_the_code_and_the_list(day: Day) -> None:
    day.open()
    page = response_text(day.secretary.get(f"/meetings/{day.meeting.id}/attendance"))
    assert "<svg" in page and "check-in?t=" in page and "Lò Thị Mai" in page
    screen = response_text(day.secretary.get(f"/meetings/{day.meeting.id}/attendance/screen"))
    assert "<svg" in screen and "Có mặt / được triệu tập" in screen
    code = day.secretary.get(f"/meetings/{day.meeting.id}/attendance/code").json
    assert code["svg"].startswith("<svg") and "check-in?t=" in code["url"]
    assert 0 < code["refresh_ms"] <= 15000
    meeting_page = response_text(day.secretary.get(f"/meetings/{day.meeting.id}"))
    assert "Điểm danh (đang mở)" in meeting_page
