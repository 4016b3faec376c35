"""A published meeting of branch B1 on the meeting day: check-in open (self check-in allowed),
its people signed in each in a browser of their own, and helpers to hold votes through the
JSON API (the pages and sockets are tested against the same operations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from handbook.accounts.models import User
from handbook.core import db
from handbook.meetings.models import Meeting
from handbook.orgs.models import Role
from handbook.voting.models import Vote, VoteOption, Voter
from tests.conftest import Tree, login
from tests.helpers import create_meeting


@dataclass
class Hall:
    app: Flask
    tree: Tree
    meeting: Meeting
    secretary: FlaskClient
    #: B1's members by name: "mai" (member_b1), "quang", "hoa" (all official to start with).
    people: dict[str, User] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, name: str) -> FlaskClient:
        return self.secretary if name == "secretary" else self.clients[name]

    def user(self, name: str) -> User:
        return self.tree.secretary_b1 if name == "secretary" else self.people[name]

    def open_check_in(self) -> None:
        url = f"/api/v1/meetings/{self.meeting.id}/attendance/open"
        response = self.secretary.post(url, json={"self_check_in": True})
        assert response.status_code == 200, response.json

    def check_in(self, *names: str) -> None:
        for name in names:
            response = self.client(name).post(
                f"/api/v1/meetings/{self.meeting.id}/check-in", json={}
            )
            assert response.status_code == 200, response.json

    def mark(self, name: str, mark: str | None, reason: str = "") -> None:
        user = self.user(name)
        sheet = self.secretary.get(f"/api/v1/meetings/{self.meeting.id}/attendance").json
        version = next(e["version"] for e in sheet["entries"] if e["user_id"] == user.id)
        response = self.secretary.patch(
            f"/api/v1/meetings/{self.meeting.id}/attendance/{user.id}",
            json={"mark": mark, "reason": reason, "version": version},
        )
        assert response.status_code == 200, response.json

    def standing(self, name: str, **fields: str) -> None:
        user = self.user(name)
        data = {f"m{user.id}-{key}": value for key, value in fields.items()}
        response = self.secretary.post(
            f"/org/{self.tree.b1.id}/members/{user.id}/standing", data=data
        )
        assert response.status_code == 302

    def new_vote(self, **fields: Any) -> dict[str, Any]:
        payload = {"title": "Thông qua nghị quyết tháng 12", "text": "Chi bộ thống nhất.", **fields}
        response = self.secretary.post(f"/api/v1/meetings/{self.meeting.id}/votes", json=payload)
        assert response.status_code == 201, response.json
        return dict(response.json)

    def get(self, vote_id: int, who: str = "secretary") -> dict[str, Any]:
        response = self.client(who).get(f"/api/v1/votes/{vote_id}")
        assert response.status_code == 200, response.json
        return dict(response.json)

    def act(self, vote_id: int, action: str, **extra: Any) -> Any:
        version = self.get(vote_id)["version"]
        return self.secretary.post(
            f"/api/v1/votes/{vote_id}/{action}", json={"version": version, **extra}
        )

    def opened(self, **fields: Any) -> dict[str, Any]:
        vote = self.new_vote(**fields)
        response = self.act(vote["id"], "open")
        assert response.status_code == 200, response.json
        return dict(response.json)

    def cast(
        self, who: str, vote: dict[str, Any], choice: str, client_id: str | None = None
    ) -> Any:
        option = next(
            o["id"] for o in vote["options"] if o["choice"] == choice or o["label"] == choice
        )
        return self.client(who).post(
            f"/api/v1/votes/{vote['id']}/cast",
            json={"option": option, "client_id": client_id or f"ballot-{who}-{vote['id']}"},
        )


def tallies(vote_id: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(VoteOption).where(VoteOption.vote_id == vote_id))
    return {o.label: o.tally for o in rows}


def voters(vote_id: int) -> list[Voter]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Voter).where(Voter.vote_id == vote_id)))


def stored(vote_id: int) -> Vote:
    db.session.expire_all()
    vote = db.session.get(Vote, vote_id)
    assert vote is not None
    return vote


@pytest.fixture
def hall(app: Flask, tree: Tree, make_user: Callable[..., User]) -> Hall:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    meeting = create_meeting(secretary, tree.b1)
    published = secretary.post(f"/api/v1/meetings/{meeting.id}/publish", json={})
    assert published.status_code == 200, published.json
    found = Hall(app, tree, meeting, secretary)
    found.people["mai"] = tree.member_b1
    found.people["quang"] = make_user(tree.b1, Role.MEMBER, full_name="Bế Văn Quang")
    found.people["hoa"] = make_user(tree.b1, Role.MEMBER, full_name="Triệu Thị Hoa")
    for name, user in found.people.items():
        browser = app.test_client()
        login(browser, user)
        found.clients[name] = browser
    db.session.expire_all()
    return found
