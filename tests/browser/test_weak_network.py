"""A stalling, slow or lossy link never shows a blank page: what was kept shows within the
network deadline, says so while it is shown, and is replaced in place by the fresh page when
it comes.

The links are real, on the member's real path: the server frozen with SIGSTOP (it accepts TCP
and never answers); Chromium's own throttling and request interception through the DevTools
protocol, applied to the service worker's target, because a page controlled by the worker
fetches nothing itself: the worker's ``fetch`` is what meets the network, and a page target's
``Network.emulateNetworkConditions`` does not reach it (checked below by taking the worker's
network away alone)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import phone_page, sign_in
from tests.browser.helpers import poll as _poll
from tests.helpers import demo_session, ready_document_id
from tests.live import run_live_server

KEPT_AT = r"lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}"
#: Chromium DevTools' "Regular 3G" preset.
REGULAR_3G = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 750 * 1024 / 8,
    "uploadThroughput": 250 * 1024 / 8,
}


def _server_pid(base: str) -> int:
    """The pid of ``python -m handbook serve`` listening on ``base``'s port (a child of ours)."""
    port = urlsplit(base).port
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if command[1:4] == [b"-m", b"handbook", b"serve"] and f"PORT={port}".encode() in environ:
            if parent == os.getpid():
                return int(entry.name)
    pytest.fail(f"no server process on port {port}")


