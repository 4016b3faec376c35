"""A meeting branch B1 has held: five members (one probationary, one away with a reason, one
online), a document on the first agenda item with comments marked đã tiếp thu, cần giải trình,
left unmarked and hidden, a comment on the agenda item itself, and a closed secret vote (made
as rows: the voting operations are another part's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from handbook.accounts.models import User
from handbook.attendance.models import Attendance
from handbook.attendance.rules import Rule
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership, Role, Standing
from handbook.voting.models import Choice, Method, Vote, VoteKind, VoteOption
from tests.conftest import Tree, login
from tests.helpers import create_meeting, upload_document

ACCEPTED = "Đề nghị bổ sung thời hạn số hóa hồ sơ đảng viên trước quý II."
EXPLAIN = "Vì sao kinh phí chuyển đổi số lại lấy từ quỹ chi bộ?"
PENDING = "Tôi nhất trí với dự thảo."
HIDDEN = "Nội dung không phù hợp bị ẩn."
ON_ITEM = "Đề nghị báo cáo thêm tình hình thu đảng phí."
VOTE_TITLE = "Thông qua nghị quyết chuyển đổi số"


@dataclass
class Held:
    app: Flask
    tree: Tree
    meeting: Meeting
    document: Document
    secretary: FlaskClient
    #: A second secretary of B1, in a browser of their own.
    second: FlaskClient
    second_user: User
    #: Mai: a member, chosen as minute-taker in the tests that need one.
    member: FlaskClient
    probationary: User
    excused: User
    outsider: FlaskClient

    @property
    def url(self) -> str:
        return f"/meetings/{self.meeting.id}/minutes"

    def api(self) -> str:
        return f"/api/v1/meetings/{self.meeting.id}/minutes"

    def minutes(self) -> dict[str, Any]:
        """The minutes as the secretary reads them through the API (drafted if need be)."""
        answer = self.secretary.get(self.api())
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.json

    def section(self, kind: str, index: int = 0) -> dict[str, Any]:
        found = [s for s in self.minutes()["drafting"]["sections"] if s["kind"] == kind]
        return found[index]

    def choose_signers(self, taker: User) -> None:
        drafting = self.minutes()["drafting"]
        answer = self.secretary.patch(
            self.api(),
            json={
                "chair_id": self.tree.secretary_b1.id,
                "taker_id": taker.id,
                "place": "Nhà văn hóa thôn Một",
                "started_at": drafting["started_at"],
                "ended_at": (
                    datetime.fromisoformat(drafting["started_at"]) + timedelta(hours=2)
                ).isoformat(),
                "revision": drafting["revision"],
            },
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)

    def approve_both(self) -> dict[str, Any]:
        """The chair (the secretary) and the minute-taker (Mai) approve what they read."""
        revision = self.minutes()["drafting"]["revision"]
        for signer in (self.secretary, self.member):
            answer = signer.post(f"{self.api()}/approve", json={"revision": revision})
            assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.json


def _post(client: FlaskClient, url: str, **json: Any) -> dict[str, Any]:
    answer = client.post(url, json=json)
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    return answer.json


def _mark(
    held_secretary: FlaskClient, meeting: Meeting, user: User, mark: str, reason: str = ""
) -> None:
    version = db.session.scalar(
        sa.select(Attendance.version).where(
            Attendance.meeting_id == meeting.id, Attendance.user_id == user.id
        )
    )
    answer = held_secretary.patch(
        f"/api/v1/meetings/{meeting.id}/attendance/{user.id}",
        json={"mark": mark, "reason": reason, "version": version},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    db.session.expire_all()


@pytest.fixture
def held(app: Flask, tree: Tree, make_user: Callable[..., User]) -> Held:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    meeting = create_meeting(secretary, tree.b1, place="Nhà văn hóa thôn Một")
    first = meeting.agenda[0]
    posted = upload_document(
        secretary, meeting, name="du-thao-nghi-quyet.txt", agenda_item=str(first.id)
    )
    assert posted.status_code == 201, posted.get_data(as_text=True)
    document = db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id)
    ).one()
    assert (
        secretary.post(
            f"/documents/{document.id}/title", data={"title": "Dự thảo nghị quyết"}
        ).status_code
        == 302
    )
    assert (
        secretary.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}).status_code == 302
    )

    second_user = make_user(tree.b1, Role.SECRETARY, full_name="Đặng Văn Sơn")
    probationary = make_user(tree.b1, Role.MEMBER, full_name="Bế Văn Quang")
    excused = make_user(tree.b1, Role.MEMBER, full_name="Triệu Thị Hà")
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == probationary.id)
    )
    assert membership is not None
    membership.standing = Standing.PROBATIONARY
    db.session.commit()
    member, second, outsider = app.test_client(), app.test_client(), app.test_client()
    login(member, tree.member_b1)
    login(second, second_user)
    login(outsider, tree.member_b3)

    comments = f"/api/v1/documents/{document.id}/comments"
    ids = {}
    for key, text, paragraph in (
        ("accepted", ACCEPTED, 2),
        ("explain", EXPLAIN, None),
        ("pending", PENDING, None),
        ("hidden", HIDDEN, None),
    ):
        payload: dict[str, Any] = {"body": text, "client_id": f"minutes-{key}-0001"}
        if paragraph:
            payload["paragraph"] = paragraph
        ids[key] = _post(member, comments, **payload)["comment"]["id"]
    _post(
        member,
        f"/api/v1/agenda-items/{first.id}/comments",
        body=ON_ITEM,
        client_id="minutes-item-0001",
    )
    _post(secretary, f"/api/v1/comments/{ids['accepted']}/disposition", value="accepted")
    _post(secretary, f"/api/v1/comments/{ids['explain']}/disposition", value="explain")
    _post(secretary, f"/api/v1/comments/{ids['hidden']}/hide", reason="Không đúng chủ đề")

    _post(secretary, f"/api/v1/meetings/{meeting.id}/attendance/open")
    db.session.expire_all()
    _mark(secretary, meeting, tree.secretary_b1, "present")
    _mark(secretary, meeting, tree.member_b1, "present")
    _mark(secretary, meeting, probationary, "late")
    _mark(secretary, meeting, excused, "excused", "Ốm, nằm viện")
    _mark(secretary, meeting, second_user, "online")

    vote = Vote(
        meeting_id=meeting.id,
        agenda_item_id=first.id,
        title=VOTE_TITLE,
        kind=VoteKind.RESOLUTION,
        rule=Rule.RESOLUTION,
        secret=True,
        method=Method.PHONES,
        opened_at=utcnow() - timedelta(minutes=10),
        closed_at=utcnow(),
        base=3,
        eligible_count=3,
        passed=True,
    )
    vote.options = [
        VoteOption(position=0, choice=Choice.YES, label="Tán thành", tally=2),
        VoteOption(position=1, choice=Choice.NO, label="Không tán thành", tally=1),
        VoteOption(position=2, choice=Choice.ABSTAIN, label="Không biểu quyết", tally=0),
    ]
    db.session.add(vote)
    db.session.commit()
    db.session.expire_all()
    return Held(
        app,
        tree,
        meeting,
        document,
        secretary,
        second,
        second_user,
        member,
        probationary,
        excused,
        outsider,
    )
