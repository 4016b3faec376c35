"""The minutes drafted from what the system holds (time, place, signers, attendance with names,
reasons and the counts by the rules, each agenda item's documents, comments by disposition and
closed votes), and drafted again without overwriting what the secretary wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.attendance.models import AttendanceSheet
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.meetings.models import AgendaItem
from handbook.minutes.models import Minutes, MinutesSection
from tests.handbook.minutes.conftest import (
    ACCEPTED,
    EXPLAIN,
    HIDDEN,
    ON_ITEM,
    PENDING,
    VOTE_TITLE,
    Held,
)
from tests.helpers import response_text


def test_opening_the_minutes_drafts_them_once_from_the_branchs_data(held: Held) -> None:
    page = held.secretary.get(held.url)
    assert page.status_code == 200, response_text(page)
    again = held.second.get(held.url)  # the other secretary: the same draft, not a second
    assert again.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Minutes.id))) == 1
    minutes = held.minutes()
    parts = {p["title"]: p["body"] for p in minutes["record"]["parts"]}
    assert list(parts)[:2] == ["Thời gian, địa điểm, chủ trì, thư ký", "Thành phần tham dự"]
    assert "Chủ trì: đồng chí Hoàng Văn Thắng." in parts["Thời gian, địa điểm, chủ trì, thư ký"]
    assert "Thư ký: (chưa chọn)." in parts["Thời gian, địa điểm, chủ trì, thư ký"]
    assert "Địa điểm: Nhà văn hóa thôn Một." in parts["Thời gian, địa điểm, chủ trì, thư ký"]
    assert minutes["record"]["header"] == ["ĐẢNG BỘ XÃ TÂN TIẾN", "CHI BỘ THÔN MỘT"]
    assert minutes["record"]["place_date"].startswith("Tân Tiến, ngày ")
    assert minutes["record"]["subtitle"].startswith("Sinh hoạt chi bộ thường kỳ tháng ")
    assert minutes["draft"] is True and minutes["drafting"]["approvals"] == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "minutes.drafted")
        )
        == 1
    )


def test_attendance_names_reasons_and_counts_by_the_rules(held: Held) -> None:
    attendance = held.section("attendance")["body"]
    # Five members; Hà away with a reason is not convened (Quy định 24 §9.3); Quang is
    # probationary: present, convened, but no vote.
    assert "Tổng số đảng viên của chi bộ: 5. Số đảng viên được triệu tập: 4" in attendance
    assert "(đảng viên chính thức: 3)" in attendance
    assert "Có mặt: 4/4 đảng viên được triệu tập" in attendance
    assert "được biểu quyết: 3." in attendance
    assert "Có mặt (2): Hoàng Văn Thắng; Lò Thị Mai." in attendance
    assert "Có mặt trực tuyến (1): Đặng Văn Sơn." in attendance
    assert "Đến muộn (1): Bế Văn Quang (dự bị)." in attendance
    assert "Vắng có lý do (1): Triệu Thị Hà: Ốm, nằm viện." in attendance


def test_an_agenda_item_has_its_documents_comments_by_disposition_and_votes(held: Held) -> None:
    item = held.section("item")["body"]
    assert item.startswith("Tài liệu: Dự thảo nghị quyết.")
    lines = item.split("\n")
    accepted = lines.index("Ý kiến đã tiếp thu (1):")
    explain = lines.index("Ý kiến cần giải trình (1):")
    pending = lines.index("Ý kiến chưa xử lý (2):")
    assert accepted < explain < pending
    assert lines[accepted + 1] == (
        f"- Đồng chí Lò Thị Mai (về “Dự thảo nghị quyết”, đoạn 2): {ACCEPTED}"
    )
    assert lines[explain + 1].endswith(EXPLAIN)
    assert f"- Đồng chí Lò Thị Mai (góp ý chung): {ON_ITEM}" in lines[pending + 1 : pending + 3]
    assert f"- Đồng chí Lò Thị Mai (về “Dự thảo nghị quyết”): {PENDING}" in lines
    assert HIDDEN not in item  # hidden by the secretary: not in the branch's record
    vote = lines[-1]
    assert vote.startswith(f"Biểu quyết “{VOTE_TITLE}” (bỏ phiếu kín; Nghị quyết")
    assert "Tán thành: 2, Không tán thành: 1, Không biểu quyết: 0" in vote
    assert vote.endswith(
        "Kết quả: Thông qua: 2/3 đảng viên chính thức được triệu tập tán thành, trên một nửa."
    )
    # The other agenda items have no documents and no comments.
    assert held.section("item", 1)["body"] == (
        "Không có tài liệu kèm theo.\nKhông có ý kiến góp ý của đảng viên trên ứng dụng."
    )


def test_ending_the_meeting_notes_the_time_and_closes_check_in(held: Held) -> None:
    ahead = held.secretary.post(held.api(), json={"end": True})  # its time has not come yet
    assert ahead.status_code == 200, ahead.json
    assert ahead.json["record"]["parts"][-1]["body"].startswith(
        "Buổi sinh hoạt kết thúc lúc … giờ … phút"
    )
    minutes = db.session.scalars(sa.select(Minutes)).one()
    minutes.started_at = held.meeting.starts_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    answer = held.secretary.post(held.api(), json={"end": True})
    assert answer.status_code == 200, answer.json
    closing = answer.json["record"]["parts"][-1]["body"]
    assert closing.startswith("Buổi sinh hoạt kết thúc lúc ") and "…" not in closing
    db.session.expire_all()
    sheet = db.session.get(AttendanceSheet, held.meeting.id)
    assert sheet is not None and sheet.closed_at is not None
    # The page's button does the same, and leads to the minutes.
    again = held.secretary.post(f"{held.url}/draft", data={"end": "1"})
    assert again.status_code == 302 and again.headers["Location"].endswith(held.url)


def test_drafting_again_keeps_what_the_secretary_wrote_and_offers_the_new_draft(
    held: Held,
) -> None:
    item = held.section("item")
    written = "Chi bộ thảo luận sôi nổi; đồng chí Bí thư giải trình về kinh phí."
    saved = held.secretary.patch(
        f"{held.api()}/sections/{item['id']}", json={"body": written, "version": item["version"]}
    )
    assert saved.status_code == 200, saved.json
    # A new comment comes in, the attendance changes: the system's draft moves on.
    held.member.post(
        f"/api/v1/documents/{held.document.id}/comments",
        json={"body": "Góp ý bổ sung sau giờ họp.", "client_id": "minutes-late-0001"},
    )
    answer = held.secretary.post(held.api(), json={})
    assert answer.status_code == 200
    sections = {s["id"]: s for s in answer.json["drafting"]["sections"]}
    mine = sections[item["id"]]
    assert mine["body"] == written and mine["edited"] and mine["auto_newer"]
    assert "Góp ý bổ sung sau giờ họp." in mine["auto_body"]
    page = response_text(held.secretary.get(held.url))
    assert "Có dữ liệu mới cho phần này" in page and "Cập nhật phần tự động" in page
    # Taking the new draft is the secretary's choice, per section.
    taken = held.secretary.post(
        f"{held.url}/sections/{item['id']}", data={"auto": "1", "version": str(mine["version"])}
    )
    assert taken.status_code == 302
    db.session.expire_all()
    section = db.session.get(MinutesSection, item["id"])
    assert section is not None and "Góp ý bổ sung sau giờ họp." in section.body
    assert not section.edited and not section.auto_newer


def test_an_agenda_item_added_later_gets_its_section_before_the_conclusions(held: Held) -> None:
    before = [s["kind"] for s in held.minutes()["drafting"]["sections"]]
    assert before == ["opening", "attendance", "item", "item", "item", "conclusions", "closing"]
    db.session.add(AgendaItem(meeting_id=held.meeting.id, position=4, title="Công tác khác"))
    db.session.commit()
    titles = [s["title"] for s in held.minutes()["drafting"]["sections"]]
    assert titles[-3:] == ["Nội dung 4: Công tác khác", "Kết luận", "Kết thúc"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_another_branchs_member_finds_no_minutes_anywhere(held: Held) -> None:
    held.choose_signers(held.tree.member_b1)
    held.approve_both()
    section = held.section("item")
    audio = held.secretary.post(f"{held.url}/audio")
    assert audio.status_code == 202
    paths = [
        ("GET", held.url),
        ("GET", f"{held.url}.pdf"),
        ("GET", f"{held.url}.docx"),
        ("GET", f"{held.url}/versions/1"),
        ("GET", f"{held.url}/audio.json"),
        ("GET", f"/minutes/audio/{audio.json['id']}.mp3"),
        ("POST", f"{held.url}/audio"),
        ("POST", f"{held.url}/approve"),
        ("POST", f"{held.url}/draft"),
        ("POST", f"{held.url}/new-version"),
        ("POST", f"{held.url}/sections/{section['id']}"),
        ("GET", held.api()),
        ("GET", f"{held.api()}/versions/1"),
        ("POST", f"{held.api()}/approve"),
    ]
    for method, path in paths:
        json = {"revision": 1} if path.endswith("/approve") and "/api/" in path else None
        answer = held.outsider.open(path, method=method, json=json)
        assert answer.status_code == 404, (method, path, answer.status_code)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_member_before_anything_is_drafted_gets_a_clear_refusal_not_an_error(
    held: Held,
) -> None:
    """Minutes not yet drafted: the branch's member is refused like before an approval (the
    policy read the unsaved minutes' version number, still unset: a 500)."""
    for path in (held.url, f"{held.url}.docx", f"{held.url}.pdf", held.api()):
        answer = held.member.get(path)
        assert answer.status_code in (403, 404), (path, answer.status_code)
    assert held.secretary.get(held.url).status_code == 200  # the manager drafts them
