"""What several browser tests do the same way."""

from __future__ import annotations

import time
from typing import Any

from handbook.demo import DEMO_PASSWORD
from tests.live import ROOT

#: The phone screen's width in CSS pixels (``PHONE_VIEWPORT`` in conftest): no page scrolls past it.
PHONE_WIDTH = 360


def poll(page: Any, script: str, timeout: float = 30.0) -> Any:
    """Evaluate ``script`` until it is truthy (or time runs out) and return its last value.
    From Python: the pages' CSP (no eval) forbids Playwright's in-page polling."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def sign_in(page: Any, base_url: str, login: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Số điện thoại hoặc tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    # Wait for the page it leads to, stylesheet included, before anyone measures it.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Đăng nhập", exact=True).click()


def create_meeting(page: Any, base: str, *, title: str, day: str, place: str, agenda: str) -> None:
    """As a signed-in secretary: a new meeting of their branch, through the form."""
    page.goto(f"{base}/")
    page.get_by_role("link", name="Sinh hoạt", exact=True).click()
    page.get_by_role("link", name="Tạo buổi sinh hoạt").click()
    page.get_by_label("Tên buổi sinh hoạt").fill(title)
    page.get_by_label("Ngày", exact=True).fill(day)
    page.get_by_label("Giờ", exact=True).fill("19:30")
    page.get_by_label("Địa điểm").fill(place)
    page.get_by_label("Chương trình (mỗi nội dung một dòng)").fill(agenda)
    # Until the meeting's page has loaded, its scripts included: a test that chose files before
    # the upload's script ran would test the slow network, not what it means to.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Tạo buổi sinh hoạt").click()


def publish_now(page: Any) -> None:
    """On a draft meeting's page: publish it now, confirming when the page asks (no documents,
    or one still being read)."""
    from playwright.sync_api import expect

    now = page.get_by_label("Công bố ngay")
    if now.count():
        now.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Công bố", exact=True).click()
    confirm = page.get_by_role("button", name="Vẫn công bố")
    if confirm.count():
        with page.expect_navigation():
            confirm.click()
    expect(page.locator(".flash-success")).to_contain_text("công bố")


def hear_the_minutes(page: Any, timeout: float = 240) -> None:
    """On the minutes page: "Đọc to biên bản", until the server's MP3 plays past half a second."""
    page.get_by_role("button", name="Đọc to biên bản").click()
    played = poll(
        page,
        "() => { const a = document.getElementById('min-audio');"
        " return !a.hidden && !a.paused && a.currentTime > 0.5; }",
        timeout=timeout,
    )
    assert played, page.locator("#min-read-note").text_content()


def phone_page(browser: Any, color_scheme: str = "light") -> Any:
    """A new browser session (its own cookies and storage) on a cheap phone's screen, in
    Vietnamese, the phone in light or dark mode; ``page.context`` closes it."""
    from tests.browser.conftest import PHONE_VIEWPORT

    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="vi-VN", color_scheme=color_scheme
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


_AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Any) -> list[tuple[str, str, list[str]]]:
    """axe-core's accessibility violations on the page as it is now: ``(rule, impact, first
    elements)``. Evaluated through the DevTools protocol, so the page's own CSP stays on."""
    page.evaluate(_AXE.read_text() + "\n;undefined")
    found = page.evaluate(
        "axe.run().then(r => r.violations.map(v => [v.id, v.impact,"
        " v.nodes.slice(0, 3).map(n => n.target.join(' '))]))"
    )
    return [(rule, impact, targets) for rule, impact, targets in found]


def push_to(page: Any, origin: str, data: str) -> None:
    """Hand a push message to the page's service worker as the browser's push service would
    (DevTools' ``ServiceWorker.deliverPushMessage``: Chromium here reaches no push service)."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(r["registrationId"] for r in e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 15
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the DevTools events
    assert registrations, "no service worker registration reported"
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registrations[0], "data": data},
    )


def tap_notification(page: Any, origin: str, tag: str) -> None:
    """What a tap on the notification ``tag`` dispatches in the worker (headless Chromium has
    no notification to tap, and no user gesture to give)."""
    [worker] = [w for w in page.context.service_workers if w.url.startswith(origin)]
    worker.evaluate(
        "tag => self.registration.getNotifications({tag}).then(ns => {"
        " self.dispatchEvent(new NotificationEvent('notificationclick', {notification: ns[0]}));"
        " })",
        tag,
    )
