"""A member listens to a document on a phone: the voice plays, the highlight follows it from
paragraph to paragraph, and after a reload the page offers to continue where they stopped."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in


def _poll(page: Any, script: str, timeout: float = 30.0) -> Any:
    """Poll from Python: the pages' CSP (no eval) forbids Playwright's in-page polling."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_the_highlight_follows_the_voice_and_the_place_is_kept(
    page: Any, live_server: str, artifacts_dir: Path
) -> None:
    sign_in(page, live_server, "0912000003")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name="Báo cáo kết quả thực hiện nhiệm vụ tháng 11").click()
    # The server reads the demo documents aloud in the background: wait for the voice.
    start = page.get_by_role("button", name="▶ Nghe tài liệu")
    for _ in range(60):
        if start.is_visible():
            break
        page.wait_for_timeout(2000)
        page.reload()
    expect(start).to_be_visible()
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc")

    start.click()
    expect(page.locator("#player")).to_be_visible()
    page.select_option("#player-speed", "2")
    first = _poll(page, "() => { const r = document.querySelector('.reading'); return r && r.id; }")
    assert first, "no paragraph was highlighted"
    later = _poll(
        page,
        f"() => {{ const r = document.querySelector('.reading'); "
        f"return r && r.id !== '{first}' && r.id; }}",
        timeout=60,
    )
    assert later and int(later.split("-")[1]) > int(first.split("-")[1])
    assert page.evaluate("() => document.getElementById('audio').currentTime") > 1
    page.screenshot(path=artifacts_dir / "member-listening-360.png")

    page.get_by_role("button", name="Tạm dừng").click()  # reports the position
    page.wait_for_timeout(1000)
    page.reload()
    expect(page.get_by_role("button", name=re.compile(r"Nghe tiếp từ \d+:\d\d"))).to_be_visible(
        timeout=15_000
    )
