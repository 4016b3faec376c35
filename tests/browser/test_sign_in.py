"""Signing in on a phone: the home page, a wrong password, and the larger-text switch."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import PHONE_WIDTH, axe_violations, phone_page, sign_in


def html_font_size(page: Any) -> float:
    value = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    return float(value.removesuffix("px"))


def test_member_signs_in_and_sees_home(page: Any, live_server: str, artifacts_dir: Path) -> None:
    sign_in(page, live_server, "0912000002")

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Lò Thị Mai")
    expect(page.get_by_role("link", name="Chi bộ thôn Nà Phìa")).to_be_visible()
    next_meeting = page.get_by_role("region", name="Buổi sinh hoạt sắp tới")
    expect(next_meeting).to_contain_text("Sinh hoạt chi bộ thường kỳ")
    expect(next_meeting).to_contain_text("Chi bộ thôn Nà Phìa")

    page.screenshot(path=artifacts_dir / "member-home-360.png", full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, f"page scrolls sideways: {scroll_width}px wide"


def test_wrong_password_is_refused_in_vietnamese(page: Any, live_server: str) -> None:
    sign_in(page, live_server, "0912000004", "mat-khau-sai")
    assert axe_violations(page) == []  # the sign-in page, with its error shown

    expect(page.get_by_role("alert")).to_have_text(
        "Số điện thoại, tên đăng nhập hoặc mật khẩu không đúng."
    )
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_label("Mật khẩu", exact=True)).to_be_visible()


def test_larger_text_is_remembered(page: Any, live_server: str) -> None:
    # Its own demo member: the choice is stored on the account, so others stay unaffected.
    sign_in(page, live_server, "0912000003")
    expect(page).to_have_url(f"{live_server}/")
    html = page.locator("html")
    expect(html).not_to_have_class(re.compile(r"\btext-large\b"))
    normal = html_font_size(page)

    page.locator("#text-size-menu > summary").click()  # the header's "Aa"
    with page.expect_response(re.compile(r"/account/text-size$")):
        page.get_by_role("button", name="Cỡ chữ lớn", exact=True).click()
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    large = html_font_size(page)
    assert large > normal, f"font-size did not grow: {normal}px -> {large}px"
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, f"large text scrolls sideways: {scroll_width}px wide"

    page.reload()
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    assert html_font_size(page) == large

    page.locator("#text-size-menu > summary").click()
    with page.expect_response(re.compile(r"/account/text-size$")):
        page.get_by_role("button", name="Cỡ chữ thường", exact=True).click()
    expect(html).not_to_have_class(re.compile(r"\btext-large\b"))
    assert html_font_size(page) == normal


def test_a_member_signs_out_a_lost_phone_from_another(
    page: Any, browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    """Two phones of one member: from the account page of one, "Đăng xuất thiết bị này" on
    the other ends it there at once; its next page is the sign-in page."""
    lost = phone_page(browser)
    try:
        sign_in(lost, live_server, "0912000004")
        expect(lost).to_have_url(f"{live_server}/")
        sign_in(page, live_server, "0912000004")
        page.goto(f"{live_server}/account")
        devices = page.get_by_role("region", name="Thiết bị đang đăng nhập")
        # Other tests sign this demo member in on the same server too: count, don't assume.
        expect(devices).to_contain_text("(thiết bị này)")
        before = devices.get_by_role("listitem").count()
        assert before >= 2
        page.screenshot(path=artifacts_dir / "account-devices-360.png", full_page=True)
        assert axe_violations(page) == []
        for button in devices.get_by_role("button").all():
            box = button.bounding_box()
            assert box is not None and box["height"] >= 48, f"tap target {box}"

        # The lost phone is the most recent other sign-in: listed first (by last use).
        other = devices.get_by_role("listitem").filter(has_not_text="(thiết bị này)").first
        with page.expect_navigation(wait_until="load"):
            other.get_by_role("button", name="Đăng xuất thiết bị này").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã đăng xuất")
        expect(devices.get_by_role("listitem")).to_have_count(before - 1)
        lost.reload()
        expect(lost).to_have_url(re.compile(r"/login"))
    finally:
        lost.context.close()
