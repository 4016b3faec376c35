"""The whole way, as issue #10 puts it: a member who installed the app is told by push of a
newly published meeting, taps the notice, and reads and listens to every document of that
meeting with the network gone.

The push goes from the real server, through pywebpush, to a push service of the test's own
(``tests/pushservice.py``: it checks the VAPID signature and decrypts the message as a browser
would). Chromium here cannot reach a real push service, so the test hands the decrypted message
to the phone's worker through the DevTools protocol (``ServiceWorker.deliverPushMessage``), and
dispatches the tap on the notification the worker really showed (no user gesture exists in a
headless browser). Everything between is the product's own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import poll as _poll
from tests.browser.helpers import push_to, sign_in, tap_notification
from tests.helpers import TEXT, demo_session
from tests.live import run_live_server
from tests.pushservice import PushService

MEMBER = "0912000003"
SECRETARY = "0912000001"
SUBJECT = "mailto:quantri@example.org"
ALWAYS = "Luôn tải bản đọc trên máy này, kể cả khi không có Wi‑Fi"
TITLE = "Sinh hoạt chi bộ bất thường tháng 12"
PLAN = (
    "KẾ HOẠCH\n\n"
    "Chi bộ tổ chức học tập nghị quyết vào tối thứ Bảy tại nhà văn hóa thôn.\n\n"
    "Mỗi đảng viên nghe bản đọc trước khi họp và chuẩn bị ý kiến.\n"
)
#: What each document says, by its file name.
FILES = {"nghi-quyet.txt": TEXT, "ke-hoach.txt": PLAN}


@pytest.fixture
def service() -> Iterator[PushService]:
    running = PushService(subject=SUBJECT, ttl=86400, hang_s=1)
    yield running
    running.close()


@pytest.fixture
def server(
    tmp_path_factory: pytest.TempPathFactory,
    artifacts_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    service: PushService,
) -> Iterator[Any]:
    """A server of this test's own that may post to the test's push service: ``(url, stop)``."""
    monkeypatch.setenv("PUSH_SERVICE_HOSTS", "127.0.0.1")
    monkeypatch.setenv("PUSH_ALLOW_HTTP", "1")
    monkeypatch.setenv("VAPID_SUBJECT", SUBJECT)
    monkeypatch.setenv("TTS_ENGINE", "espeak")
    monkeypatch.setenv("AUDIO_AUTO", "1")
    running = run_live_server(tmp_path_factory, artifacts_dir, name="push-journey-server")
    base = next(running)
    yield base, running.close
    running.close()


def _until(check: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"never happened: {what}")


def test_a_push_brings_the_meeting_and_it_works_with_the_network_gone(
    browser: Any, server: Any, service: PushService, artifacts_dir: Path
) -> None:
    base, stop_server = server
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", is_mobile=True
    )
    context.grant_permissions(["notifications"], origin=base)
    page = context.new_page()
    sign_in(page, base, MEMBER)
    assert _poll(page, "() => Boolean(navigator.serviceWorker.controller)"), "no service worker"

    # This phone: recordings always kept (chosen on any meeting's page), push turned on. The
    # browser's own subscription cannot be made without the internet; the test's push
    # service stands in for it, posted by the page as push.js posts it.
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_label(ALWAYS).check()
    phone = service.browser()
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    status = page.evaluate(
        """([subscription, token]) => fetch('/api/v1/push/subscriptions', {
             method: 'POST', credentials: 'same-origin',
             headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
             body: JSON.stringify(subscription)}).then(r => r.status)""",
        [phone.subscription, token],
    )
    assert status == 201
    # The app is not open on a live page now (a live page is told by its socket instead).
    page.goto(f"{base}/account")

    # The secretary prepares a meeting with two documents, read aloud, then publishes it.
    secretary = demo_session(base, SECRETARY)
    csrf = {"X-CSRFToken": secretary.get(f"{base}/api/v1/me", timeout=30).json()["csrf_token"]}
    branch = secretary.get(f"{base}/api/v1/me", timeout=30).json()["memberships"][0]
    created = secretary.post(
        f"{base}/api/v1/organizations/{branch['organization']['id']}/meetings",
        json={
            "title": TITLE,
            "starts_at": "2099-12-20T19:30:00+07:00",
            "place": "Nhà văn hóa thôn",
            "agenda": ["Quán triệt nghị quyết", "Thảo luận"],
        },
        headers=csrf,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    meeting = created.json()["id"]
    for name, text in FILES.items():
        uploaded = secretary.post(
            f"{base}/api/v1/meetings/{meeting}/documents",
            files={"file": (name, text.encode(), "text/plain")},
            headers=csrf,
            timeout=60,
        )
        assert uploaded.status_code == 201, uploaded.text

    def recorded() -> list[dict[str, Any]] | None:
        pack = secretary.get(f"{base}/meetings/{meeting}/pack", timeout=30).json()
        documents = pack["documents"]
        return documents if len(documents) == 2 and all(d["audio"] for d in documents) else None

    documents = _until(recorded, "both documents read aloud", 240)
    published = secretary.post(
        f"{base}/api/v1/meetings/{meeting}/publish", json={}, headers=csrf, timeout=30
    )
    assert published.status_code == 200, published.text

    # The push service got one push for this phone, signed and encrypted; it says what to fetch.
    def ours() -> list[dict[str, Any]]:  # (the demo's own publications may be pushed too)
        return [m for m in phone.delivered if m.get("url") == f"/meetings/{meeting}"]

    [message] = _until(ours, "a push at the push service", 60)
    assert service.problems == []
    assert message["title"] == f"Lịch sinh hoạt mới: {TITLE}"
    assert message["url"] == f"/meetings/{meeting}"
    assert message["pack"] == f"/meetings/{meeting}/pack"

    # ... and passes it to the phone.
    push_to(page, base, json.dumps(message))
    shown = _poll(
        page,
        "() => navigator.serviceWorker.ready.then(r => r.getNotifications({tag: "
        + json.dumps(message["tag"])
        + "})).then(ns => ns.map(n => n.title)).then(ts => ts.length ? ts : null)",
    )
    assert shown == [message["title"]]
    # The whole meeting came with the push: its pages, timing maps and recordings (this
    # meeting's own: the phone already keeps another meeting's).
    for document in documents:
        for cache, kept in (
            ("handbook-pages", document["page"]),
            ("handbook-pages", document["audio_json"]),
            ("handbook-audio", document["audio"]["url"]),
        ):
            assert _poll(
                page,
                f"() => caches.open({json.dumps(cache)}).then(c => c.match({json.dumps(kept)}))"
                ".then(Boolean)",
                120,
            ), f"{kept} not kept"

    stop_server()  # the network is gone from here on

    tap_notification(page, base, message["tag"])
    page.wait_for_url(f"{base}/meetings/{meeting}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#kept-notice")).to_contain_text("Đang mất kết nối")
    page.screenshot(path=artifacts_dir / "push-journey-meeting-offline-360.png")

    # Titles read from the documents' own headings.
    said = {"Nghị quyết": "chuyển đổi số trong sinh hoạt đảng", "Kế hoạch": "vào tối thứ Bảy"}
    for document in documents:
        page.goto(f"{base}/meetings/{meeting}")
        page.locator(f'a[href="{document["page"]}"]').first.click()
        expect(page.locator("article.reader")).to_contain_text(said[document["title"]])
        expect(page.locator("#listen-note")).to_contain_text("Giọng đọc")
        page.get_by_role("button", name="Nghe tài liệu").click()
        assert _poll(page, "() => document.getElementById('audio').currentTime > 1"), "silent"
        page.get_by_role("button", name="Tạm dừng").click()
    page.screenshot(path=artifacts_dir / "push-journey-listening-offline-360.png")
    context.close()
