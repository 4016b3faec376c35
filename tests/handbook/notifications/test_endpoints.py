"""With the default settings, a subscription's endpoint (a URL the browser chooses and the
server then posts to) must be a known push service over https on its default port: everything
else is refused with a Vietnamese message and nothing is stored."""

from __future__ import annotations

import base64
import secrets

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from handbook.core import db
from handbook.notifications import messages, webpush
from handbook.notifications.models import PushSubscription
from tests.conftest import login

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    return {"p256dh": _b64(point), "auth": _b64(secrets.token_bytes(16))}


def _post(client, endpoint: str, keys: dict[str, str] | None = None):
    body = {"endpoint": endpoint, "expirationTime": None, "keys": keys or _keys()}
    return client.post("/api/v1/push/subscriptions", json=body)


REFUSED = [
    ("http://fcm.googleapis.com/fcm/send/abc", webpush.NOT_HTTPS),
    ("ftp://fcm.googleapis.com/fcm/send/abc", webpush.NOT_HTTPS),
    ("https://127.0.0.1/fcm/send/abc", webpush.REFUSED),
    ("https://[::1]/fcm/send/abc", webpush.REFUSED),
    ("https://169.254.169.254/latest/meta-data", webpush.REFUSED),
    ("https://2130706433/fcm/send/abc", webpush.REFUSED),
    ("https://0x7f.1/fcm/send/abc", webpush.REFUSED),
    ("https://evil.example/fcm/send/abc", webpush.UNKNOWN_HOST),
    ("https://fcm.googleapis.com.evil.example/send/abc", webpush.UNKNOWN_HOST),
    ("https://notify.windows.com.evil.example/w/abc", webpush.UNKNOWN_HOST),
    ("https://evilnotify.windows.com/w/abc", webpush.UNKNOWN_HOST),
    ("https://user:secret@fcm.googleapis.com/fcm/send/abc", webpush.REFUSED),
    ("https://fcm.googleapis.com@evil.example/fcm/send/abc", webpush.REFUSED),
    ("https://fcm.googleapis.com:8443/fcm/send/abc", webpush.REFUSED),
    ("https://fcm.googleapis.com:22/fcm/send/abc", webpush.REFUSED),
    ("https://fcm.googleapis.com/fcm send/abc", webpush.REFUSED),
    ("https://fcm.googleapis.com/" + "a" * 1100, "Trường “endpoint” dài quá 1024 ký tự."),
    ("", "Trường “endpoint” không được để trống."),
]


@pytest.mark.parametrize(("endpoint", "message"), REFUSED)
def test_endpoints_outside_the_known_push_services_are_refused(
    client, tree, endpoint: str, message: str
) -> None:
    login(client, tree.member_b1)
    response = _post(client, endpoint)
    assert response.status_code == 400
    assert response.get_json() == {"error": {"status": 400, "message": message}}
    assert db.session.scalars(sa.select(PushSubscription)).all() == []


@BOTH
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
        "https://web.push.apple.com/QGx1c2VyLWFnZW50",
        "https://api.push.apple.com/3/device/abc",
        "https://wns2-sg2p.notify.windows.com/w/?token=BQYAAAB",
        "https://fcm.googleapis.com:443/fcm/send/abc",
    ],
)
def test_the_known_push_services_are_accepted(client, tree, endpoint: str) -> None:
    login(client, tree.member_b1)
    response = _post(client, endpoint)
    assert response.status_code == 201, response.get_json()
    stored = db.session.scalars(sa.select(PushSubscription)).one()
    assert (stored.user_id, stored.endpoint) == (tree.member_b1.id, endpoint)


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": _b64(b"\x04" + b"\x01" * 64), "auth": _b64(b"a" * 16)},  # not on the curve
        {"p256dh": _keys()["p256dh"], "auth": _b64(b"short")},
        {"p256dh": "***", "auth": _b64(b"a" * 16)},
    ],
)
def test_keys_that_cannot_seal_a_push_are_refused(client, tree, keys) -> None:
    login(client, tree.member_b1)
    response = _post(client, "https://fcm.googleapis.com/fcm/send/abc", keys)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == webpush.BAD_KEYS


def test_push_needs_a_signed_in_member(client) -> None:
    assert _post(client, "https://fcm.googleapis.com/fcm/send/abc").status_code == 401
    assert client.get("/api/v1/push/key").status_code == 401
    assert client.get("/notifications/settings").status_code == 302


def test_an_endpoint_allowed_then_no_longer_is_not_posted_to(app, client, tree) -> None:
    """The check runs again at each send: a narrowed setting stops pushes at once (and the
    test's guard against the internet would fail any post that was tried)."""
    login(client, tree.member_b1)
    assert _post(client, "https://fcm.googleapis.com/fcm/send/abc").status_code == 201
    app.config["PUSH_SERVICE_HOSTS"] = ["updates.push.services.mozilla.com"]
    message = messages.message("reminder", {"meeting": 1, "title": "Họp", "url": "/meetings/1"})
    assert message is not None
    outcome = webpush.send(
        "https://fcm.googleapis.com/fcm/send/abc", *_keys().values(), message, webpush.vapid()
    )
    assert outcome is webpush.Outcome.FAILED
