"""Signed-in devices: signing out really ends the session, everywhere it could be replayed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.accounts import devices as device_records
from handbook.accounts.models import Device
from handbook.core import db
from handbook.core.timeutil import utcnow
from tests.conftest import PASSWORD, FreshContextSocket

ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def _browser(app, user_agent: str = ANDROID, *, remember: bool = False):
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    data = {"login": "0912000002", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def _replay(app, cookies: dict[str, str]):
    """Another browser holding copies of the given cookies (as a thief or a proxy log would)."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def _signed_in(browser) -> bool:
    return browser.get("/account").status_code == 200


def _socket_connects(app, browser) -> bool:
    live = FreshContextSocket(app, browser)
    return bool(live.is_connected())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_signing_out_ends_the_session_for_every_copy_of_its_cookies(app, tree) -> None:
    browser = _browser(app, remember=True)
    copied = {
        "session": browser.get_cookie("session").value,
        "remember_device": browser.get_cookie("remember_device").value,
    }
    assert _signed_in(_replay(app, copied))
    assert browser.post("/logout").headers["Location"] == "/login"
    forgotten = browser.get_cookie("remember_device")
    assert forgotten is None  # the browser was told to forget it

    for cookies in (
        copied,
        {"session": copied["session"]},
        {"remember_device": copied["remember_device"]},
    ):
        thief = _replay(app, cookies)
        assert thief.get("/account").headers["Location"].startswith("/login")
        api = thief.get("/api/v1/me")
        assert api.status_code == 401
        assert api.json["error"]["message"] == "Vui lòng đăng nhập để tiếp tục."
        assert not _socket_connects(app, thief)
    db.session.expire_all()
    assert db.session.get(Device, int(copied["remember_device"].split(".")[0])).revoked_at


def test_the_account_page_lists_devices_and_signs_one_out(app, tree) -> None:
    phone = _browser(app, ANDROID, remember=True)
    tablet = _browser(app, IPHONE)
    phone_socket = FreshContextSocket(app, phone)
    tablet_socket = FreshContextSocket(app, tablet)
    page = phone.get("/account").get_data(as_text=True)
    assert "Thiết bị đang đăng nhập" in page
    assert "Chrome Mobile trên Samsung SM-A105F" in page
    assert "Mobile Safari trên Apple iPhone" in page
    assert page.count("Đăng xuất thiết bị này") == 2
    assert "(thiết bị này)" in page and "Đăng xuất mọi thiết bị" in page

    tablet_device = db.session.scalars(
        sa.select(Device).where(Device.name == "Mobile Safari trên Apple iPhone")
    ).one()
    response = phone.post(f"/account/devices/{tablet_device.id}/sign-out", follow_redirects=True)
    assert "Đã đăng xuất “Mobile Safari trên Apple iPhone”." in response.get_data(as_text=True)
    assert not _signed_in(tablet) and not tablet_socket.is_connected()
    assert _signed_in(phone) and phone_socket.is_connected()
    page = phone.get("/account").get_data(as_text=True)
    assert "Mobile Safari trên Apple iPhone" not in page

    # Nobody signs out someone else's device: it does not even exist for them.
    other = app.test_client()
    other.post("/login", data={"login": "0912000001", "password": PASSWORD})
    mine = db.session.scalars(sa.select(Device).where(Device.name.like("Chrome%"))).first()
    assert other.post(f"/account/devices/{mine.id}/sign-out").status_code == 404
    assert _signed_in(phone)


def test_signing_out_everywhere_ends_every_device(app, tree) -> None:
    first = _browser(app, ANDROID, remember=True)
    second = _browser(app, IPHONE, remember=True)
    second_socket = FreshContextSocket(app, second)
    response = first.post("/account/devices/sign-out-all")
    assert response.headers["Location"] == "/login"
    assert not _signed_in(first) and not _signed_in(second)
    assert not second_socket.is_connected()
    assert device_records.live_devices(tree.member_b1) == []


def test_a_browser_that_updates_itself_stays_signed_in(app, tree) -> None:
    browser = _browser(app, ANDROID)
    browser.environ_base["HTTP_USER_AGENT"] = ANDROID.replace("Chrome/120", "Chrome/121")
    browser.environ_base["REMOTE_ADDR"] = "198.51.100.23"  # and moved to another cell tower
    assert _signed_in(browser)


def test_remembering_slides_thirty_days_from_the_last_use(app, tree, monkeypatch) -> None:
    browser = _browser(app, remember=True)
    cookie = {"remember_device": browser.get_cookie("remember_device").value}
    start = utcnow()

    def at(days: float) -> None:
        monkeypatch.setattr(device_records, "utcnow", lambda: start + timedelta(days=days))

    at(20)
    returning = _replay(app, cookie)
    assert _signed_in(returning)
    refreshed = returning.get_cookie("remember_device")
    assert refreshed is not None and refreshed.max_age == 30 * 24 * 3600
    at(45)  # 25 days after the last use: still signed in
    assert _signed_in(_replay(app, cookie))
    at(76)  # 31 days without use: the device has ended
    late = _replay(app, cookie)
    assert late.get("/").headers["Location"].startswith("/login")
    assert late.get_cookie("remember_device") is None


def test_a_one_time_password_account_cannot_open_a_socket(app, make_user, tree) -> None:
    make_user(tree.b1, phone="0912555777", password="mot-lan-dung", must_change=True)
    browser = app.test_client()
    browser.post("/login", data={"login": "0912555777", "password": "mot-lan-dung"})
    assert browser.get("/").headers["Location"] == "/account/password"
    assert not _socket_connects(app, browser)
    browser.post(
        "/account/password",
        data={"current": "mot-lan-dung", "new": "cua-rieng-toi", "confirm": "cua-rieng-toi"},
    )
    assert _socket_connects(app, browser)
