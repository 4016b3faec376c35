"""The meeting pack: opening a meeting's page keeps the whole meeting on the phone (its page,
every document's page and timing map; the recordings on Wi-Fi, when this phone is told "Luôn
tải bản đọc", or when the member presses "Tải trọn bộ buổi họp"), so it reads and plays with
the server gone; the page says what is kept; signing out deletes it. And a push: the
notification shown by the worker, its pack fetched, a tap opening its page."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.helpers import PHONE_WIDTH, phone_page, push_to, sign_in, tap_notification
from tests.browser.helpers import poll as _poll
from tests.helpers import demo_session
from tests.live import run_live_server

#: Each waits for a document read aloud by espeak-ng on 2 shared cores (up to 180 s of its own
#: deadlines under a loaded suite): more than the suite's default 120 s.
pytestmark = pytest.mark.timeout(300)

MEMBER = "0912000003"
SECRETARY = "0912000001"
NOT_KEPT = "Bản đọc này chưa được lưu trên máy nên không nghe được khi mất mạng."
CACHE_COUNT = "() => caches.open({name!r}).then(c => c.keys()).then(k => k.length)"


@pytest.fixture
def quiet_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A server of this test's own that reads nothing aloud by itself (the test decides which
    recording is made when): ``(url, stop)``."""
    monkeypatch.setenv("AUDIO_AUTO", "0")
    monkeypatch.setenv("TTS_ENGINE", "espeak")
    running = run_live_server(tmp_path_factory, artifacts_dir, name="pack-server")
    base = next(running)
    yield base, running.close
    running.close()


def _pack(base: str, session: requests.Session, meeting: int) -> dict[str, Any]:
    response = session.get(f"{base}/meetings/{meeting}/pack", timeout=30)
    assert response.status_code == 200, response.status_code
    return response.json()


def _branch_meeting(base: str, session: requests.Session) -> int:
    """The demo branch meeting with documents (the member's next one)."""
    home = session.get(f"{base}/", timeout=30).text
    for found in re.findall(r'href="/meetings/(\d+)"', home):
        if _pack(base, session, int(found))["documents"]:
            return int(found)
    pytest.fail("no meeting with documents on the home page")


