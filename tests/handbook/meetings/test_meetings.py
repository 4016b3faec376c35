"""Meetings: created by the secretary, published at a time, told to members exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.core.extensions import socketio
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import Meeting
from handbook.meetings.publishing import publish_due
from handbook.notifications.models import Notification
from tests.conftest import login, socket_for
from tests.helpers import create_meeting, meeting_form, response_text, upload_document


def _notifications(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_secretary_prepares_and_publishes_a_meeting(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    assert [i.title for i in meeting.agenda] == [
        "Báo cáo tình hình",
        "Phổ biến nghị quyết",
        "Thảo luận",
    ]
    response = upload_document(client, meeting, agenda_item=str(meeting.agenda[1].id))
    assert response.status_code == 201, response_text(response)
    document = db.session.scalars(sa.select(Document)).one()
    assert document.status is DocumentStatus.READY  # jobs run inline in tests
    assert document.agenda_item_id == meeting.agenda[1].id
    assert document.publish_at is None  # a draft until the meeting is published
    assert _notifications(tree.member_b1) == []

    assert client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}).status_code == 302
    told = _notifications(tree.member_b1)
    assert [n.kind for n in told] == ["meeting.published"]
    assert told[0].payload["title"] == "Sinh hoạt chi bộ tháng 12"
    assert told[0].payload["place"] == "Nhà văn hóa thôn"
    assert told[0].payload["documents"] == [document.title]
    assert "19:30" in told[0].payload["when"]
    assert _notifications(tree.member_b2) == []  # another branch
    # The meeting's documents were told with it, not again on their own.
    assert publish_due.call_local() == 0
    assert len(_notifications(tree.member_b1)) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_members_see_nothing_before_the_publish_time(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    document = db.session.scalars(sa.select(Document)).one()
    later = (utcnow() + timedelta(days=2)).astimezone(VIETNAM_TZ)
    response = client.post(
        f"/meetings/{meeting.id}/publish",
        data={"when": "later", "date": later.strftime("%Y-%m-%d"), "time": later.strftime("%H:%M")},
    )
    assert response.status_code == 302

    member = app.test_client()
    login(member, tree.member_b1)
    for path in (
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/calendar.ics",
        f"/documents/{document.id}",
        f"/documents/{document.id}/file",
        f"/documents/{document.id}/status",
    ):
        assert member.get(path).status_code == 404, path
    assert "chuyển đổi số" not in response_text(member.get("/search?q=chuyen doi so"))
    assert "Sinh hoạt chi bộ tháng 12" not in response_text(member.get("/"))
    assert publish_due.call_local() == 0
    assert _notifications(tree.member_b1) == []

    # The time comes: the minute sweep tells everyone once, however often it runs.
    db.session.execute(sa.update(Meeting).values(publish_at=utcnow() - timedelta(seconds=1)))
    db.session.execute(sa.update(Document).values(publish_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert publish_due.call_local() == 1
    assert publish_due.call_local() == 0
    assert len(_notifications(tree.member_b1)) == 1
    assert member.get(f"/documents/{document.id}").status_code == 200
    assert "chuyển đổi số" in response_text(member.get("/search?q=chuyen doi so"))


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"when": "later", "date": "2020-01-01", "time": "08:00"}, "Thời điểm công bố đã qua"),
        ({"when": "later", "date": "", "time": ""}, "Vui lòng chọn ngày và giờ công bố"),
        ({"when": "later", "date": "2099-01-01", "time": "08:00"}, "phải trước giờ sinh hoạt"),
    ],
)
def test_bad_publish_times_are_refused(client, tree, form, message) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    response = client.post(f"/meetings/{meeting.id}/publish", data=form, follow_redirects=True)
    assert message in response_text(response)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).publish_at is None


def test_a_meeting_in_the_past_cannot_be_created_or_published(client, tree) -> None:
    login(client, tree.secretary_b1)
    response = client.post(f"/org/{tree.b1.id}/meetings/new", data=meeting_form(days=-2))
    assert response.status_code == 400
    assert "Thời gian sinh hoạt đã qua" in response_text(response)
    meeting = create_meeting(client, tree.b1)
    meeting.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = client.post(
        f"/meetings/{meeting.id}/publish", data={"when": "now"}, follow_redirects=True
    )
    assert "đã diễn ra" in response_text(response)


@pytest.mark.parametrize("who", ["member_b1", "secretary_b2", "committee_c"])
def test_only_the_branch_may_create_its_meetings(client, tree, who) -> None:
    login(client, getattr(tree, who))
    response = client.post(f"/org/{tree.b1.id}/meetings/new", data=meeting_form())
    assert response.status_code == (404 if who == "secretary_b2" else 403)
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_committee_publishes_to_every_branch_below_it(app, client, tree) -> None:
    login(client, tree.committee_c)
    meeting = create_meeting(
        client, tree.commune, subtree="y", title="Hội nghị quán triệt nghị quyết"
    )
    upload_document(client, meeting, name="ke-hoach.txt")
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    for member in (tree.member_b1, tree.member_b2, tree.secretary_b1):
        assert [n.kind for n in _notifications(member)] == ["meeting.published"], member
    assert _notifications(tree.member_b3) == []
    document = db.session.scalars(sa.select(Document)).one()
    reader = app.test_client()
    login(reader, tree.member_b2)
    assert reader.get(f"/documents/{document.id}").status_code == 200
    outsider = app.test_client()
    login(outsider, tree.member_b3)
    assert outsider.get(f"/documents/{document.id}").status_code == 404


def test_cancelling_tells_the_members_who_were_told(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Trùng lịch họp xã"})
    kinds = [n.kind for n in _notifications(tree.member_b1)]
    assert kinds == ["meeting.published", "meeting.cancelled"]
    cancelled = _notifications(tree.member_b1)[1]
    assert cancelled.payload["reason"] == "Trùng lịch họp xã"
    response = client.post(
        f"/meetings/{meeting.id}/cancel", data={"reason": "x"}, follow_redirects=True
    )
    assert "đã bị hủy trước đó" in response_text(response)


def test_a_member_with_the_page_open_is_told_live(app, client, tree) -> None:
    live = socket_for(app, tree.member_b1)
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    received = [m for m in live.get_received() if m["name"] == "notification"]
    assert len(received) == 1
    assert received[0]["args"][0]["title"] == "Sinh hoạt chi bộ tháng 12"
    assert received[0]["args"][0]["unread"] == 1
    live.disconnect()


def test_a_socket_without_a_session_is_refused(app, tree) -> None:
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()


def test_the_calendar_file_describes_the_meeting(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    response = client.get(f"/meetings/{meeting.id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Sinh hoạt chi bộ tháng 12\r\n" in body
    local = meeting.starts_at.astimezone(VIETNAM_TZ)
    assert local.hour == 19 and local.minute == 30
    assert f"DTSTART:{meeting.starts_at:%Y%m%dT%H%M%S}Z" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_reading_is_recorded_and_the_secretary_reminds_the_rest(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    document = db.session.scalars(sa.select(Document)).one()
    reader = app.test_client()
    login(reader, tree.member_b1)
    page = reader.get(f"/documents/{document.id}")
    assert page.status_code == 200
    assert 'id="p-2"' in response_text(page)
    reader.get(f"/documents/{document.id}")  # twice: still one record
    view = response_text(client.get(f"/meetings/{meeting.id}/participation"))
    assert view.count('class="done"') == 1
    assert "Lò Thị Mai" in view
    client.post(f"/meetings/{meeting.id}/remind")
    assert [n.kind for n in _notifications(tree.member_b1)] == ["meeting.published"]
    assert [n.kind for n in _notifications(tree.secretary_b1)][-1] == "reminder"
    assert reader.get(f"/meetings/{meeting.id}/participation").status_code == 403


def test_moving_a_published_meeting_tells_the_members(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    form = meeting_form(days=12, place="Hội trường xã")
    assert client.post(f"/meetings/{meeting.id}/edit", data=form).status_code == 302
    told = _notifications(tree.member_b1)
    assert [n.kind for n in told] == ["meeting.published", "meeting.changed"]
    assert told[1].payload["place"] == "Hội trường xã"
    # A change of agenda alone does not disturb anyone.
    form["agenda"] = "Một nội dung mới"
    client.post(f"/meetings/{meeting.id}/edit", data=form)
    assert len(_notifications(tree.member_b1)) == 2
    db.session.expire_all()
    assert [i.title for i in db.session.get(Meeting, meeting.id).agenda] == ["Một nội dung mới"]


def test_stale_temporary_files_are_cleared(app, tmp_path) -> None:
    import os
    import time

    from handbook.documents.storage import blob_store, remove_stale_files

    store = blob_store()
    store.root.mkdir(parents=True, exist_ok=True)
    fresh = store.root / ".tmp-fresh"
    old = store.root / ".tmp-old"
    for path in (fresh, old):
        path.write_bytes(b"half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_files() >= 1
    left = {p.name for p in store.root.iterdir()}
    assert old.name not in left
    assert fresh.name in left  # may still be an upload in progress
