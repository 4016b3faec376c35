"""Web Push end to end: a member's browser subscribes through the API, a notice is committed,
the job (inline, as Huey's immediate mode runs it) posts to a push service of the test's own
over real HTTP, which checks the VAPID signature and headers and decrypts what the phone would
show. The app here accepts that service on 127.0.0.1 over http (``PUSH_ALLOW_HTTP``); the
defaults' refusals are in ``test_endpoints.py``."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from handbook.accounts.models import User
from handbook.core import db
from handbook.core.jobs import huey
from handbook.core.templating import vn_datetime
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.notifications import jobs as push_jobs
from handbook.notifications.models import Notification, PushSubscription
from handbook.notifications.webpush import public_key
from handbook.orgs.models import Role
from tests.conftest import login, socket_for
from tests.helpers import create_meeting, published_document
from tests.pushservice import HANG, Browser, PushService, checked_push_service, push_app

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    yield from push_app(make_app)


@pytest.fixture
def service(app: Flask) -> Iterator[PushService]:
    yield from checked_push_service()


def _browser_of(app: Flask, user: User) -> FlaskClient:
    browser = app.test_client()
    login(browser, user)
    return browser


def _subscribe(browser: FlaskClient, made: Browser) -> None:
    response = browser.post("/api/v1/push/subscriptions", json=made.subscription)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"created": True}


def _publish(secretary: FlaskClient, tree) -> Meeting:
    meeting = create_meeting(secretary, tree.b1)
    form = {"when": "now", "confirm": "1"}  # no documents: confirmed
    response = secretary.post(f"/meetings/{meeting.id}/publish", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    return meeting


def _subscriptions() -> list[PushSubscription]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PushSubscription).order_by(PushSubscription.id)))


def _waiting_retries() -> list[tuple]:
    return [task.args for task in huey.scheduled() if task.name.endswith("retry_push")]


@BOTH
def test_a_published_meeting_reaches_the_members_phone(
    app: Flask, client: FlaskClient, tree, make_user, service: PushService
) -> None:
    """The member's phone gets the Vietnamese notice with the pack to fetch; the secretary who
    published it and a member who turned meetings off get nothing (their notice is stored)."""
    quiet = make_user(tree.b1, Role.MEMBER, full_name="Sầm Văn Lặng")
    phones = {user.id: service.browser() for user in (tree.member_b1, tree.secretary_b1, quiet)}
    for user in (tree.member_b1, tree.secretary_b1, quiet):
        _subscribe(_browser_of(app, user), phones[user.id])
    settings = _browser_of(app, quiet).post(
        "/notifications/settings", data={"push": ["reminders", "replies", "mentions"]}
    )
    assert settings.status_code == 302

    login(client, tree.secretary_b1)
    meeting = _publish(client, tree)

    mai = phones[tree.member_b1.id]
    assert mai.delivered == [
        {
            "kind": "meeting.published",
            "title": "Lịch sinh hoạt mới: Sinh hoạt chi bộ tháng 12",
            "body": f"{vn_datetime(meeting.starts_at)} · Nhà văn hóa thôn",
            "url": f"/meetings/{meeting.id}",
            "tag": f"meeting:{meeting.id}",
            "pack": f"/meetings/{meeting.id}/pack",
        }
    ]
    assert mai.headers[0]["topic"] == f"meeting-{meeting.id}"
    assert mai.headers[0]["urgency"] == "normal"
    assert phones[tree.secretary_b1.id].received == []
    assert phones[quiet.id].received == []
    stored = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "meeting.published")
    ).all()
    assert quiet.id in stored  # nothing lost: the notice is in the app
    sent = {s.user_id: s.last_sent_at for s in _subscriptions()}
    assert sent[tree.member_b1.id] is not None and sent[quiet.id] is None


def test_a_member_with_the_app_open_gets_the_live_notice_not_a_push(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> None:
    phone = service.browser()
    _subscribe(_browser_of(app, tree.member_b1), phone)
    live = socket_for(app, tree.member_b1)  # the app is open on another of her devices
    login(client, tree.secretary_b1)
    meeting = _publish(client, tree)
    told = [m["args"][0] for m in live.get_received() if m["name"] == "notification"]
    assert [t["meeting"] for t in told] == [meeting.id]
    assert phone.received == []
    live.disconnect()


def test_a_subscription_its_service_forgot_is_deleted(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> None:
    phone = service.browser(410)
    _subscribe(_browser_of(app, tree.member_b1), phone)
    login(client, tree.secretary_b1)
    _publish(client, tree)
    assert len(phone.received) == 1 and phone.delivered == []
    assert _subscriptions() == []
    assert _waiting_retries() == []


def test_a_busy_service_is_tried_again_for_those_it_missed_only(
    app: Flask, client: FlaskClient, tree, make_user, service: PushService
) -> None:
    """500 then 201, and no answer then 201: each phone gets the notice exactly once, and the
    phone whose service took it at once is not sent it again."""
    slow = make_user(tree.b1, Role.MEMBER, full_name="Lường Văn Chậm")
    fine = make_user(tree.b1, Role.MEMBER, full_name="Quàng Thị Nhanh")
    busy_phone, hanging_phone, fine_phone = (
        service.browser(500),
        service.browser(HANG),
        service.browser(),
    )
    _subscribe(_browser_of(app, tree.member_b1), busy_phone)
    _subscribe(_browser_of(app, slow), hanging_phone)
    _subscribe(_browser_of(app, fine), fine_phone)
    login(client, tree.secretary_b1)
    _publish(client, tree)

    assert busy_phone.delivered == [] and hanging_phone.delivered == []
    assert len(fine_phone.delivered) == 1
    retries = _waiting_retries()
    assert len(retries) == 1
    ids, data, urgency, attempt = retries[0]
    by_user = {s.user_id: s for s in _subscriptions()}
    assert sorted(ids) == sorted([by_user[tree.member_b1.id].id, by_user[slow.id].id])
    assert by_user[tree.member_b1.id].failures == 1
    huey.flush()

    assert push_jobs.retry_push.call_local(ids, data, urgency, attempt) == 2
    for phone in (busy_phone, hanging_phone, fine_phone):
        assert len(phone.delivered) == 1
    assert busy_phone.delivered == fine_phone.delivered
    assert _waiting_retries() == []
    assert all(s.failures == 0 for s in _subscriptions())


def test_pushes_stop_after_the_last_try(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> None:
    phone = service.browser(503, 503, 503, 503)
    _subscribe(_browser_of(app, tree.member_b1), phone)
    login(client, tree.secretary_b1)
    _publish(client, tree)
    for _ in range(5):
        waiting = _waiting_retries()
        if not waiting:
            break
        huey.flush()
        push_jobs.retry_push.call_local(*waiting[0])
    assert len(phone.received) == 3  # PUSH_MAX_ATTEMPTS
    assert phone.delivered == []
    assert [s.failures for s in _subscriptions()] == [3]


def test_signing_a_device_out_deletes_its_subscription(
    app: Flask, tree, service: PushService
) -> None:
    """Sign-out here, "Đăng xuất thiết bị này" from another device, and "Đăng xuất mọi thiết
    bị": each takes the subscriptions of the devices it signs out, and only those."""
    phone, tablet, laptop, other = (service.browser() for _ in range(4))
    on_phone, on_tablet, on_laptop = (_browser_of(app, tree.member_b1) for _ in range(3))
    for browser, made in ((on_phone, phone), (on_tablet, tablet), (on_laptop, laptop)):
        _subscribe(browser, made)
    _subscribe(_browser_of(app, tree.member_b2), other)
    assert on_phone.post("/logout").status_code == 302
    assert {s.endpoint for s in _subscriptions()} == {
        tablet.endpoint,
        laptop.endpoint,
        other.endpoint,
    }
    laptop_device = next(s.device_id for s in _subscriptions() if s.endpoint == laptop.endpoint)
    response = on_tablet.post(f"/account/devices/{laptop_device}/sign-out")
    assert response.status_code == 302
    assert {s.endpoint for s in _subscriptions()} == {tablet.endpoint, other.endpoint}
    assert on_tablet.post("/account/devices/sign-out-all").status_code == 302
    assert [s.endpoint for s in _subscriptions()] == [other.endpoint]


