"""A Socket.IO connection is let in exactly when a page would be.

Connecting is checked in one query of plain columns (``accounts.sessions.socket_member``)
instead of Flask-Login's loader, and the events after it reuse the session the connection was
accepted with instead of checking the cookie again (``SessionInterface.open_session``): each
test here is something that cheaper path must still refuse, or still do.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from handbook.accounts.models import Device, User
from handbook.accounts.sessions import DEVICE
from handbook.core import db, realtime
from handbook.core.timeutil import utcnow
from tests.conftest import PASSWORD, FreshContextSocket


def _browser(app, login: str = "0912000002", *, remember: bool = False):
    browser = app.test_client()
    data = {"login": login, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def _connects(app, browser) -> bool:
    return bool(FreshContextSocket(app, browser).is_connected())


def _signed_in(browser) -> bool:
    return browser.get("/account").status_code == 200


def _credential(browser) -> str:
    with browser.session_transaction() as session:
        return str(session[DEVICE])


def _device(browser) -> Device:
    device = db.session.get(Device, int(_credential(browser).partition(".")[0]))
    assert device is not None
    return device


def _change(model: type, row_id: int, **values) -> None:
    """Change a row behind the app's back, as another request or process would."""
    db.session.execute(sa.update(model).where(model.id == row_id).values(**values))
    db.session.commit()
    db.session.expire_all()


def test_a_member_connects_and_the_socket_is_filed_under_the_device(app, tree) -> None:
    browser = _browser(app)
    live = FreshContextSocket(app, browser)
    assert live.is_connected()
    key = f"device-{_device(browser).id}"
    assert realtime.presence().local_sids(tree.member_b1.id, key)


def test_a_new_session_version_refuses_the_next_socket(app, tree) -> None:
    browser = _browser(app)
    assert _connects(app, browser)
    user = tree.member_b1
    _change(User, user.id, session_version=user.session_version + 1)  # the device stays live
    assert not _signed_in(browser)
    assert not _connects(app, browser)


def test_a_remembered_device_comes_back_on_a_socket_as_on_a_page(app, tree) -> None:
    """A stale session on a remembered, live device: a page signs it in again through its
    remember cookie, and a socket (the pages' way, since the quick check fails) does too."""
    browser = _browser(app, remember=True)
    user = tree.member_b1
    _change(User, user.id, session_version=user.session_version + 1)
    assert _connects(app, browser)
    assert _signed_in(browser)


@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_a_device_that_has_ended_opens_no_socket(app, tree, ended: str) -> None:
    browser = _browser(app, remember=True)
    device = _device(browser)
    if ended == "revoked":
        _change(Device, device.id, revoked_at=utcnow())
    else:
        _change(Device, device.id, expires_at=utcnow() - timedelta(seconds=1))
    assert not _connects(app, browser)
    assert not _signed_in(browser)


def test_a_disabled_account_opens_no_socket(app, tree) -> None:
    browser = _browser(app)
    _change(User, tree.member_b1.id, active=False)  # its devices left live on purpose
    assert not _connects(app, browser)


def test_the_session_must_hold_the_devices_secret(app, tree) -> None:
    browser = _browser(app)
    device_id = _credential(browser).partition(".")[0]
    with browser.session_transaction() as session:
        session[DEVICE] = f"{device_id}.{'A' * 43}"
    assert not _connects(app, browser)
    assert not _signed_in(browser)


def test_a_session_cannot_borrow_another_members_device(app, tree) -> None:
    mai = _browser(app, "0912000002")
    thang = _browser(app, "0912000001")
    with thang.session_transaction() as session:
        session[DEVICE] = _credential(mai)  # Thắng's user id, Mai's live device
    assert not _connects(app, thang)
    assert _connects(app, mai)


def test_connecting_records_the_devices_use_at_most_every_few_minutes(app, tree) -> None:
    browser = _browser(app)
    device = _device(browser)
    long_ago = utcnow() - timedelta(minutes=10)
    _change(Device, device.id, last_seen_at=long_ago, expires_at=utcnow() + timedelta(hours=1))
    assert _connects(app, browser)
    device = _device(browser)
    assert device.last_seen_at > long_ago + timedelta(minutes=9)
    assert device.expires_at > utcnow() + timedelta(hours=23)  # slid a day on
    lately = utcnow() - timedelta(minutes=1)
    _change(Device, device.id, last_seen_at=lately)
    assert _connects(app, browser)
    assert _device(browser).last_seen_at == lately


def test_events_reuse_the_session_their_connection_was_accepted_with(
    app, tree, monkeypatch
) -> None:
    browser = _browser(app)
    opened: list[str] = []
    original = SecureCookieSessionInterface.open_session

    def counting(self, app, request):
        opened.append(request.path)
        return original(self, app, request)

    monkeypatch.setattr(SecureCookieSessionInterface, "open_session", counting)
    live = FreshContextSocket(app, browser)
    assert live.is_connected()
    for _ in range(3):
        ack = live.emit("comments.join", {"document": 10**6}, callback=True)
        assert ack["status"] == 404  # the member was found: the session was there
    assert len(opened) == 1  # the connection's, not once more per event


def test_the_cookie_serializer_is_built_again_when_the_keys_change(app) -> None:
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert first is not None and interface.get_signing_serializer(app) is first
    token = first.dumps({"_user_id": "1.1"})
    old_key = app.secret_key
    app.secret_key = "x" * 64
    rotated = interface.get_signing_serializer(app)
    assert rotated is not None and rotated is not first
    with pytest.raises(BadSignature):
        rotated.loads(token)
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    with_fallback = interface.get_signing_serializer(app)
    assert with_fallback is not None and with_fallback.loads(token) == {"_user_id": "1.1"}
