"""Telling the right people: the one who published or cancelled is not told of it, and the
day before a meeting those who have not read or listened to its documents are reminded once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.audio.models import ListenProgress
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.notifications.models import Notification
from handbook.orgs.models import Role
from handbook.participation.reminders import remind_due
from tests.conftest import login
from tests.helpers import create_meeting, upload_document

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _kinds(user) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


@BOTH
def test_the_publisher_is_not_told_of_their_own_publication(client, tree, make_user) -> None:
    deputy = make_user(tree.b1, Role.SECRETARY, full_name="Lò Văn Phó")
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    assert _kinds(tree.member_b1) == ["meeting.published"]
    assert _kinds(deputy) == ["meeting.published"]  # a fellow secretary did not publish it
    assert _kinds(tree.secretary_b1) == []
    # The deputy cancels: everyone else hears of it, the deputy does not.
    other = client.application.test_client()
    login(other, deputy)
    other.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Trùng lịch họp xã"})
    assert _kinds(tree.member_b1) == ["meeting.published", "meeting.cancelled"]
    assert _kinds(tree.secretary_b1) == ["meeting.cancelled"]
    assert _kinds(deputy) == ["meeting.published"]


def test_a_committee_publishing_to_its_branches_is_not_told_either(client, tree) -> None:
    login(client, tree.committee_c)
    meeting = create_meeting(client, tree.commune, subtree="y")
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    assert _kinds(tree.member_b2) == ["meeting.published"]
    assert _kinds(tree.committee_c) == []


def _published_meeting(client, tree, *, documents: int = 2) -> tuple[Meeting, list[Document]]:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    for n in range(documents):
        upload_document(client, meeting, name=f"tai-lieu-{n}.txt")
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    docs = list(
        db.session.scalars(
            sa.select(Document).where(Document.meeting_id == meeting.id).order_by(Document.id)
        )
    )
    return meeting, docs


def _move(meeting: Meeting, *, starts_in: timedelta, told_ago: timedelta) -> None:
    """The meeting as it stands some time after its publication (no clock to move here)."""
    now = utcnow()
    db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id)
        .values(starts_at=now + starts_in, notified_at=now - told_ago, publish_at=now - told_ago)
    )
    db.session.execute(
        sa.update(Document)
        .where(Document.meeting_id == meeting.id)
        .values(publish_at=now - told_ago)
    )
    db.session.commit()


@BOTH
def test_the_day_before_those_behind_are_reminded_once(client, tree, make_user) -> None:
    reader = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Đọc")
    listener = make_user(tree.b1, Role.MEMBER, full_name="Lò Thị Nghe")
    halfway = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Nửa")
    meeting, docs = _published_meeting(client, tree)
    for user, done in ((reader, docs), (halfway, docs[:1])):
        member = client.application.test_client()
        login(member, user)
        for document in done:
            assert member.get(f"/documents/{document.id}").status_code == 200
    db.session.add_all(ListenProgress(user_id=listener.id, document_id=d.id) for d in docs)
    db.session.commit()

    # Two days before: not yet.
    _move(meeting, starts_in=timedelta(hours=48), told_ago=timedelta(days=3))
    assert remind_due.call_local() == 0
    # Twenty hours before: those who have not opened or heard every document, once.
    _move(meeting, starts_in=timedelta(hours=20), told_ago=timedelta(days=3))
    assert remind_due.call_local() == 2
    assert _kinds(tree.member_b1) == ["meeting.published", "reminder"]
    assert _kinds(halfway) == ["meeting.published", "reminder"]
    assert _kinds(reader) == ["meeting.published"]
    assert _kinds(listener) == ["meeting.published"]
    assert _kinds(tree.member_b2) == []  # another branch
    assert _kinds(tree.secretary_b1) == []  # who published and uploaded them
    reminder = db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == tree.member_b1.id, Notification.kind == "reminder"
        )
    ).one()
    assert reminder.payload["url"] == f"/meetings/{meeting.id}"
    assert reminder.payload["title"] == meeting.title
    assert remind_due.call_local() == 0
    assert _kinds(tree.member_b1) == ["meeting.published", "reminder"]


def test_a_meeting_published_inside_the_window_is_not_reminded(client, tree) -> None:
    meeting, _docs = _published_meeting(client, tree, documents=1)
    _move(meeting, starts_in=timedelta(hours=20), told_ago=timedelta(hours=2))
    assert remind_due.call_local() == 0
    assert _kinds(tree.member_b1) == ["meeting.published"]
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).reminded_at is not None  # decided, once


def test_cancelled_and_document_less_meetings_are_not_reminded(client, tree) -> None:
    empty, _ = _published_meeting(client, tree, documents=0)
    _move(empty, starts_in=timedelta(hours=20), told_ago=timedelta(days=3))
    cancelled, _ = _published_meeting(client, tree, documents=1)
    client.post(f"/meetings/{cancelled.id}/cancel", data={"reason": "Hoãn"})
    _move(cancelled, starts_in=timedelta(hours=20), told_ago=timedelta(days=3))
    assert remind_due.call_local() == 0
    assert "reminder" not in _kinds(tree.member_b1)