def _a_document_and_mai_subscribed(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> tuple[Document, Browser, FlaskClient]:
    """B1's secretary (``client``) publishes a document; Lò Thị Mai, a member, has push on."""
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    phone = service.browser()
    mai = _browser_of(app, tree.member_b1)
    _subscribe(mai, phone)
    return document, phone, mai


@BOTH
def test_a_reply_tells_the_author_once_by_push(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> None:
    document, phone, mai = _a_document_and_mai_subscribed(app, client, tree, service)
    url = f"/api/v1/documents/{document.id}/comments"
    first = mai.post(url, json={"client_id": "mai-goc-00001", "body": "Đề nghị bổ sung số liệu"})
    assert first.status_code == 201
    parent = first.get_json()["comment"]["id"]
    # Her own follow-up tells nobody.
    own = mai.post(url, json={"client_id": "mai-them-0001", "body": "Thêm ý", "parent": parent})
    assert own.status_code == 201
    reply = {"client_id": "thang-tl-0001", "body": "Sẽ bổ sung ạ", "parent": parent}
    answered = client.post(url, json=reply)
    assert answered.status_code == 201
    assert client.post(url, json=reply).status_code == 200  # resent: stored once, told once
    reply_id = answered.get_json()["comment"]["id"]

    pushed = [d for d in phone.delivered if d["kind"] == "comment.reply"]
    assert len(pushed) == 1
    assert pushed[0]["title"] == "Hoàng Văn Thắng trả lời góp ý của bạn"
    assert pushed[0]["body"] == "Sẽ bổ sung ạ"
    assert pushed[0]["tag"] == f"comment:{reply_id}"
    assert pushed[0]["url"].startswith(f"/documents/{document.id}")
    stored = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "comment.reply")
    ).all()
    assert [(n.user_id, n.dedupe_key) for n in stored] == [
        (tree.member_b1.id, f"comment:{reply_id}:reply")
    ]


