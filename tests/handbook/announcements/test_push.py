"""An announcement reaches the phones of those it is for by Web Push, through the same
machinery as a meeting's publication: a push service of the test's own over real HTTP checks
the VAPID signature and decrypts what the phone shows (``tests/pushservice.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.conftest import login
from tests.handbook.announcements.helpers import sent
from tests.pushservice import PushService, checked_push_service, push_app


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    yield from push_app(make_app)


@pytest.fixture
def service(app: Flask) -> Iterator[PushService]:
    yield from checked_push_service()


def _subscribed(app: Flask, user, service: PushService):
    phone = service.browser()
    browser = app.test_client()
    login(browser, user)
    response = browser.post("/api/v1/push/subscriptions", json=phone.subscription)
    assert response.status_code == 201, response.get_json()
    return phone


def test_a_subtree_announcement_reaches_a_branch_members_phone(app, client, tree, service):
    below = _subscribed(app, tree.member_b2, service)
    elsewhere = _subscribed(app, tree.member_b3, service)
    sender = _subscribed(app, tree.committee_c, service)
    login(client, tree.committee_c)
    announcement = sent(client, tree.commune, reach="subtree")
    assert below.delivered == [
        {
            "kind": "announcement.published",
            "url": f"/announcements/{announcement.id}",
            "title": "Thông báo: Kế hoạch học tập nghị quyết",
            "body": "Kính gửi các chi bộ trực thuộc. Đề nghị các đồng chí đọc kế hoạch trước "
            "ngày 15.",
            "tag": f"announcement:{announcement.id}",
        }
    ]
    assert below.headers[0]["topic"] == f"announcement-{announcement.id}"
    assert elsewhere.received == [] and sender.received == []
