"""The day-before reminder reaches only those expected to prepare: a member suspended on the
meeting's day is expected to do nothing for it (as the participation grid and totals count),
while one exempted from meetings or working elsewhere still gets the documents and is
reminded; what the phones show comes from a push service of the test's own
(``tests/pushservice.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from handbook.core import db
from handbook.core.timeutil import to_local
from handbook.notifications.models import Notification
from handbook.orgs.models import Membership, Role, Situation
from handbook.participation.reminders import remind_due
from tests.conftest import login
from tests.handbook.participation.test_reminders import _move, _published_meeting
from tests.pushservice import PushService, checked_push_service, push_app


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    yield from push_app(make_app)


@pytest.fixture
def service(app: Flask) -> Iterator[PushService]:
    yield from checked_push_service()


def _situation(user, situation: Situation, since: date | None, until: date | None) -> None:
    membership = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id)
    ).one()
    membership.situation = situation
    membership.situation_from, membership.situation_until = since, until
    db.session.commit()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_day_before_only_those_expected_to_prepare_are_reminded(
    app, client, tree, make_user, service
) -> None:
    suspended = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Đình")
    returned = make_user(tree.b1, Role.MEMBER, full_name="Lò Thị Về")
    exempt = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Miễn")
    elsewhere = make_user(tree.b1, Role.MEMBER, full_name="Lò Thị Xa")
    ordinary = tree.member_b1
    meeting, _docs = _published_meeting(client, tree, documents=1)
    _move(meeting, starts_in=timedelta(hours=20), told_ago=timedelta(days=3))
    db.session.refresh(meeting)
    day = to_local(meeting.starts_at).date()
    # Suspended from the meeting's own day (not before): suspended on it. Suspended until the
    # day before it: back by then, so reminded like anyone.
    _situation(suspended, Situation.SUSPENDED, day, None)
    _situation(returned, Situation.SUSPENDED, day - timedelta(days=30), day - timedelta(days=1))
    _situation(exempt, Situation.EXEMPT, None, None)
    _situation(elsewhere, Situation.ELSEWHERE, day - timedelta(days=10), day + timedelta(days=90))
    everyone = (suspended, returned, exempt, elsewhere, ordinary, tree.secretary_b1)
    phones = {}
    for user in everyone:  # subscribed after the publication: their phones show reminders only
        phones[user.id] = service.browser()
        browser = app.test_client()
        login(browser, user)
        answer = browser.post("/api/v1/push/subscriptions", json=phones[user.id].subscription)
        assert answer.status_code == 201, answer.get_json()

    assert remind_due.call_local() == 4
    db.session.expire_all()
    reminded = set(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "reminder"))
    )
    expected = {returned.id, exempt.id, elsewhere.id, ordinary.id}
    assert reminded == expected
    shown = {
        user.id: [(p["kind"], p["url"]) for p in phones[user.id].delivered] for user in everyone
    }
    assert shown == {
        user.id: [("reminder", f"/meetings/{meeting.id}")] if user.id in expected else []
        for user in everyone
    }
    assert phones[suspended.id].received == []  # nothing even tried
