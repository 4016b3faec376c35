"""Three people discuss a document, each in their own browser: a comment reaches the others
at once without disturbing what they are typing, and a comment sent while the network is down
arrives exactly once when it comes back."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import phone_page, sign_in


def _wait_for(page: Any, script: str, timeout: float = 20.0) -> None:
    """Poll from Python: the pages' CSP (no eval) forbids Playwright's in-page polling."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        time.sleep(0.1)


def _open_resolution(page: Any, base: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name="Dự thảo Nghị quyết tháng 12").click()
    expect(page.locator("#composer")).to_be_visible(timeout=60_000)
    _wait_for(page, "() => Boolean(window.handbookSocket && window.handbookSocket.connected)")


def test_members_discuss_live_and_nothing_is_lost(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    people = {}
    for login in ("0912000002", "0912000004", "0912000001"):
        page = phone_page(browser)
        sign_in(page, live_server, login)
        _open_resolution(page, live_server)
        people[login] = (page.context, page)
    mai, hoa, thang = (people[k][1] for k in ("0912000002", "0912000004", "0912000001"))

    # Hoa is in the middle of writing her own comment.
    hoa.locator("#comment-body").fill("Tôi đang gõ dở")
    # Mai taps the second paragraph and comments on it.
    mai.locator("#p-2").click()
    mai.get_by_role("button", name="Góp ý đoạn này").click()  # the tap menu
    start = mai.evaluate("document.getElementById('p-2').firstChild.textContent.trim()")[:20]
    # The sheet quotes the paragraph's first words: "đoạn 2" told a member nothing.
    expect(mai.locator("#composer-target")).to_have_text(
        re.compile("^Góp ý về đoạn “" + re.escape(start))
    )
    mai.locator("#comment-body").fill("Đề nghị bổ sung thời hạn hoàn thành.")
    mai.get_by_role("button", name="Gửi góp ý").click()
    sent = mai.locator(".comment.mine", has_text="Đề nghị bổ sung thời hạn")
    expect(sent.and_(mai.locator(":not(.pending)"))).to_have_count(1)
    expect(sent).to_have_count(1)  # the pending copy became the stored one: never two

    for page in (thang, hoa):
        banner = page.locator("#new-comments")
        expect(banner).to_have_text("1 góp ý mới — chạm để xem", timeout=5_000)
    assert hoa.locator("#comment-body").input_value() == "Tôi đang gõ dở"
    thang.locator("#new-comments").click()
    expect(thang.locator(".comment", has_text="Đề nghị bổ sung thời hạn")).to_contain_text(
        "“" + start
    )
    expect(thang.locator("#p-2 .pc")).to_have_text("1 góp ý")

    # Mai's network drops while she sends; the comment waits and goes once when it is back.
    mai_context = people["0912000002"][0]
    mai_context.set_offline(True)
    mai.evaluate("window.handbookSocket.io.engine.close()")
    mai.locator("#composer-reset").click()
    mai.locator("#comment-body").fill("Góp ý gửi lúc mất mạng.")
    mai.get_by_role("button", name="Gửi góp ý").click()
    expect(mai.locator(".comment.pending", has_text="Góp ý gửi lúc mất mạng")).to_be_visible()
    expect(mai.locator("#conn")).to_be_visible(timeout=10_000)
    mai_context.set_offline(False)
    expect(mai.locator(".comment.pending")).to_have_count(0, timeout=30_000)
    # The HTTP fallback may deliver before the socket is back (its backoff reaches 10 s);
    # the notice stays until the socket itself reconnects.
    expect(mai.locator("#conn")).to_be_hidden(timeout=30_000)

    expect(thang.locator("#new-comments")).to_have_text(re.compile("1 góp ý mới"), timeout=10_000)
    thang.reload()
    expect(thang.locator(".comment", has_text="Góp ý gửi lúc mất mạng")).to_have_count(1)
    stored = mai.evaluate(
        "fetch(location.pathname.replace('/documents/', '/api/v1/documents/') + '/comments')"
        ".then(r => r.json())"
        ".then(b => b.comments.filter(c => (c.body || '').includes('mất mạng')).length)"
    )
    assert stored == 1
    assert (
        mai.evaluate(
            "JSON.parse(localStorage.getItem('handbook.outbox.' + "
            "document.getElementById('comments').dataset.user) || '[]').length"
        )
        == 0
    )
    thang.screenshot(path=artifacts_dir / "secretary-comments-360.png", full_page=True)
    for context, _page in people.values():
        context.close()
