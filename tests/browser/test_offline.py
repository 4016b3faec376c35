"""What a member opened once opens again without network: the pages, and the recording they
chose to keep, played from the phone; a page never opened says so and lists what is kept.
"Offline" here is the real thing: the server is stopped (Playwright's offline switch does not
reach service workers). Signing out deletes everything kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import phone_page, sign_in
from tests.browser.helpers import poll as _poll
from tests.browser.look import open_page
from tests.live import run_live_server

DOCUMENT = "Báo cáo kết quả thực hiện nhiệm vụ tháng 11"
KEPT_PAGES = "() => caches.open('handbook-pages').then(c => c.keys()).then(k => k.length)"


def _controlled(page: Any) -> None:
    """The service worker has taken the page (from then on what is opened is kept)."""
    assert _poll(page, "() => Boolean(navigator.serviceWorker.controller)"), "no service worker"


def _open_document(page: Any, base: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name=DOCUMENT).click()
    # The server of this test's own reads its demo documents as it starts: on a loaded machine
    # the document may still be waiting (the page then says so); opened again once read.
    open_page(page, page.url)
    expect(page.locator("article.reader")).to_contain_text("Công tác xây dựng Đảng")


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Any:
    """A server of this test's own, so that it can be stopped: ``(url, stop)``."""
    running = run_live_server(tmp_path_factory, artifacts_dir, name="offline-server")
    base = next(running)
    yield base, running.close
    running.close()


def test_what_was_opened_works_without_network(
    browser: Any, own_server: Any, artifacts_dir: Path
) -> None:
    base, stop_server = own_server
    page = phone_page(browser)
    sign_in(page, base, "0912000003")
    _controlled(page)
    _open_document(page, base)
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc", timeout=120_000)
    keep = page.get_by_role("button", name="Lưu để nghe khi mất mạng")
    keep.click()
    expect(page.locator("#player-keep")).to_have_text("Đã lưu, nghe được khi mất mạng")
    timing_maps: list[str] = []
    page.on("request", lambda r: timing_maps.append(r.url) if "/audio.json" in r.url else None)
    page.reload()  # the player's timing map (audio.json) is kept with the page
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc")
    # Asked for once per page: joining the live room when Socket.IO connects asks no more.
    assert _poll(page, "() => Boolean(window.handbookSocket && window.handbookSocket.connected)")
    page.wait_for_load_state("networkidle")
    assert len(timing_maps) == 1, timing_maps
    # Kept a moment after it arrives: wait for both copies before the network goes.
    assert _poll(
        page,
        "() => caches.open('handbook-pages').then(c => c.keys()).then(keys =>"
        " keys.some(k => k.url.includes('/audio.json'))"
        " && keys.some(k => k.url === location.href))",
    ), "the page and its timing map were never kept"

    stop_server()  # no network from here on

    page.reload()
    expect(page.locator("article.reader")).to_contain_text("Công tác xây dựng Đảng")
    # Said for as long as the kept copy is shown (not a passing toast), with when it was kept.
    expect(page.locator("#kept-notice")).to_contain_text(
        re.compile(r"Đang mất kết nối: bạn đang xem bản lưu lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}")
    )
    page.get_by_role("button", name="Nghe tài liệu").click()
    assert _poll(page, "() => document.getElementById('audio').currentTime > 1"), "no sound"
    assert _poll(page, "() => Boolean(document.querySelector('.reading'))"), "no highlight"
    page.screenshot(path=artifacts_dir / "member-offline-listening-360.png")
    page.get_by_role("button", name="Tạm dừng").click()

    page.goto(f"{base}/notifications")  # never opened on this phone
    expect(page.get_by_role("heading", level=1)).to_have_text("Đang mất kết nối")
    expect(page.locator("#kept")).to_contain_text(DOCUMENT)
    page.get_by_role("link", name=DOCUMENT).click()
    expect(page.locator("article.reader")).to_contain_text("Công tác xây dựng Đảng")
    page.screenshot(path=artifacts_dir / "member-offline-list-360.png")
    page.context.close()


def test_signing_out_deletes_what_was_kept(browser: Any, live_server: str) -> None:
    page = phone_page(browser)
    sign_in(page, live_server, "0912000004")
    _controlled(page)
    _open_document(page, live_server)
    # The home page, the meeting, the document: kept as they arrive, a moment after showing.
    assert _poll(page, f"() => ({KEPT_PAGES})().then(n => n >= 2)")
    page.locator("#menu > summary").click()  # the header's menu
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    assert _poll(page, f"() => ({KEPT_PAGES})().then(n => n === 0)")
    page.context.close()
