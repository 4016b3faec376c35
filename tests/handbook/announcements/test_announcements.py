"""Announcements (issue #14 item 8): a committee's word to its whole subtree without a meeting,
a branch secretary's to their branch only; told once; withdrawn with a reason; and what is
refused (with its message, nothing kept)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.announcements.models import Announcement
from handbook.announcements.policy import SUBTREE_REFUSED, may_send
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.documents.policy import documents_where
from handbook.meetings import publishing
from handbook.notifications.models import Notification
from handbook.orgs.models import Reach
from tests.conftest import login
from tests.handbook.announcements.helpers import attached, send, sent, text_file, told
from tests.helpers import response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _browser(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def _main(page: str) -> str:
    return page.split('<main id="main">')[1].split("</main>")[0]


@BOTH
def test_a_committee_tells_its_whole_subtree_once_with_its_document(app, client, tree) -> None:
    """Every member below the commune is told (not the sender, not another commune's member);
    the document is read and lands in each branch's library; the member sees the announcement
    marked new on the home page until they open it."""
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree", files=text_file())
    assert announcement.reach is Reach.SUBTREE and announcement.notified_at is not None
    below = sorted(
        u.id for u in (tree.member_b1, tree.secretary_b1, tree.member_b2, tree.secretary_b2)
    )
    assert told(announcement) == below
    [document_id] = attached(announcement)
    document = db.session.get(Document, document_id)
    assert document.status is DocumentStatus.READY and document.meeting_id is None
    # Told in the announcement's one notice, never on its own.
    assert (
        db.session.scalars(
            sa.select(Notification).where(Notification.kind == "document.published")
        ).all()
        == []
    )

    member = _browser(app, tree.member_b2)
    home = _main(response_text(member.get("/")))
    link = f'href="/announcements/{announcement.id}"><span class="new-mark">mới</span>'
    assert link in home and "Kế hoạch học tập nghị quyết" in home
    page = response_text(member.get(f"/announcements/{announcement.id}"))
    assert "Đề nghị các đồng chí đọc kế hoạch trước ngày 15." in page
    assert f"/documents/{document_id}" in page
    assert "Xã Tân Tiến và các tổ chức đảng trực thuộc" in page
    assert "Thu hồi thông báo" not in page  # a reader's page
    assert "new-mark" not in _main(response_text(member.get("/")))  # read now
    assert member.get(f"/documents/{document_id}").status_code == 200
    library = response_text(member.get(f"/org/{tree.b2.id}/library"))
    assert f"/documents/{document_id}" in library

    outsider = _browser(app, tree.member_b3)
    assert outsider.get(f"/announcements/{announcement.id}").status_code == 404
    assert outsider.get(f"/documents/{document_id}").status_code == 404
    assert "Kế hoạch học tập" not in response_text(outsider.get("/announcements"))
    assert f"/documents/{document_id}" not in response_text(
        outsider.get(f"/org/{tree.b3.id}/library")
    )


@BOTH
def test_a_branch_secretary_choosing_the_subtree_is_refused(app, client, tree) -> None:
    """Not offered on the form, refused by the policy when forged, in Vietnamese, and nothing
    is kept: no announcement, no document, nobody told."""
    login(client, tree.secretary_b1)
    form = response_text(client.get(f"/org/{tree.b1.id}/announcements/new"))
    assert 'value="subtree"' not in form and "Chỉ Chi bộ thôn Một (1 đảng viên)" in form

    refused = send(client, tree.b1, reach="subtree", files=text_file())
    assert refused.status_code == 403
    page = response_text(refused)
    assert SUBTREE_REFUSED in page
    assert 'value="Kế hoạch học tập nghị quyết"' in page  # what was typed stays
    db.session.expire_all()
    assert db.session.scalars(sa.select(Announcement)).all() == []
    assert db.session.scalars(sa.select(Document)).all() == []
    assert db.session.scalars(sa.select(Notification)).all() == []
    # The policy itself, whatever the form: the secretary speaks to the branch alone.
    assert may_send(tree.secretary_b1, tree.b1, Reach.SELF)
    assert not may_send(tree.secretary_b1, tree.b1, Reach.SUBTREE)
    assert may_send(tree.committee_c, tree.commune, Reach.SUBTREE)
    assert not may_send(tree.member_b1, tree.b1, Reach.SELF)
    # And to another branch, not at all (not even seen).
    assert send(client, tree.b2).status_code == 404


def test_a_branch_secretary_tells_the_branch(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    announcement = sent(client, tree.b1)
    assert told(announcement) == [tree.member_b1.id]
    member = _browser(app, tree.member_b1)
    assert "Kế hoạch học tập nghị quyết" in response_text(member.get("/announcements"))
    assert _browser(app, tree.member_b2).get(f"/announcements/{announcement.id}").status_code == (
        404
    )
    # The committee above reads it too (as it reads the branch's publications).
    committee = _browser(app, tree.committee_c)
    assert committee.get(f"/announcements/{announcement.id}").status_code == 200


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "  "}, "Vui lòng nhập tiêu đề thông báo."),
        ({"body": ""}, "Vui lòng nhập nội dung thông báo."),
        ({"title": "x" * 301}, "Tiêu đề dài tối đa 300 ký tự."),
        ({"when": ""}, "Vui lòng chọn “Công bố ngay” hoặc “Hẹn giờ công bố”."),
        ({"when": "later", "date": "31/02/2027", "time": "08:00"}, "Không có ngày 31/02/2027"),
        ({"reach": "everyone"}, "Vui lòng chọn nơi nhận thông báo."),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_nothing_is_sent(client, tree, form, message):
    login(client, tree.committee_c)
    response = send(client, tree.commune, **form)
    assert response.status_code == 400
    assert message in response_text(response)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Announcement)).all() == []


def test_a_refused_file_sends_nothing_and_keeps_the_words(client, tree) -> None:
    login(client, tree.committee_c)
    files = text_file() | {"chuong-trinh.exe": b"MZ\x90\x00" + bytes(200)}
    response = send(client, tree.commune, reach="subtree", files=files)
    assert response.status_code == 400
    page = response_text(response)
    assert "chuong-trinh.exe" in page and "Thông báo chưa được gửi" in page
    assert "Đề nghị các đồng chí đọc kế hoạch trước ngày 15." in page
    assert 'id="reach-subtree" name="reach" value="subtree" checked' in page
    db.session.expire_all()
    assert db.session.scalars(sa.select(Announcement)).all() == []
    assert db.session.scalars(sa.select(Document)).all() == []
    assert db.session.scalars(sa.select(Notification)).all() == []


def _later(days: int = 2) -> dict[str, str]:
    when = (utcnow() + timedelta(days=days)).astimezone(VIETNAM_TZ)
    return {"when": "later", "date": f"{when:%d/%m/%Y}", "time": "07:00"}


def _its_time_has_come(announcement: Announcement) -> None:
    """As if the clock had reached its time (and its documents' time, the same)."""
    past = utcnow() - timedelta(seconds=5)
    db.session.execute(
        sa.update(Announcement).where(Announcement.id == announcement.id).values(publish_at=past)
    )
    db.session.execute(
        sa.update(Document).where(Document.id.in_(attached(announcement))).values(publish_at=past)
    )
    db.session.commit()


@BOTH
def test_a_scheduled_announcement_is_seen_and_told_only_from_its_time(app, client, tree) -> None:
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree", files=text_file(), **_later())
    [document_id] = attached(announcement)
    assert told(announcement) == []
    mine = response_text(client.get(f"/announcements/{announcement.id}"))
    assert "Hẹn gửi" in mine and "Hủy thông báo hẹn giờ" in mine
    assert "Khi đến giờ, 4 đảng viên sẽ nhận thông báo." in mine

    member = _browser(app, tree.member_b1)
    assert member.get(f"/announcements/{announcement.id}").status_code == 404
    assert member.get(f"/documents/{document_id}").status_code == 404
    assert "Kế hoạch học tập" not in response_text(member.get("/"))
    assert f"/documents/{document_id}" not in response_text(
        member.get(f"/org/{tree.b1.id}/library")
    )

    _its_time_has_come(announcement)
    assert member.get(f"/announcements/{announcement.id}").status_code == 200
    assert publishing.publish_due.call_local() >= 1  # the sweep tells it
    assert tree.member_b1.id in told(announcement)
    count = len(told(announcement))
    publishing.publish_due.call_local()  # again: nobody twice, and its document never on its own
    assert len(told(announcement)) == count == 4
    assert (
        db.session.scalars(
            sa.select(Notification).where(Notification.kind != "announcement.published")
        ).all()
        == []
    )
    assert member.get(f"/documents/{document_id}").status_code == 200


def test_cancelled_before_its_time_nobody_is_ever_told(app, client, tree) -> None:
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree", **_later())
    response = client.post(f"/announcements/{announcement.id}/withdraw", data={"reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    announcement = db.session.get(Announcement, announcement.id)
    assert announcement.withdrawn_at is not None and announcement.publish_at is None
    assert publishing.publish_due.call_local() == 0
    assert told(announcement) == []
    assert _browser(app, tree.member_b1).get(f"/announcements/{announcement.id}").status_code == 404
    page = response_text(client.get(f"/announcements/{announcement.id}"))
    assert "Thông báo hẹn giờ này đã được hủy, chưa gửi tới ai." in page


@BOTH
def test_withdrawn_after_it_went_out_needs_a_reason_its_readers_see(app, client, tree) -> None:
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree", files=text_file())
    [document_id] = attached(announcement)
    refused = client.post(f"/announcements/{announcement.id}/withdraw", data={"reason": "  "})
    assert refused.status_code == 400
    assert "Vui lòng ghi lý do thu hồi" in response_text(refused)
    db.session.expire_all()
    assert db.session.get(Announcement, announcement.id).withdrawn_at is None

    reason = "Nhầm ngày, sẽ gửi lại thông báo khác."
    withdrawn = client.post(f"/announcements/{announcement.id}/withdraw", data={"reason": reason})
    assert withdrawn.status_code == 302
    member = _browser(app, tree.member_b1)
    page = response_text(member.get(f"/announcements/{announcement.id}"))
    assert re.search("Thông báo này đã được thu hồi lúc [^.]+. Lý do: " + reason, page)
    assert "Đề nghị các đồng chí" not in page and f"/documents/{document_id}" not in page
    assert member.get(f"/documents/{document_id}").status_code == 404
    assert f"/documents/{document_id}" not in response_text(
        member.get(f"/org/{tree.b1.id}/library")
    )
    assert "Kế hoạch học tập" not in _main(response_text(member.get("/")))
    entry = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "announcement.withdrawn")
    ).one()
    assert entry.details == {"reason": reason, "had_gone_out": True}
    again = client.post(f"/announcements/{announcement.id}/withdraw", data={"reason": reason})
    assert again.status_code == 409
    # The SQL twin of the document rule agrees: no longer readable by the member.
    db.session.expire_all()
    visible = db.session.scalars(sa.select(Document.id).where(documents_where(tree.member_b1)))
    assert document_id not in list(visible)


def test_only_its_managers_withdraw_it(app, client, tree) -> None:
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree")
    member = _browser(app, tree.member_b1)
    assert (
        member.post(f"/announcements/{announcement.id}/withdraw", data={"reason": "x"}).status_code
        == 403
    )
    # A branch secretary below manages nothing of the commune's announcement.
    secretary = _browser(app, tree.secretary_b1)
    assert (
        secretary.post(
            f"/announcements/{announcement.id}/withdraw", data={"reason": "x"}
        ).status_code
        == 403
    )
    db.session.expire_all()
    stored = db.session.get(Announcement, announcement.id)
    assert stored.withdrawn_at is None
    assert not can(tree.secretary_b1, Action.ANNOUNCEMENT_MANAGE, stored)
    assert can(tree.admin_district, Action.ANNOUNCEMENT_MANAGE, stored)


def test_the_notice_quotes_it_and_names_the_sender(client, tree) -> None:
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree")
    notice = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == tree.member_b1.id)
    ).one()
    assert notice.kind == "announcement.published"
    assert notice.payload == {
        "announcement": announcement.id,
        "title": "Kế hoạch học tập nghị quyết",
        "organization": "Xã Tân Tiến",
        "excerpt": "Kính gửi các chi bộ trực thuộc. Đề nghị các đồng chí đọc kế hoạch trước "
        "ngày 15.",
        "url": f"/announcements/{announcement.id}",
    }
