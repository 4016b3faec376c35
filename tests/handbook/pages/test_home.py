"""The home page shows what was published since the member last looked, marked "mới"; opening
the meeting (or its document) is looking at it. A live notice says what it is about and where
it leads."""

from __future__ import annotations

import sqlalchemy as sa

from handbook.core import db
from handbook.notifications.models import Notification
from tests.conftest import login, socket_for
from tests.helpers import create_meeting, published_document, response_text


def _unread(user) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def test_a_newly_published_meeting_is_new_until_opened(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    first = create_meeting(client, tree.b1, title="Sinh hoạt chuyên đề quý IV")
    client.post(f"/meetings/{first.id}/publish", data={"when": "now", "confirm": "1"})
    second = create_meeting(client, tree.b1, days=20, title="Sinh hoạt chi bộ tháng 1")
    client.post(f"/meetings/{second.id}/publish", data={"when": "now", "confirm": "1"})
    draft = create_meeting(client, tree.b1, days=30, title="Bản nháp chưa công bố")

    member = app.test_client()
    login(member, tree.member_b1)
    home = response_text(member.get("/"))
    assert "Mới công bố" in home
    section = home.split('id="new-meetings"')[1].split("</section>")[0]
    assert section.index("Sinh hoạt chuyên đề quý IV") < section.index("Sinh hoạt chi bộ tháng 1")
    assert section.count('class="new-mark"') == 2
    assert draft.title not in home
    assert _unread(tree.member_b1) == 2

    assert member.get(f"/meetings/{first.id}").status_code == 200
    assert _unread(tree.member_b1) == 1
    home = response_text(member.get("/"))
    section = home.split('id="new-meetings"')[1].split("</section>")[0]
    assert "Sinh hoạt chuyên đề quý IV" not in section
    assert "Sinh hoạt chi bộ tháng 1" in section
    # The header's count agrees on every page.
    assert 'id="unread">1<' in home

    member.post("/notifications/read")
    assert "Mới công bố" not in response_text(member.get("/"))
    # The secretary published them: nothing is new to them.
    assert "Mới công bố" not in response_text(client.get("/"))


def test_another_branch_never_sees_it_as_new(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    outsider = app.test_client()
    login(outsider, tree.member_b2)
    assert "Mới công bố" not in response_text(outsider.get("/"))
    assert meeting.title not in response_text(outsider.get("/"))


def test_a_cancelled_meeting_is_no_longer_new(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1, title="Sẽ bị hủy")
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Hoãn"})
    member = app.test_client()
    login(member, tree.member_b1)
    assert "Mới công bố" not in response_text(member.get("/"))


def test_opening_a_document_reads_its_notice(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    member = app.test_client()
    login(member, tree.member_b1)
    db.session.add(
        Notification(
            user_id=tree.member_b1.id,
            kind="document.published",
            payload={"document": document.id, "title": document.title},
            dedupe_key=f"document:{document.id}:published",
        )
    )
    db.session.commit()
    before = _unread(tree.member_b1)
    assert member.get(f"/documents/{document.id}").status_code == 200
    assert _unread(tree.member_b1) == before - 1


def test_a_live_notice_says_what_and_where(app, client, tree) -> None:
    live = socket_for(app, tree.member_b1)
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1, title="Sinh hoạt chi bộ tháng 12")
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    [notice] = [m["args"][0] for m in live.get_received() if m["name"] == "notification"]
    assert notice["notice"] == "Lịch sinh hoạt mới: Sinh hoạt chi bộ tháng 12"
    assert "19:30" in notice["detail"] and "Nhà văn hóa thôn" in notice["detail"]
    assert notice["url"] == f"/meetings/{meeting.id}"
    live.disconnect()
