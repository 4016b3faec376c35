"""A vote from draft to result through the JSON API, on SQLite and PostgreSQL: the counts and
the verdict follow the Party's rules, the result is frozen at closing, and the pages show it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.voting.models import Eligible
from tests.handbook.voting.conftest import Hall, stored, tallies, voters
from tests.helpers import response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@BOTH
def test_a_resolution_from_draft_to_its_verdict(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    hall.mark("hoa", "excused", "Đi viện")  # not convened (Quy định 24 §9.3)
    vote = hall.new_vote(secret=True)
    assert vote["status"] == "draft" and vote["version"] == 1
    assert [o["label"] for o in vote["options"]] == [
        "Tán thành",
        "Không tán thành",
        "Không biểu quyết",
    ]
    # A draft: only its managers see it.
    assert hall.client("mai").get(f"/api/v1/votes/{vote['id']}").status_code == 404
    listed = hall.client("mai").get(f"/api/v1/meetings/{hall.meeting.id}/votes").json
    assert listed["votes"] == []

    opened = hall.act(vote["id"], "open")
    assert opened.status_code == 200, opened.json
    assert (opened.json["status"], opened.json["version"]) == ("open", 2)
    assert (opened.json["cast"], opened.json["eligible"]) == (0, 3)
    mine = hall.get(vote["id"], "mai")["mine"]
    assert mine == {"voted": False, "option": None, "may_vote": True, "reason": None}

    assert hall.cast("mai", vote, "yes").status_code == 201
    assert hall.cast("quang", vote, "yes").status_code == 201
    assert hall.cast("secretary", vote, "no").status_code == 201
    during = hall.get(vote["id"])
    assert (during["cast"], during["eligible"], during["result"]) == (3, 3, None)

    closed = hall.act(vote["id"], "close")
    assert closed.status_code == 200, closed.json
    result = closed.json["result"]
    # Four members, Hoa excused: three official members convened; 2 of 3 is more than half.
    assert result["verdict"] == (
        "Thông qua: 2/3 đảng viên chính thức được triệu tập tán thành, trên một nửa."
    )
    assert (result["base"], result["eligible"], result["cast"], result["passed"]) == (3, 3, 3, True)
    assert {t["label"]: t["count"] for t in result["tallies"]} == tallies(vote["id"])
    assert hall.client("mai").get(f"/api/v1/votes/{vote['id']}/result").json == result

    frozen = stored(vote["id"])
    assert (frozen.base, frozen.eligible_count, frozen.passed) == (3, 3, True)
    eligible = set(
        db.session.scalars(sa.select(Eligible.user_id).where(Eligible.vote_id == frozen.id))
    )
    assert eligible == {hall.user(n).id for n in ("secretary", "mai", "quang")}
    # Frozen: a later change of attendance does not move the result.
    hall.mark("quang", "absent")
    assert hall.get(vote["id"])["result"] == result

    page = response_text(hall.client("mai").get(f"/votes/{vote['id']}"))
    assert "Thông qua: 2/3 đảng viên chính thức được triệu tập tán thành" in page
    meeting_page = response_text(hall.client("mai").get(f"/meetings/{hall.meeting.id}"))
    assert f"/votes/{vote['id']}" in meeting_page and "Thông qua: 2/3" in meeting_page
    actions = set(
        db.session.scalars(sa.select(AuditLog.action).where(AuditLog.target_type == "Vote"))
    )
    assert actions == {"vote.created", "vote.opened", "vote.closed"}


@BOTH
def test_a_list_of_options_and_a_tie(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang", "hoa")
    vote = hall.opened(kind="options", options=["Đồi Thông", "Bãi Sông", "Sân kho"])
    assert [o["choice"] for o in vote["options"]] == ["option", "option", "option", "abstain"]
    hall.cast("mai", vote, "Đồi Thông")
    hall.cast("quang", vote, "Bãi Sông")
    hall.cast("hoa", vote, "Đồi Thông")
    hall.cast("secretary", vote, "Bãi Sông")
    result = hall.act(vote["id"], "close").json["result"]
    assert result["passed"] is False
    assert result["verdict"].startswith("Không thông qua: các phương án bằng phiếu nhau (2/4")


@BOTH
def test_an_open_ballot_shows_each_choice_to_its_voter_and_after_closing_to_the_secretary(
    hall: Hall,
) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    vote = hall.opened(secret=False, kind="motion")
    hall.cast("mai", vote, "no")
    yes_no = {o["choice"]: o["id"] for o in vote["options"]}
    assert hall.get(vote["id"], "mai")["mine"]["option"] == yes_no["no"]
    before = hall.secretary.get(f"/api/v1/votes/{vote['id']}/voters").json["voters"]
    assert [(v["name"], v["option"]) for v in before] == [("Lò Thị Mai", None)]
    hall.act(vote["id"], "close")
    after = hall.secretary.get(f"/api/v1/votes/{vote['id']}/voters").json["voters"]
    assert [(v["name"], v["option"]) for v in after] == [("Lò Thị Mai", yes_no["no"])]
    assert [v.option_id for v in voters(vote["id"])] == [yes_no["no"]]
    # Members do not read the list.
    assert hall.client("mai").get(f"/api/v1/votes/{vote['id']}/voters").status_code == 403


@BOTH
def test_a_show_of_hands_counted_by_the_secretary(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    vote = hall.opened(method="hands", rule="expulsion")
    ids = {o["choice"]: o["id"] for o in vote["options"]}
    phone = hall.cast("mai", vote, "yes")
    assert phone.status_code == 409 and "giơ tay" in phone.json["error"]["message"]
    seen = hall.get(vote["id"])["version"]
    entered = hall.secretary.put(
        f"/api/v1/votes/{vote['id']}/counts",
        json={"version": seen, "counts": [{"option": ids["yes"], "count": 3}]},
    )
    assert entered.status_code == 200, entered.json
    assert entered.json["hand_counts"][0] == {"option": ids["yes"], "count": 3}
    # Members see no count before the result.
    assert hall.get(vote["id"], "mai")["hand_counts"] is None
    result = hall.act(vote["id"], "close").json["result"]
    counted = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "vote.counts"))
    assert [e.details["total"] for e in counted] == [3]
    # Expulsion: at least two thirds of every official member (4): 3 of 4 passes.
    assert (
        result["verdict"] == "Thông qua: 3/4 đảng viên chính thức tán thành, ít nhất hai phần ba."
    )
    assert (result["base"], result["cast"]) == (4, 3)


@BOTH
def test_the_discipline_base_is_every_official_member_the_resolution_base_those_convened(
    hall: Hall,
) -> None:
    """Quy định 69-QĐ/TW Điều 15 counts the organisation's official members; Quy định 24
    §9.3 leaves those away with an approved reason out of a resolution's base."""
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    hall.mark("quang", "excused", "Công tác xa")
    hall.mark("hoa", "excused", "Ốm")
    discipline = hall.opened(rule="discipline", title="Kỷ luật khiển trách")
    resolution = hall.opened(rule="resolution")
    for vote in (discipline, resolution):
        hall.cast("mai", vote, "yes")
        hall.cast("secretary", vote, "yes")
    first = hall.act(discipline["id"], "close").json["result"]
    second = hall.act(resolution["id"], "close").json["result"]
    assert (first["base"], first["passed"]) == (4, False)  # 2 of 4 is not more than half
    assert first["verdict"].endswith("cần 3 (trên một nửa).")
    assert (second["base"], second["passed"]) == (2, True)


