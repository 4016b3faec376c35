"""The handbook installs like an app and loads little on a slow link, in Debian's chromium on a
360 px phone: Chrome's own installability check passes, the Socket.IO client comes only with
pages that change live, a second visit takes its static files from the phone's cache, and the
home page offers "Cài vào màn hình chính" with a large button (or Safari's steps on iPhone)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.browser.helpers import sign_in

MEMBER = "0912000003"
DOCUMENT = "Báo cáo kết quả thực hiện nhiệm vụ tháng 11"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
#: A stand-in for Chrome's install offer, which headless Chrome does not make by itself.
OFFER = """() => {
  const offer = new Event("beforeinstallprompt", {cancelable: true});
  offer.prompt = () => { window.promptedToInstall = true; return Promise.resolve(); };
  offer.userChoice = Promise.resolve({outcome: "accepted", platform: "web"});
  window.dispatchEvent(offer);
  return offer.defaultPrevented;
}"""


def _document_url(page: Any, base: str) -> str:
    page.goto(f"{base}/")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name=DOCUMENT).click()
    expect(page.locator("article.reader")).to_be_visible()
    return str(page.url)


def test_chrome_finds_the_home_page_installable(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    # Chrome never installs from an incognito profile, which is what new_context() makes.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=PHONE_VIEWPORT,
        locale="vi-VN",
    )
    try:
        page = context.new_page()
        sign_in(page, live_server, MEMBER)
        page.goto(f"{live_server}/", wait_until="load")
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [], manifest["errors"]
        assert manifest["url"].endswith("/manifest.webmanifest")
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()


def test_socket_io_comes_only_with_pages_that_change_live(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    sign_in(page, live_server, MEMBER)
    page.goto(f"{live_server}/search", wait_until="load")
    assert any("/static/js/app." in url for url in asked)
    # No client loaded and no connection opened by this page (the home page's last long-poll
    # may still be on its way as it is left).
    assert page.evaluate("() => typeof window.io === 'undefined' && !window.handbookSocket")
    asked.clear()
    page.reload(wait_until="load")
    assert asked and not any("socket.io" in url for url in asked), asked
    _document_url(page, live_server)  # through the home page, where news pops up live
    assert any("/static/vendor/socket.io.min." in url for url in asked)
    assert page.evaluate("() => Boolean(window.handbookSocket)")
    context.close()


def _static_bytes(context: Any, page: Any, url: str) -> dict[str, int]:
    """Bytes on the wire for each static file while ``url`` loads."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.detach()
    return {urls[key]: size for key, size in sizes.items() if "/static/" in urls.get(key, "")}


def test_a_second_visit_takes_static_files_from_the_cache(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    # The service worker kept aside: what is measured is the HTTP cache the headers ask for.
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN", service_workers="block")
    page = context.new_page()
    sign_in(page, live_server, MEMBER)
    document = _document_url(page, live_server)
    for url in (f"{live_server}/", document):
        first = _static_bytes(context, page, url)
        again = _static_bytes(context, page, url)
        assert sum(again.values()) <= 5 * 1024, again
        # Asked again (the page names them) yet nothing came over the wire for most of them.
        assert len(again) >= len(first) - 1
    context.close()


def test_the_home_page_offers_to_install(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, MEMBER)
    page.goto(f"{live_server}/", wait_until="load")
    hint = page.locator("#install-hint")
    expect(hint).to_be_hidden()  # no offer from the browser yet
    assert page.evaluate(OFFER), "install.js did not take the offer"
    button = page.get_by_role("button", name="Cài vào màn hình chính")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48
    later = page.get_by_role("button", name="Để sau")
    later_box = later.bounding_box()
    assert later_box is not None and later_box["height"] >= 48
    assert float(button.evaluate("b => parseFloat(getComputedStyle(b).fontSize)")) >= 18
    page.screenshot(path=artifacts_dir / "member-home-install-360.png")
    button.click()
    assert page.evaluate("() => window.promptedToInstall === true")
    expect(hint).to_be_hidden()
    context.close()


def test_iphone_safari_is_told_how_and_later_is_remembered(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="vi-VN", user_agent=IPHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, live_server, MEMBER)
    page.goto(f"{live_server}/", wait_until="load")
    steps = page.locator("#install-ios")
    expect(steps).to_contain_text("Thêm vào MH chính")
    expect(page.get_by_role("button", name="Cài vào màn hình chính")).to_be_hidden()
    size = steps.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert float(size) >= 18
    page.screenshot(path=artifacts_dir / "member-home-install-iphone-360.png")
    page.get_by_role("button", name="Để sau").click()
    expect(page.locator("#install-hint")).to_be_hidden()
    page.reload(wait_until="load")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#install-hint")).to_be_hidden()
    context.close()
