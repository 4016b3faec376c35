"""Every bad input the issue names for votes, on SQLite and PostgreSQL: each refused with a
clear Vietnamese message, and nothing counted, lost or doubled."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login
from tests.handbook.voting.conftest import Hall, stored, tallies, voters
from tests.helpers import response_text

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

ZERO = {"Tán thành": 0, "Không tán thành": 0, "Không biểu quyết": 0}


def _refused(response: Any, status: int, message: str) -> None:
    assert response.status_code == status, response.json
    assert message in response.json["error"]["message"], response.json


def test_a_probationary_member_does_not_vote(hall: Hall) -> None:
    hall.standing("quang", standing="probationary")
    hall.open_check_in()
    hall.check_in("secretary", "quang")
    vote = hall.opened()
    _refused(
        hall.cast("quang", vote, "yes"),
        403,
        "Đảng viên dự bị không biểu quyết (Điều lệ Đảng, Điều 5).",
    )
    assert tallies(vote["id"]) == ZERO and voters(vote["id"]) == []
    page = response_text(hall.client("quang").get(f"/votes/{vote['id']}"))
    assert "Đảng viên dự bị không biểu quyết" in page and 'id="ballot-form"' not in page
    mine = hall.get(vote["id"], "quang")["mine"]
    assert (mine["may_vote"], mine["reason"]) == (
        False,
        "Đảng viên dự bị không biểu quyết (Điều lệ Đảng, Điều 5).",
    )


def test_an_absent_member_or_one_not_checked_in_does_not_vote(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary")
    hall.mark("hoa", "absent")
    vote = hall.opened()
    _refused(hall.cast("mai", vote, "yes"), 403, "chưa điểm danh có mặt")
    _refused(hall.cast("hoa", vote, "yes"), 403, "được ghi “Vắng không lý do”")
    # Checked in now: she may.
    hall.check_in("mai")
    assert hall.cast("mai", vote, "yes").status_code == 201
    assert tallies(vote["id"])["Tán thành"] == 1


def test_a_member_of_another_branch_sees_no_vote(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary")
    vote = hall.opened()
    outsider = hall.app.test_client()
    login(outsider, hall.tree.member_b3)
    option = vote["options"][0]["id"]
    cast = outsider.post(
        f"/api/v1/votes/{vote['id']}/cast", json={"option": option, "client_id": "outsider-01"}
    )
    assert cast.status_code == 404
    assert outsider.get(f"/api/v1/votes/{vote['id']}").status_code == 404
    assert outsider.get(f"/votes/{vote['id']}").status_code == 404
    assert outsider.post(f"/votes/{vote['id']}/ballot", data={"option": option}).status_code == 404
    assert outsider.get(f"/api/v1/meetings/{hall.meeting.id}/votes").status_code == 404
    # A committee officer above sees the meeting but is not convened to it.
    officer = hall.app.test_client()
    login(officer, hall.tree.committee_c)
    refused = officer.post(
        f"/api/v1/votes/{vote['id']}/cast", json={"option": option, "client_id": "officer-001"}
    )
    _refused(refused, 403, "không có tên trong danh sách triệu tập")
    # Nor does a platform administrator vote where not convened.
    admin = hall.app.test_client()
    login(admin, hall.tree.platform_admin)
    refused = admin.post(
        f"/api/v1/votes/{vote['id']}/cast", json={"option": option, "client_id": "admin-00001"}
    )
    _refused(refused, 403, "không có tên trong danh sách triệu tập")
    assert tallies(vote["id"]) == ZERO


def test_no_ballot_before_opening_or_after_closing(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    draft = hall.new_vote()
    # A draft is not there for members at all.
    assert hall.cast("mai", draft, "yes").status_code == 404
    vote = hall.opened()
    assert hall.cast("mai", vote, "yes", client_id="mai-first-ballot").status_code == 201
    assert hall.act(vote["id"], "close").status_code == 200
    _refused(
        hall.cast("quang", vote, "no"),
        409,
        "Biểu quyết đã kết thúc trước khi phiếu của đồng chí được gửi.",
    )
    # Mai's phone lost the answer and sends her ballot again: told it was recorded.
    again = hall.cast("mai", vote, "yes", client_id="mai-first-ballot")
    assert again.status_code == 200 and again.json["created"] is False
    assert tallies(vote["id"])["Tán thành"] == 1 and len(voters(vote["id"])) == 1
    page = hall.client("quang").post(
        f"/votes/{vote['id']}/ballot",
        data={"option": str(vote["options"][0]["id"]), "client_id": "quang-late-form"},
    )
    assert page.status_code == 302
    assert "Biểu quyết đã kết thúc" in response_text(
        hall.client("quang").get(page.headers["Location"])
    )


def test_a_ballot_sent_twice_and_from_two_tabs_counts_once(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    vote = hall.opened(secret=True)
    first = hall.cast("mai", vote, "yes", client_id="tab-one-0001")
    assert first.status_code == 201 and first.json["created"] is True
    resent = hall.cast("mai", vote, "yes", client_id="tab-one-0001")
    assert resent.status_code == 200 and resent.json["created"] is False
    assert resent.json["vote"]["mine"] == first.json["vote"]["mine"]
    other_tab = hall.cast("mai", vote, "no", client_id="tab-two-0002")
    _refused(other_tab, 409, "Đồng chí đã biểu quyết.")
    assert tallies(vote["id"]) == {**ZERO, "Tán thành": 1}
    assert len(voters(vote["id"])) == 1 and hall.get(vote["id"])["cast"] == 1


def test_a_vote_is_not_opened_while_no_official_member_is_present(hall: Hall) -> None:
    vote = hall.new_vote()
    before = hall.act(vote["id"], "open")  # check-in never opened
    _refused(before, 409, "Chưa có đảng viên chính thức nào có mặt để biểu quyết.")
    hall.standing("quang", standing="probationary")
    hall.open_check_in()
    hall.check_in("quang")  # present, but probationary
    _refused(hall.act(vote["id"], "open"), 409, "Chưa có đảng viên chính thức nào có mặt")
    assert stored(vote["id"]).opened_at is None
    page = hall.secretary.post(f"/votes/{vote['id']}/open", data={"version": "1"})
    desk = response_text(hall.secretary.get(page.headers["Location"]))
    assert "Chưa có đảng viên chính thức nào có mặt để biểu quyết." in desk


def test_two_secretaries_at_once_the_second_is_told(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    vote = hall.new_vote(title="Bản đầu")
    url = f"/api/v1/votes/{vote['id']}"
    first = hall.secretary.patch(url, json={"title": "Bản của đồng chí thứ nhất", "version": 1})
    assert first.status_code == 200 and first.json["version"] == 2
    second = hall.secretary.patch(url, json={"title": "Bản của đồng chí thứ hai", "version": 1})
    _refused(second, 409, "vừa được người khác thay đổi (hiện bản nháp)")
    assert stored(vote["id"]).title == "Bản của đồng chí thứ nhất"
    assert hall.secretary.post(f"{url}/open", json={"version": 2}).status_code == 200
    _refused(hall.secretary.post(f"{url}/open", json={"version": 2}), 409, "vừa được người khác")
    _refused(hall.secretary.patch(url, json={"title": "Muộn", "version": 3}), 409, "đã mở")
    hall.cast("mai", vote, "yes")
    closing = [hall.secretary.post(f"{url}/close", json={"version": 3}) for _ in range(2)]
    assert closing[0].status_code == 200
    _refused(closing[1], 409, "vừa được người khác thay đổi (hiện đã kết thúc)")
    _refused(hall.secretary.post(f"{url}/close", json={"version": 4}), 409, "đã kết thúc")
    assert stored(vote["id"]).version == 4


def test_hand_counts_are_checked(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")  # two may vote
    vote = hall.opened(method="hands")
    ids = [o["id"] for o in vote["options"]]
    url = f"/api/v1/votes/{vote['id']}/counts"
    over = hall.secretary.put(
        url,
        json={
            "version": 2,
            "counts": [{"option": ids[0], "count": 2}, {"option": ids[1], "count": 1}],
        },
    )
    _refused(
        over,
        400,
        "Tổng số người giơ tay (3) nhiều hơn số đảng viên được biểu quyết đang có mặt (2).",
    )
    negative = hall.secretary.put(
        url, json={"version": 2, "counts": [{"option": ids[0], "count": -1}]}
    )
    _refused(negative, 400, "phải từ 0 trở lên")
    foreign = hall.secretary.put(
        url, json={"version": 2, "counts": [{"option": 999999, "count": 1}]}
    )
    _refused(foreign, 400, "không thuộc biểu quyết này")
    page = hall.secretary.post(
        f"/votes/{vote['id']}/counts", data={"version": "2", f"count-{ids[0]}": "-1"}
    )
    assert "phải là số nguyên không âm" in response_text(
        hall.secretary.get(page.headers["Location"])
    )
    assert tallies(vote["id"]) == ZERO and stored(vote["id"]).version == 2
    # Entered, then one member leaves: the counts no longer fit, closing says so.
    ok = hall.secretary.put(url, json={"version": 2, "counts": [{"option": ids[0], "count": 2}]})
    assert ok.status_code == 200
    hall.mark("mai", "absent")
    _refused(hall.act(vote["id"], "close"), 409, "hãy nhập lại kết quả trước khi kết thúc")
    assert stored(vote["id"]).closed_at is None


def test_bad_settings_and_bad_ballots(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    create = f"/api/v1/meetings/{hall.meeting.id}/votes"
    cases = [
        ({"title": "Chọn", "kind": "options", "options": ["Một"]}, "Cần từ 2 đến 20 phương án"),
        ({"title": "Chọn", "kind": "options", "options": ["Một", "một"]}, "trùng nhau"),
        ({"title": "Kín", "secret": True, "method": "hands"}, "không thể là bỏ phiếu kín"),
        ({"title": "   "}, "Tên biểu quyết đang để trống."),
        ({"title": "Mục lạ", "agenda_item_id": 999999}, "không thuộc buổi sinh hoạt này"),
        ({"title": "Quy tắc lạ", "rule": "unanimous"}, "Trường “rule” phải là"),
    ]
    for payload, message in cases:
        _refused(hall.secretary.post(create, json=payload), 400, message)
    vote = hall.opened()
    other = hall.opened(title="Biểu quyết khác")
    foreign = other["options"][0]["id"]
    cast = f"/api/v1/votes/{vote['id']}/cast"
    _refused(
        hall.client("mai").post(cast, json={"option": foreign, "client_id": "mai-foreign-1"}),
        400,
        "Lựa chọn không thuộc biểu quyết này.",
    )
    _refused(
        hall.client("mai").post(cast, json={"option": vote["options"][0]["id"], "client_id": "x"}),
        400,
        "client_id",
    )
    socketless = hall.client("mai").post(
        f"/votes/{vote['id']}/ballot", data={"option": "abc", "client_id": "mai-form-ballot"}
    )
    assert "Lựa chọn không thuộc biểu quyết này." in response_text(
        hall.client("mai").get(socketless.headers["Location"])
    )
    assert tallies(vote["id"]) == ZERO