def test_a_reply_that_names_the_author_tells_them_once(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> None:
    """A reply naming the author is a mention: one notice, one push (kind comment.mention)."""
    document, phone, mai = _a_document_and_mai_subscribed(app, client, tree, service)
    url = f"/api/v1/documents/{document.id}/comments"
    parent = mai.post(url, json={"client_id": "mai-goc-00002", "body": "Xin ý kiến"})
    body = "Cảm ơn @Lò Thị Mai, sẽ bổ sung"
    reply = client.post(
        url,
        json={
            "client_id": "thang-tl-0002",
            "body": body,
            "parent": parent.get_json()["comment"]["id"],
        },
    )
    assert reply.status_code == 201
    about_comments = [d for d in phone.delivered if d["kind"].startswith("comment.")]
    assert [(d["kind"], d["title"], d["body"]) for d in about_comments] == [
        ("comment.mention", "Hoàng Văn Thắng nhắc tới bạn", body)
    ]


def test_a_members_subscription_is_not_reachable_by_another(
    app: Flask, tree, service: PushService
) -> None:
    phone = service.browser()
    mai, lan = _browser_of(app, tree.member_b1), _browser_of(app, tree.member_b2)
    _subscribe(mai, phone)
    gone = lan.delete("/api/v1/push/subscriptions", query_string={"endpoint": phone.endpoint})
    assert gone.status_code == 200 and gone.get_json() == {"deleted": 0}
    assert [s.user_id for s in _subscriptions()] == [tree.member_b1.id]
    mine = mai.delete("/api/v1/push/subscriptions", query_string={"endpoint": phone.endpoint})
    assert mine.get_json() == {"deleted": 1}
    assert _subscriptions() == []


def test_the_same_browser_again_updates_its_subscription(
    app: Flask, tree, service: PushService
) -> None:
    phone = service.browser()
    mai = _browser_of(app, tree.member_b1)
    _subscribe(mai, phone)
    again = mai.post("/api/v1/push/subscriptions", json=phone.subscription)
    assert again.status_code == 200 and again.get_json() == {"created": False}
    assert len(_subscriptions()) == 1


def test_the_vapid_key_is_made_once_owner_only(app: Flask, tree) -> None:
    browser = _browser_of(app, tree.member_b1)
    first = browser.get("/api/v1/push/key").get_json()["public_key"]
    path = Path(app.instance_path) / "vapid_private_key.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert browser.get("/api/v1/push/key").get_json()["public_key"] == first
    point = _unb64(first)
    assert len(point) == 65 and point[0] == 4


def test_a_configured_vapid_key_is_used_and_none_is_made(
    make_app: Callable[..., Flask], tree
) -> None:
    from py_vapid import Vapid

    key = Vapid()
    key.generate_keys()
    app = make_app(VAPID_PRIVATE_KEY=key.private_pem().decode())
    with app.app_context():
        assert _unb64(public_key()) == key.public_key.public_bytes(*_x962_uncompressed())
    assert not (Path(app.instance_path) / "vapid_private_key.pem").exists()
    app.extensions["handbook.engine"].dispose()


def test_the_settings_page_offers_the_choices_and_the_tap(app: Flask, tree) -> None:
    browser = _browser_of(app, tree.member_b1)
    page = browser.get("/notifications/settings").get_data(as_text=True)
    assert "Bật thông báo trên máy này" in page
    assert "/static/js/push." in page
    assert page.count('type="checkbox" name="push"') == 4 and page.count("checked") == 4
    assert 'name="csrf_token"' in page
    browser.post("/notifications/settings", data={"push": ["meetings"]})
    page = browser.get("/notifications/settings").get_data(as_text=True)
    assert page.count("checked") == 1 and 'value="meetings" checked' in page
    # Linked from the account page and the notification centre; push.js is on this page only.
    for other in ("/account", "/notifications"):
        text = browser.get(other).get_data(as_text=True)
        assert "/notifications/settings" in text and "/static/js/push." not in text


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _x962_uncompressed() -> tuple:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return (Encoding.X962, PublicFormat.UncompressedPoint)


def test_a_reply_tells_nobody_who_may_no_longer_see_it(
    app: Flask, client: FlaskClient, tree, service: PushService
) -> None:
    """Mai commented, then left the branch: a reply later is not told to her."""
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    mai = _browser_of(app, tree.member_b1)
    url = f"/api/v1/documents/{document.id}/comments"
    parent = mai.post(url, json={"client_id": "mai-goc-00003", "body": "Ý kiến trước khi chuyển"})
    assert parent.status_code == 201
    for membership in list(tree.member_b1.memberships):
        db.session.delete(membership)
    db.session.commit()
    reply = {
        "client_id": "thang-tl-0003",
        "body": "Đã ghi nhận",
        "parent": parent.get_json()["comment"]["id"],
    }
    assert client.post(url, json=reply).status_code == 201
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "comment.reply"))
    assert told.all() == []