def _read_aloud(base: str, secretary: requests.Session, document: int) -> None:
    """As the secretary: read ``document`` aloud now (once its text is read)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = secretary.get(f"{base}/documents/{document}/status", timeout=30).json()
        if status["status"] == "ready":
            break
        time.sleep(0.5)
    page = secretary.get(f"{base}/documents/{document}", timeout=30).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = secretary.post(
        f"{base}/documents/{document}/audio",
        json={"engine": "espeak"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 202, answer.text


def _until_recorded(base: str, session: requests.Session, meeting: int, count: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        docs = _pack(base, session, meeting)["documents"]
        if sum(1 for d in docs if d["audio"]) >= count:
            return
        time.sleep(1)
    pytest.fail(f"fewer than {count} recordings were made")


def _stored_line(page: Any) -> Any:
    return page.locator("#pack-stored")


def test_a_meeting_opened_once_reads_and_plays_offline(
    browser: Any, quiet_server: Any, artifacts_dir: Path
) -> None:
    base, stop_server = quiet_server
    member, secretary = demo_session(base, MEMBER), demo_session(base, SECRETARY)
    meeting = _branch_meeting(base, member)
    first, second = (d["id"] for d in _pack(base, member, meeting)["documents"])
    _read_aloud(base, secretary, first)
    _until_recorded(base, member, meeting, 1)

    page = phone_page(browser)
    sign_in(page, base, MEMBER)
    assert _poll(page, "() => Boolean(navigator.serviceWorker.controller)"), "no service worker"
    # The meeting's page, and nothing else: the pack keeps every document's page and timing
    # map; off Wi-Fi (a desktop Chromium tells no connection type) no recording yet.
    page.goto(f"{base}/meetings/{meeting}")
    line = _stored_line(page)
    expect(line).to_have_text(re.compile(r"^Đã lưu trên máy: 2 tài liệu, 0 bản đọc, \d+ KB$"))
    button = page.get_by_role("button", name="Tải trọn bộ buổi họp")
    box = button.bounding_box()
    assert box["height"] >= 48 and box["x"] + box["width"] <= PHONE_WIDTH
    assert (
        page.evaluate(
            "parseFloat(getComputedStyle(document.getElementById('pack-stored')).fontSize)"
        )
        >= 18
    )
    always = page.get_by_label("Luôn tải bản đọc trên máy này, kể cả khi không có Wi‑Fi")
    assert page.locator(".pack .field.check").bounding_box()["height"] >= 48

    # The member asks for everything: the recording that is made comes too.
    button.click()
    expect(page.locator("#pack-result")).to_have_text("Đã tải xong.", timeout=60_000)
    expect(line).to_have_text(
        re.compile(r"^Đã lưu trên máy: 2 tài liệu, 1 bản đọc, [\d,]+ (KB|MB)$")
    )
    expect(button).to_be_enabled()
    page.screenshot(path=artifacts_dir / "pack-meeting-360.png", full_page=True)

    # The second recording is made later; opening the meeting again off Wi-Fi brings its
    # timing map, not the recording (the member did not ask, this phone was not told always).
    _read_aloud(base, secretary, second)
    _until_recorded(base, member, meeting, 2)
    assert not always.is_checked()
    page.reload()
    assert _poll(
        page,
        "() => caches.open('handbook-pages').then(c => c.match("
        + json.dumps(f"/documents/{second}/audio.json")
        + ")).then(r => r && r.json()).then(info => Boolean(info && info.complete))",
        60,
    ), "the new timing map was not kept"
    expect(line).to_contain_text("2 tài liệu, 1 bản đọc")

    stop_server()  # no network from here on

    for document in (first, second):
        page.goto(f"{base}/meetings/{meeting}")
        page.locator(f'a[href="/documents/{document}"]').first.click()
        expect(page.locator("article.reader")).to_have_attribute("data-document", str(document))
        expect(page.locator("#kept-notice")).to_contain_text("Đang mất kết nối")
        if document == first:
            expect(page.locator("#listen-note")).to_contain_text("Giọng đọc")
            page.get_by_role("button", name="Nghe tài liệu").click()
            assert _poll(page, "() => document.getElementById('audio').currentTime > 1"), "silent"
            page.get_by_role("button", name="Tạm dừng").click()
            page.screenshot(path=artifacts_dir / "pack-offline-playing-360.png")
        else:
            expect(page.locator("#listen-note")).to_have_text(NOT_KEPT)
            expect(page.get_by_role("button", name="Nghe tài liệu")).to_be_disabled()
            page.screenshot(path=artifacts_dir / "pack-offline-not-kept-360.png")
    # "Nghe cả buổi họp" knows the meeting's recordings offline too (its playlist was kept).
    page.goto(f"{base}/meetings/{meeting}")
    expect(page.locator("#playlist-note")).to_contain_text("2 tài liệu, dài")
    page.context.close()


def test_always_on_this_phone_keeps_the_recordings_and_signing_out_deletes_them(
    browser: Any, quiet_server: Any, artifacts_dir: Path
) -> None:
    # A server of its own, whose only voice work is this test's: on the shared one, other
    # tests' uploads queue ahead of the demo's documents.
    live_server, _stop = quiet_server
    member, secretary = (
        demo_session(live_server, "0912000002"),
        demo_session(live_server, SECRETARY),
    )
    meeting = _branch_meeting(live_server, member)
    for document in (d["id"] for d in _pack(live_server, member, meeting)["documents"]):
        _read_aloud(live_server, secretary, document)
    _until_recorded(live_server, member, meeting, 2)
    page = phone_page(browser)
    sign_in(page, live_server, "0912000002")
    assert _poll(page, "() => Boolean(navigator.serviceWorker.controller)"), "no service worker"
    page.goto(f"{live_server}/meetings/{meeting}")
    page.get_by_label("Luôn tải bản đọc trên máy này, kể cả khi không có Wi‑Fi").check()
    expect(_stored_line(page)).to_have_text(
        re.compile(r"^Đã lưu trên máy: 2 tài liệu, 2 bản đọc, [\d,]+ (KB|MB)$"), timeout=60_000
    )
    # Never twice: asked again, nothing new is fetched.
    fetched: list[str] = []
    page.context.on("request", lambda r: fetched.append(r.url) if "audio.mp3" in r.url else None)
    page.reload()
    expect(_stored_line(page)).to_contain_text("2 bản đọc")
    page.get_by_role("button", name="Tải trọn bộ buổi họp").click()
    expect(page.locator("#pack-result")).to_have_text("Đã tải xong.", timeout=60_000)
    assert fetched == [], fetched

    page.locator("#menu > summary").click()  # the header's menu
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    for name in ("handbook-pages", "handbook-audio"):
        assert _poll(page, f"() => ({CACHE_COUNT.format(name=name)})().then(n => n === 0)"), name
    page.context.close()


def test_a_push_shows_its_notice_keeps_its_pack_and_a_tap_opens_its_page(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    member = demo_session(live_server, "0912000004")
    meeting = _branch_meeting(live_server, member)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    context.grant_permissions(["notifications"], origin=live_server)
    page = context.new_page()
    sign_in(page, live_server, "0912000004")
    assert _poll(page, "() => Boolean(navigator.serviceWorker.controller)"), "no service worker"
    page.goto(f"{live_server}/notifications")

    payload = {
        "title": "Lịch sinh hoạt mới",
        "body": "Sinh hoạt chi bộ thường kỳ",
        "url": f"/meetings/{meeting}",
        "tag": f"meeting:{meeting}",
        "kind": "meeting.published",
        "pack": f"/meetings/{meeting}/pack",
    }
    push_to(page, live_server, json.dumps(payload))
    shown = _poll(
        page,
        "() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns =>"
        " ns.map(n => [n.title, n.body, n.tag, n.data && n.data.url, n.lang, n.icon]))"
        ".then(ns => ns.length ? ns : null)",
    )
    assert shown, "no notification"
    title, body, tag, url, lang, icon = shown[0]
    assert (title, body, tag, url, lang) == (
        payload["title"],
        payload["body"],
        payload["tag"],
        payload["url"],
        "vi",
    )
    assert icon.startswith(f"{live_server}/static/icons/icon-192")
    # The pack came with it: the meeting's page and its documents' pages are on the phone.
    pack = _pack(live_server, member, meeting)
    for path in [pack["page"]] + [d["page"] for d in pack["documents"]]:
        assert _poll(
            page,
            "() => caches.open('handbook-pages')"
            f".then(c => c.match({json.dumps(path)})).then(Boolean)",
        ), f"{path} not kept"

    # A payload that is not JSON: a plain notice all the same.
    push_to(page, live_server, "không phải JSON")
    assert _poll(
        page,
        "() => navigator.serviceWorker.ready.then(r => r.getNotifications())"
        ".then(ns => ns.some(n => n.title === 'Sổ tay Đảng viên: có thông báo mới'))",
    ), "no generic notice"

    # A tap: Chromium cannot click a notification here; the worker's own handler gets the
    # event a tap would dispatch, for the notification it really showed.
    tap_notification(page, live_server, payload["tag"])
    page.wait_for_url(f"{live_server}/meetings/{meeting}")
    expect(page.get_by_role("heading", level=1)).not_to_be_empty()
    assert _poll(
        page,
        "() => navigator.serviceWorker.ready.then(r => r.getNotifications({tag: "
        + json.dumps(payload["tag"])
        + "})).then(ns => ns.length === 0)",
    ), "the tapped notification stayed"
    page.screenshot(path=artifacts_dir / "push-tapped-meeting-360.png")
    context.close()