@pytest.fixture
def own_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A server of this test's own, so that it can be frozen: ``(url, pid)``. Whatever the
    test does, it is thawed before it is stopped. A page never kept gives up on the network
    after 8 s here (30 s by default): the same path, a shorter wait."""
    monkeypatch.setenv("OFFLINE_NETWORK_GIVE_UP_S", "8")
    running = run_live_server(tmp_path_factory, artifacts_dir, name="weak-network-server")
    base = next(running)
    pid = _server_pid(base)
    try:
        yield base, pid
    finally:
        os.kill(pid, signal.SIGCONT)
        running.close()


def _controlled(page: Any) -> None:
    assert _poll(page, "() => Boolean(navigator.serviceWorker.controller)"), "no service worker"


def _kept(page: Any, path: str) -> None:
    """Until the worker has kept the page at ``path`` (a moment after it shows)."""
    assert _poll(
        page,
        "() => caches.open('handbook-pages').then(c => c.match(location.origin + "
        + json.dumps(path)
        + ")).then(Boolean)",
    ), f"{path} was never kept"


class WorkerLink:
    """The service worker's own network, through the DevTools protocol: a session attached to
    the worker's target (the page's target does not carry the worker's fetches)."""

    def __init__(self, browser: Any, base: str) -> None:
        self.cdp = browser.new_browser_cdp_session()
        workers = [
            t
            for t in self.cdp.send("Target.getTargets")["targetInfos"]
            if t["type"] == "service_worker" and t["url"].startswith(f"{base}/sw.js")
        ]
        assert len(workers) == 1, workers
        self.session = self.cdp.send(
            "Target.attachToTarget", {"targetId": workers[0]["targetId"], "flatten": False}
        )["sessionId"]
        self.ids = count(1)
        self.handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.cdp.on("Target.receivedMessageFromTarget", self._received)
        self.send("Network.enable", {})

    def send(self, method: str, params: dict[str, Any]) -> None:
        message = {"id": next(self.ids), "method": method, "params": params}
        self.cdp.send(
            "Target.sendMessageToTarget",
            {"sessionId": self.session, "message": json.dumps(message)},
        )

    def on(self, method: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self.handlers[method] = handler

    def _received(self, event: dict[str, Any]) -> None:
        if event.get("sessionId") != self.session:
            return
        message = json.loads(event["message"])
        handler = self.handlers.get(message.get("method", ""))
        if handler is not None:
            handler(message["params"])

    def close(self) -> None:
        self.cdp.detach()


# --- (a) the server freezes: it takes the connection and never answers ------------------------


def test_a_frozen_server_shows_the_kept_page_then_the_fresh_one_in_place(
    browser: Any, own_server: Any, artifacts_dir: Path
) -> None:
    base, pid = own_server
    other = demo_session(base, "0912000004")
    document = ready_document_id(base, other)
    path = f"/documents/{document}"
    page = phone_page(browser)
    sign_in(page, base, "0912000003")
    _controlled(page)
    page.goto(f"{base}{path}")
    expect(page.locator("article.reader")).to_contain_text("Công tác xây dựng Đảng")
    _kept(page, path)

    # Meanwhile another member comments: only the server's fresh page has it.
    form = other.get(f"{base}{path}", timeout=30).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', form).group(1)
    words = f"Góp ý lúc mạng treo {uuid.uuid4().hex[:8]}"
    posted = other.post(
        f"{base}{path}/comments",
        data={"csrf_token": token, "client_id": uuid.uuid4().hex, "body": words},
        timeout=30,
    )
    assert posted.status_code == 200, posted.status_code

    os.kill(pid, signal.SIGSTOP)
    try:
        page.goto(f"{base}{path}")  # the same page again, over a link that never answers
        expect(page.locator("article.reader")).to_contain_text("Công tác xây dựng Đảng")
        notice = page.locator("#kept-notice")
        expect(notice).to_have_text(re.compile(rf"^Bản lưu {KEPT_AT} · đang cập nhật…$"))
        expect(page.locator("#comment-list")).not_to_contain_text(words)
        page.screenshot(path=artifacts_dir / "weak-frozen-kept-copy-360.png")
        time.sleep(9)  # longer than a passing toast: the notice is still there
        expect(notice).to_be_visible()
        assert notice.bounding_box()["y"] < 200, "the notice is out of sight"
        assert (
            page.evaluate(
                "parseFloat(getComputedStyle(document.getElementById('kept-notice')).fontSize)"
            )
            >= 18
        )
    finally:
        os.kill(pid, signal.SIGCONT)

    # The server answers what it was asked: the fresh page replaces the kept one, same tab.
    expect(page.locator("#comment-list")).to_contain_text(words, timeout=60_000)
    expect(page.locator("#kept-notice")).to_be_hidden()
    assert page.url == f"{base}{path}"
    expect(page.locator("article.reader")).to_have_count(1)
    expect(page.locator("#comment-list li.comment", has_text=words)).to_have_count(1)
    page.screenshot(path=artifacts_dir / "weak-frozen-replaced-360.png")
    page.context.close()


def test_a_frozen_server_with_a_page_never_kept_waits_then_says_so(
    browser: Any, own_server: Any
) -> None:
    base, pid = own_server
    page = phone_page(browser)
    sign_in(page, base, "0912000003")
    _controlled(page)
    os.kill(pid, signal.SIGSTOP)
    try:
        # Past the deadline a page never kept keeps waiting (the previous page stays on
        # screen), then the offline page says so and waits on; nothing blank meanwhile.
        page.goto(f"{base}/notifications", timeout=60_000)
        expect(page.get_by_role("heading", level=1)).to_have_text("Đang mất kết nối")
        expect(page.locator("#waiting")).to_be_visible()
    finally:
        os.kill(pid, signal.SIGCONT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo", timeout=60_000)
    page.context.close()


def _reading_a_kept_document(browser: Any, base: str) -> tuple[Any, int]:
    """A member on a document's page, the worker in place and the page kept."""
    document = ready_document_id(base, demo_session(base, "0912000004"))
    page = phone_page(browser)
    sign_in(page, base, "0912000003")
    _controlled(page)
    page.goto(f"{base}/documents/{document}")
    _kept(page, f"/documents/{document}")
    return page, document


# --- (b) Regular 3G, on the worker's own fetches -----------------------------------------------


def test_regular_3g_reaches_the_worker_and_the_member_reads_and_listens(
    browser: Any, own_server: Any, artifacts_dir: Path
) -> None:
    base, _pid = own_server
    page, document = _reading_a_kept_document(browser, base)
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc", timeout=120_000)
    link = WorkerLink(browser, base)
    try:
        # The worker's network alone, taken away: the page still shows (kept), so what is set
        # on the worker's target is what the member's pages meet.
        link.send("Network.emulateNetworkConditions", {**REGULAR_3G, "offline": True})
        page.reload()
        expect(page.locator("#kept-notice")).to_contain_text("Đang mất kết nối")

        link.send("Network.emulateNetworkConditions", REGULAR_3G)
        own = page.context.new_cdp_session(page)  # the page's own requests (Socket.IO)
        own.send("Network.enable")
        own.send("Network.emulateNetworkConditions", REGULAR_3G)
        page.goto(f"{base}/")
        expect(page.get_by_role("region", name="Buổi sinh hoạt sắp tới")).to_be_visible()
        page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).not_to_be_empty()
        page.goto(f"{base}/documents/{document}")
        expect(page.locator("article.reader")).to_contain_text("Công tác xây dựng Đảng")
        # Kept copy or fresh page, it ends fresh: no notice left, one article.
        expect(page.locator("#kept-notice")).to_be_hidden(timeout=60_000)
        expect(page.locator("article.reader")).to_have_count(1)
        page.get_by_role("button", name="Nghe tài liệu").click()
        assert _poll(page, "() => document.getElementById('audio').currentTime > 1", 60), "no sound"
        page.screenshot(path=artifacts_dir / "weak-3g-listening-360.png")
    finally:
        link.close()
    page.context.close()


# --- (c) a lossy link: every other request dropped ---------------------------------------------


def test_a_link_dropping_every_other_request_still_shows_every_page_once(
    browser: Any, own_server: Any, artifacts_dir: Path
) -> None:
    base, _pid = own_server
    page, document = _reading_a_kept_document(browser, base)
    comments = page.locator("#comment-list li.comment").count()

    # Every other request to each address fails, on the worker's fetches and on the page's own
    # (Socket.IO, posts); per address, so that what is dropped does not depend on which of two
    # requests in flight the browser happened to send first.
    attempts: dict[str, int] = {}
    dropped: list[str] = []

    def drop_or_pass(send: Callable[[str, dict[str, Any]], Any]) -> Callable[..., None]:
        def paused(params: dict[str, Any]) -> None:
            url = params["request"]["url"].split("?")[0]
            attempts[url] = attempts.get(url, 0) + 1
            if attempts[url] % 2:
                dropped.append(url)
                send(
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "ConnectionReset"},
                )
            else:
                send("Fetch.continueRequest", {"requestId": params["requestId"]})

        return paused

    link = WorkerLink(browser, base)
    link.on("Fetch.requestPaused", drop_or_pass(link.send))
    link.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
    own = page.context.new_cdp_session(page)
    own.on("Fetch.requestPaused", drop_or_pass(own.send))
    own.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
    try:
        for path, shows in [
            ("/", "Buổi sinh hoạt sắp tới"),
            (f"/documents/{document}", "Công tác xây dựng Đảng"),
            ("/notifications", "Thông báo"),  # never opened before
        ]:
            page.goto(f"{base}{path}")
            expect(page.locator("main")).to_contain_text(shows)
            expect(page.locator("main")).to_have_count(1)
            expect(page.locator("#kept-notice")).to_be_hidden()  # the second try answered
        # The reading page once, its comments once each, the player's timing map loaded.
        page.goto(f"{base}/documents/{document}")
        expect(page.locator("article.reader")).to_have_count(1)
        expect(page.locator("#comment-list li.comment")).to_have_count(comments)
        expect(page.locator("#listen-note")).to_contain_text("Giọng đọc", timeout=60_000)
        page.screenshot(path=artifacts_dir / "weak-lossy-link-360.png")
    finally:
        own.detach()
        link.close()
    assert dropped, "nothing was dropped: the test did not test"
    assert any("/documents/" in url for url in dropped), dropped
    page.context.close()
