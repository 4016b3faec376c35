"""Participation across meetings and branches: the four marks (opening a document is not
reading it), the secretary never "chưa đọc" in their own meeting, the quarter's rates, a
committee's branches side by side (never another commune's), the exports, and the reminder to
those who did nothing, once a day."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from handbook.attendance.models import Attendance, AttendanceSheet, Mark
from handbook.attendance.operations import entry_of
from handbook.audio.models import ListenProgress
from handbook.core import db
from handbook.core.timeutil import to_local, utcnow
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.notifications.models import Notification
from handbook.participation.models import ReadingPosition
from handbook.participation.overview import Quarter, grid
from handbook.participation.totals import totals
from tests.conftest import login
from tests.handbook.participation.test_reading import TEXT
from tests.helpers import create_meeting, response_text, upload_document

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _published(client, tree) -> tuple[Meeting, Document]:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting, name="bao-cao.txt", data=TEXT.encode())
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    client.post("/logout")
    document = db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id)
    ).one()
    return meeting, document


def _quarter(meeting: Meeting) -> Quarter:
    return Quarter.parse(None, to_local(meeting.starts_at).date())


def _member(app, user):
    other = app.test_client()
    login(other, user)
    return other


def _read(client, document: Document, *ns: int) -> None:
    for n in ns:
        response = client.post(
            f"/documents/{document.id}/reading", json={"n": n, "version": document.text_version}
        )
        assert response.status_code == 200, response_text(response)


@BOTH
def test_the_four_marks_and_opening_is_not_reading(app, client, tree, make_user) -> None:
    from handbook.orgs.models import Role

    opener = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Mở")
    reader = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Đọc")
    scroller = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Lướt")
    meeting, document = _published(client, tree)
    # Opened only, and read a little: not read.
    member = _member(app, opener)
    assert member.get(f"/documents/{document.id}").status_code == 200
    _read(member, document, 2, 3)
    # Read past 60 % (5 of 8 paragraphs), then back up to the start: still read.
    _read(_member(app, reader), document, 3, 5, 2)
    # The end in sight is read too.
    _read(_member(app, scroller), document, 8)
    db.session.add(
        ListenProgress(user_id=opener.id, document_id=document.id, completed_at=utcnow())
    )
    db.session.add(AttendanceSheet(meeting_id=meeting.id, opened_by_id=tree.secretary_b1.id))
    db.session.flush()  # the rows below refer to the sheet
    db.session.add(Attendance(meeting_id=meeting.id, user_id=reader.id, mark=Mark.LATE))
    db.session.add(Attendance(meeting_id=meeting.id, user_id=opener.id, mark=Mark.ABSENT))
    db.session.add(Attendance(meeting_id=meeting.id, user_id=scroller.id, mark=Mark.EXEMPT))
    db.session.commit()
    commenter = _member(app, tree.member_b1)
    response = commenter.post(
        f"/api/v1/documents/{document.id}/comments",
        json={"body": "Đồng ý với báo cáo.", "client_id": "c-overview-1"},
        headers={"X-CSRFToken": commenter.get("/api/v1/me").get_json()["csrf_token"]},
    )
    assert response.status_code in (200, 201), response_text(response)

    db.session.expire_all()
    position = db.session.get(ReadingPosition, (reader.id, document.id))
    assert position is not None and position.paragraph == 2 and position.read_at is not None
    result = grid([tree.b1.id], _quarter(meeting))
    cell = {u.id: result.mark(u.id, meeting.id) for u in (opener, reader, scroller)}
    assert (cell[opener.id].attended, cell[opener.id].read, cell[opener.id].listened) == (
        False,
        False,
        True,
    )
    assert (cell[reader.id].attended, cell[reader.id].read) == (True, True)
    assert (cell[scroller.id].attended, cell[scroller.id].read) == (None, True)  # exempt
    assert result.mark(tree.member_b1.id, meeting.id).commented
    assert not result.mark(tree.member_b1.id, meeting.id).read
    # The secretary published and uploaded it: read, though never scrolled.
    assert result.mark(tree.secretary_b1.id, meeting.id).read is True
    assert tree.secretary_b1.id not in result.idle(meeting.id)
    assert opener.id not in result.idle(meeting.id)  # listened
    assert tree.member_b1.id not in result.idle(meeting.id)  # commented
    totals = result.per_meeting[meeting.id]
    members = len(result.members)
    assert totals.of["read"] == members and totals.done["read"] == 3  # reader, scroller, secretary
    # Convened: the reader and the opener; not the exempted one, nor those the check-in never
    # listed (the sheet was stored here without them).
    assert totals.of["attended"] == 2
    assert totals.done["attended"] == 1
    assert result.mark(tree.member_b1.id, meeting.id).attended is None


@BOTH
def test_rates_per_quarter_and_branches_side_by_side(app, client, tree) -> None:
    meeting, document = _published(client, tree)
    quarter = _quarter(meeting)
    _read(_member(app, tree.member_b1), document, 8)
    login(client, tree.committee_c)
    page = client.get(f"/org/{tree.commune.id}/participation/branches?quarter={quarter}")
    text = response_text(page)
    assert page.status_code == 200
    assert "Chi bộ thôn Một" in text and "Chi bộ thôn Hai" in text
    assert "Chi bộ thôn Ba" not in text  # another commune's
    # B1: the member and the secretary read (the secretary published it): 100 %.
    b1 = grid([tree.b1.id], quarter)
    assert b1.total.rate("read") == 1.0
    # Another quarter has none of it.
    later = client.get(f"/org/{tree.commune.id}/participation/branches?quarter={quarter.next}")
    assert "100 %" not in response_text(later)
    assert grid([tree.b1.id], quarter.next).meetings == []
    # Without a quarter named: the latest published meeting's, though it may be the next one.
    assert meeting.title in response_text(client.get(f"/org/{tree.b1.id}/participation"))
    # The committee opens the branch's own view; a member may not.
    assert client.get(f"/org/{tree.b1.id}/participation?quarter={quarter}").status_code == 200
    member = _member(app, tree.member_b1)
    assert member.get(f"/org/{tree.b1.id}/participation").status_code == 403
    assert member.get(f"/org/{tree.commune.id}/participation/branches").status_code == 403
    # B3's secretary sees nothing of commune C.
    other = _member(app, tree.member_b3)
    assert other.get(f"/org/{tree.commune.id}/participation/branches").status_code == 404


@BOTH
def test_a_meetings_attendance_rate_is_the_attendance_pages(app, client, tree, make_user) -> None:
    """Counted by hand, through the pages: the check-in keeps each member's situation on the
    meeting's day from the member list, the secretary marks who came, and the participation
    views' attendance rate for the meeting is the attendance page's present / convened."""
    from handbook.orgs.models import Membership, Role, Situation

    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    publish = {"when": "now", "confirm": "1"}  # no documents: "Vẫn công bố"
    assert client.post(f"/meetings/{meeting.id}/publish", data=publish).status_code == 302
    day = to_local(meeting.starts_at).date()
    away, paused, back, excused, exempt = (
        make_user(tree.b1, Role.MEMBER, full_name=name)
        for name in ("Công Tác Xa", "Đình Chỉ", "Hết Đình Chỉ", "Vắng Có Lý Do", "Được Miễn")
    )
    for user, situation, since, until in (
        (away, Situation.ELSEWHERE, day - timedelta(days=5), day + timedelta(days=5)),
        (paused, Situation.SUSPENDED, day, None),  # from the meeting's own day
        (back, Situation.SUSPENDED, None, day - timedelta(days=1)),  # over the day before
    ):
        membership = db.session.scalars(
            sa.select(Membership).where(Membership.user_id == user.id)
        ).one()
        membership.situation = situation
        membership.situation_from, membership.situation_until = since, until
    db.session.commit()
    assert client.post(f"/meetings/{meeting.id}/attendance/open").status_code == 302
    for user, mark, reason in (
        (tree.secretary_b1, Mark.PRESENT, ""),
        (tree.member_b1, Mark.LATE, ""),
        (away, Mark.ONLINE, ""),  # came online from where they work: not among the convened
        (back, Mark.ABSENT, ""),
        (excused, Mark.EXCUSED, "Ốm"),
        (exempt, Mark.EXEMPT, ""),
    ):
        entry = entry_of(meeting.id, user.id)
        assert entry is not None
        form = {"mark": mark.value, "version": str(entry.version), "reason": reason}
        response = client.post(f"/meetings/{meeting.id}/attendance/{user.id}", data=form)
        assert response.status_code == 302
    assert client.post(f"/meetings/{meeting.id}/attendance/close").status_code == 302
    db.session.expire_all()
    # Seven on the list; convened: the secretary, member B1 and the one back from suspension;
    # present among them: the secretary and member B1.
    counts = client.get(f"/api/v1/meetings/{meeting.id}/attendance").get_json()["counts"]
    assert (counts["members"], counts["present"], counts["convened"]) == (7, 2, 3)
    page = response_text(client.get(f"/meetings/{meeting.id}/attendance")).replace(" ", "")
    assert 'data-count="present">2<' in page and 'data-count="convened">3<' in page
    quarter = _quarter(meeting)
    cells = grid([tree.b1.id], quarter).per_meeting[meeting.id]
    assert (cells.done["attended"], cells.of["attended"]) == (2, 3)
    counted = totals([tree.b1.id], quarter).per_branch[tree.b1.id]
    assert (counted.done["attended"], counted.of["attended"]) == (2, 3)
    branch = response_text(client.get(f"/org/{tree.b1.id}/participation?quarter={quarter}"))
    assert branch.count("Có mặt 67 %") == 2  # the meeting's line and the quarter's
    committee = _member(app, tree.committee_c)
    side = committee.get(f"/org/{tree.commune.id}/participation/branches?quarter={quarter}")
    row = response_text(side).split(f">{tree.b1.name}</a></th>", 1)[1].split("</tr>", 1)[0]
    assert "<td>67 %</td>" in row


def test_a_malformed_quarter_falls_back_to_the_current_one() -> None:
    assert str(Quarter.parse("2026-Q4")) == "2026-Q4"
    assert Quarter.parse("2026-Q5") == Quarter.parse(None)
    assert Quarter.parse("2026-Q1").previous == Quarter(2025, 4)
    assert Quarter.parse("2026-Q4").next == Quarter(2027, 1)
    assert Quarter(2026, 4).label == "Quý IV/2026"


@BOTH
def test_exports_hold_the_views_rows(app, client, tree) -> None:
    meeting, document = _published(client, tree)
    quarter = _quarter(meeting)
    _read(_member(app, tree.member_b1), document, 8)
    login(client, tree.committee_c)
    response = client.get(f"/org/{tree.commune.id}/participation/branches.xlsx?quarter={quarter}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''" in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:7] == (
        "Chi bộ",
        "Số đảng viên",
        "Số buổi sinh hoạt",
        "Có mặt",
        "Đã đọc",
        "Đã nghe",
        "Góp ý",
    )
    names = [r[0] for r in rows[2:]]
    assert names == ["Chi bộ thôn Hai", "Chi bộ thôn Một", "Tất cả"]
    b1 = rows[3]
    assert b1[2] == 1 and b1[4] == 1.0 and b1[3] is None  # no check-in: no attendance rate
    raw = client.get(f"/org/{tree.b1.id}/participation.csv?quarter={quarter}").data
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][0] == "Đảng viên" and table[-1][0] == "Tỉ lệ"
    member_row = next(r for r in table if r[0] == tree.member_b1.full_name)
    assert member_row[1:5] == ["", "Có", "Không", "Không"]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/org/{tree.b1.id}/participation.xlsx?quarter={quarter}").data)
    )
    assert book.active["A1"].value.startswith("Tham gia sinh hoạt – Chi bộ thôn Một")


def _idle_kinds(user) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification.kind).where(
                Notification.user_id == user.id, Notification.kind == "participation.idle"
            )
        )
    )


@BOTH
def test_the_idle_are_reminded_once_a_day(app, client, tree, make_user) -> None:
    from handbook.orgs.models import Role

    reader = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Đọc")
    meeting, document = _published(client, tree)
    _read(_member(app, reader), document, 8)
    login(client, tree.secretary_b1)
    form = {"meeting": str(meeting.id), "quarter": str(_quarter(meeting))}
    response = client.post(
        f"/org/{tree.b1.id}/participation/remind", data=form, follow_redirects=True
    )
    assert "Đã nhắc 1 đảng viên" in response_text(response)
    assert _idle_kinds(tree.member_b1) == ["participation.idle"]
    assert _idle_kinds(reader) == [] and _idle_kinds(tree.secretary_b1) == []
    again = client.post(f"/org/{tree.b1.id}/participation/remind", data=form, follow_redirects=True)
    assert "Không có ai cần nhắc hôm nay" in response_text(again)
    assert _idle_kinds(tree.member_b1) == ["participation.idle"]
    # The committee above may remind too; another branch's secretary may not see it.
    other = _member(app, tree.secretary_b2)
    assert other.post(f"/org/{tree.b1.id}/participation/remind", data=form).status_code == 404
    committee = _member(app, tree.committee_c)
    assert committee.post(f"/org/{tree.b1.id}/participation/remind", data=form).status_code == 302
    # A meeting of another branch, or none: refused.
    assert (
        client.post(f"/org/{tree.b1.id}/participation/remind", data={"meeting": "x"}).status_code
        == 302
    )


@BOTH
def test_a_meeting_not_yet_published_is_not_reminded(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    response = client.post(
        f"/org/{tree.b1.id}/participation/remind",
        data={"meeting": str(meeting.id)},
        follow_redirects=True,
    )
    assert "chưa được công bố" in response_text(response)
    assert _idle_kinds(tree.member_b1) == []


def test_a_late_report_of_the_end_still_counts_as_read(app, client, tree) -> None:
    meeting, document = _published(client, tree)
    member = _member(app, tree.member_b1)
    now_ms = int(utcnow().timestamp() * 1000)
    body = {"n": 2, "version": document.text_version, "seen": now_ms}
    assert member.post(f"/documents/{document.id}/reading", json=body).status_code == 200
    # From a phone that was offline: it reached the end an hour before the report above.
    late = {"n": 8, "version": document.text_version, "seen": now_ms - 3_600_000}
    assert member.post(f"/documents/{document.id}/reading", json=late).get_json()["changed"]
    db.session.expire_all()
    position = db.session.get(ReadingPosition, (tree.member_b1.id, document.id))
    assert position is not None and position.paragraph == 2  # "Đọc tiếp" stays where it was
    assert position.read_at is not None
    assert grid([tree.b1.id], _quarter(meeting)).mark(tree.member_b1.id, meeting.id).read
