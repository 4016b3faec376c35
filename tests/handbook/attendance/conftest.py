"""A published meeting of branch B1 and its people signed in, for the check-in tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from handbook.accounts.models import User
from handbook.attendance import tokens
from handbook.core import db
from handbook.meetings.models import Meeting
from handbook.orgs.models import Role
from tests.conftest import Tree, login
from tests.helpers import create_meeting


@dataclass
class Day:
    app: Flask
    tree: Tree
    meeting: Meeting
    secretary: FlaskClient
    member: FlaskClient
    #: A second member of B1, probationary once the test says so.
    other: User
    other_client: FlaskClient

    def open(self, **form: str) -> None:
        response = self.secretary.post(f"/meetings/{self.meeting.id}/attendance/open", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)

    def token(self, now: float, meeting_id: int | None = None) -> str:
        secret = self.app.config["SECRET_KEY"]
        return tokens.make(secret, meeting_id or self.meeting.id, now)

    def scan(self, client: FlaskClient, token: str, meeting_id: int | None = None):  # noqa: ANN201
        return client.get(f"/meetings/{meeting_id or self.meeting.id}/check-in?t={token}")


@pytest.fixture
def day(app: Flask, tree: Tree, make_user: Callable[..., User]) -> Day:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    meeting = create_meeting(secretary, tree.b1)
    # No documents: "Vẫn công bố" (confirm) is the second step's answer.
    form = {"when": "now", "confirm": "1"}
    assert secretary.post(f"/meetings/{meeting.id}/publish", data=form).status_code == 302
    member = app.test_client()
    login(member, tree.member_b1)
    other = make_user(tree.b1, Role.MEMBER, full_name="Bế Văn Quang")
    other_client = app.test_client()
    login(other_client, other)
    db.session.expire_all()
    return Day(app, tree, meeting, secretary, member, other, other_client)