@BOTH
def test_the_secretarys_desk_page_draws_every_state(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    draft = hall.new_vote(title="Bản nháp chưa mở")
    live = hall.opened(title="Đang mở")
    hall.cast("mai", live, "yes")
    page = response_text(hall.secretary.get(f"/meetings/{hall.meeting.id}/votes"))
    assert "Bản nháp chưa mở" in page and "Mở biểu quyết" in page
    assert f'id="vote-{live["id"]}"' in page and "data-cast>1<" in page
    assert "Tạo biểu quyết mới" in page
    sheet = response_text(hall.secretary.get(f"/meetings/{hall.meeting.id}/attendance"))
    assert f"/meetings/{hall.meeting.id}/votes" in sheet
    # A member has no desk.
    assert hall.client("mai").get(f"/meetings/{hall.meeting.id}/votes").status_code == 403
    assert draft["status"] == "draft"


@BOTH
def test_the_pages_forms_create_open_cast_and_close(hall: Hall) -> None:
    """Without JavaScript: the desk's forms and the ballot's buttons do it all."""
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    created = hall.secretary.post(
        f"/meetings/{hall.meeting.id}/votes",
        data={
            "title": "Chọn ngày ra quân",
            "kind": "options",
            "options": "Thứ Bảy\n\nChủ nhật\n",
            "rule": "resolution",
            "secret": "1",
            "method": "phones",
            "agenda_item": str(hall.meeting.agenda[0].id),
        },
    )
    assert created.status_code == 302, response_text(created)
    vote = hall.secretary.get(f"/api/v1/meetings/{hall.meeting.id}/votes").json["votes"][0]
    assert [o["label"] for o in vote["options"]] == ["Thứ Bảy", "Chủ nhật", "Không biểu quyết"]
    assert vote["agenda_item_id"] == hall.meeting.agenda[0].id and vote["secret"] is True
    opened = hall.secretary.post(f"/votes/{vote['id']}/open", data={"version": "1"})
    assert opened.status_code == 302
    ballot_page = response_text(hall.client("mai").get(f"/votes/{vote['id']}"))
    assert "Thứ Bảy" in ballot_page and 'name="client_id"' in ballot_page
    key = ballot_page.split('name="client_id" value="')[1].split('"')[0]
    option = vote["options"][1]["id"]
    for _ in range(2):  # a double tap: one ballot
        sent = hall.client("mai").post(
            f"/votes/{vote['id']}/ballot", data={"option": str(option), "client_id": key}
        )
        assert sent.status_code == 302
    assert tallies(vote["id"])["Chủ nhật"] == 1 and len(voters(vote["id"])) == 1
    after = response_text(hall.client("mai").get(f"/votes/{vote['id']}", follow_redirects=True))
    assert "Đã ghi nhận phiếu của đồng chí" in after
    closed = hall.secretary.post(f"/votes/{vote['id']}/close", data={"version": "2"})
    assert closed.status_code == 302
    assert stored(vote["id"]).closed_at is not None
    bad = hall.secretary.post(
        f"/meetings/{hall.meeting.id}/votes", data={"title": " ", "kind": "motion"}
    )
    assert bad.status_code == 400 and "Tên biểu quyết đang để trống." in response_text(bad)


@BOTH
def test_no_vote_in_a_cancelled_meeting(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    vote = hall.opened()
    hall.secretary.post(f"/meetings/{hall.meeting.id}/cancel", data={"reason": "Bão"})
    cast = hall.cast("mai", vote, "yes")
    assert cast.status_code == 409 and "đã bị hủy" in cast.json["error"]["message"]
    late = hall.secretary.post(f"/api/v1/meetings/{hall.meeting.id}/votes", json={"title": "Muộn"})
    assert late.status_code == 409 and "đã bị hủy" in late.json["error"]["message"]
    assert sum(tallies(vote["id"]).values()) == 0
