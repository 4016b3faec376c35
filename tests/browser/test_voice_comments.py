"""Commenting by tap and by voice, on a cheap phone's screen (issue #11 item 4).

Chromium here has a fake microphone (``--use-fake-device-for-media-stream``: a beep every
second) and grants it without asking (``--use-fake-ui-for-media-stream``), in a browser of
this module's own so no other test gets a microphone. The server is one of this module's own
too, with a small comment rate limit, so that "too fast" is met in seconds.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.browser.helpers import poll, sign_in
from tests.live import run_live_server

MAI, HOA, THANG = "0912000002", "0912000004", "0912000001"
#: Four comments in 8 seconds per member: the fifth waits (the test's own server).
RATE = "4 per 8 second"
LONG = "\n".join(f"Dòng thứ {i} của một góp ý dài về dự thảo nghị quyết." for i in range(1, 11))


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[str]:
    yield from run_live_server(
        tmp_path_factory,
        artifacts_dir,
        name="voice-server",
        COMMENT_RATE_LIMIT=RATE,
        AUDIO_AUTO="0",  # members' voices only: the documents need not be read aloud
    )


@pytest.fixture(scope="module")
def mic_browser(browser: Any) -> Iterator[Any]:
    """Chromium with a fake microphone, launched beside the suite's own browser."""
    chromium = browser.browser_type.launch(
        executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
        ],
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "look"
    folder.mkdir(exist_ok=True)
    return folder


def _phone(chromium: Any, base: str, login: str) -> Any:
    context = chromium.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    context.grant_permissions(["microphone"], origin=base)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, base, login)
    return page


def _open_resolution(page: Any, base: str) -> str:
    """The demo's resolution, its comments live; returns its meeting's address."""
    page.goto(f"{base}/")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    meeting = page.url
    page.get_by_role("link", name=re.compile("Dự thảo Nghị quyết tháng 12")).click()
    expect(page.locator("#composer")).to_be_visible(timeout=120_000)
    assert poll(page, "Boolean(window.handbookSocket && window.handbookSocket.connected)")
    return meeting.removeprefix(base)


def _box(page: Any, locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_a_member_speaks_on_a_paragraph_replies_in_writing_and_the_secretary_hears_it(
    mic_browser: Any, voice_server: str, shots: Path
) -> None:
    base = voice_server
    thang, mai = _phone(mic_browser, base, THANG), _phone(mic_browser, base, MAI)
    meeting = _open_resolution(thang, base)
    _open_resolution(mai, base)

    # The secretary writes a long comment; on the member's phone it folds after six lines.
    thang.locator("#comment-body").fill(LONG)
    thang.get_by_role("button", name="Gửi góp ý").click()
    expect(thang.locator(".comment.mine:not(.pending)")).to_have_count(1)
    mai.locator("#new-comments").click()
    long = mai.locator(".comment", has_text="Dòng thứ 1 ")
    expect(long.locator(".comment-body.clamp")).to_have_count(1)
    assert long.locator(".comment-body").evaluate("b => b.scrollHeight > b.clientHeight")
    long.get_by_role("button", name="Xem thêm").click()
    expect(long.locator(".comment-body.clamp")).to_have_count(0)
    expect(long.get_by_role("button", name="Thu gọn")).to_have_attribute("aria-expanded", "true")

    # The member taps a paragraph: the sheet quotes its first words, not its number.
    start = mai.evaluate(
        "document.getElementById('p-2').firstChild.textContent.trim().split(/\\s+/)"
        ".slice(0, 3).join(' ')"
    )
    mai.locator("#p-2").click()
    mai.get_by_role("button", name="Góp ý đoạn này").click()
    target = mai.locator("#composer-target")
    expect(target).to_have_text(re.compile("^Góp ý về đoạn “" + re.escape(start)))
    assert "đoạn 2" not in target.inner_text()

    # A tap starts recording (for those who cannot hold); elapsed time shows; a tap sends.
    mic = mai.get_by_role("button", name="Nói góp ý")
    mic.click()
    recorder = mai.locator(".recorder")
    expect(recorder.locator(".rec-time")).to_have_text(re.compile(r"Đang ghi 0:0[2-9] / 2:00"))
    send, cancel = (
        recorder.get_by_role("button", name="Dừng và gửi"),
        recorder.get_by_role("button", name="Hủy"),
    )
    for control in (mic, send, cancel):
        box = _box(mai, control)
        assert box["width"] >= 48 and box["height"] >= 48
    send_box, cancel_box = _box(mai, send), _box(mai, cancel)
    assert cancel_box["x"] - (send_box["x"] + send_box["width"]) >= 8 or (
        cancel_box["y"] - (send_box["y"] + send_box["height"]) >= 8
    )
    mai.locator("#composer").screenshot(path=shots / "voice-recording-360.png")
    send.click()
    expect(recorder).to_have_count(0)
    spoken = mai.locator(".comment.mine:not(.pending):has(audio)")
    expect(spoken).to_have_count(1)
    expect(spoken.locator("audio")).to_have_attribute("src", re.compile(r"^/comments/\d+/voice$"))
    expect(spoken).to_contain_text("“" + start)
    expect(spoken.locator(".voice")).to_contain_text(re.compile(r"0:0[2-9]"))

    # "Hủy" throws a recording away: nothing is queued or sent.
    mic.click()
    expect(recorder.locator(".rec-time")).to_have_text(re.compile("Đang ghi"))
    recorder.get_by_role("button", name="Hủy").click()
    expect(recorder).to_have_count(0)
    expect(mai.locator(".comment.pending")).to_have_count(0)
    expect(mai.locator(".comment.mine:has(audio)")).to_have_count(1)

    # Hold to talk: let go after speaking and it is sent.
    mai.locator("#composer-reset").click()
    mic.scroll_into_view_if_needed()
    box = _box(mai, mic)
    mai.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    mai.mouse.down()
    expect(recorder.locator(".rec-time")).to_have_text(re.compile(r"Đang ghi 0:0[1-9]"))
    expect(recorder).to_contain_text("Thả tay để gửi")
    mai.mouse.up()
    expect(mai.locator(".comment.mine:not(.pending):has(audio)")).to_have_count(2)

    # A written reply to the secretary's comment.
    long.get_by_role("button", name="Trả lời").click()
    mai.locator("#comment-body").fill("Tôi nhất trí, đề nghị bổ sung thời hạn.")
    mai.get_by_role("button", name="Gửi góp ý").click()
    reply = mai.locator(".replies .comment.mine:not(.pending)", has_text="bổ sung thời hạn")
    expect(reply).to_have_count(1)
    expect(mai.locator("#comment-count")).to_have_text("(4)")
    expect(mai.locator("#p-2 .pc")).to_have_text("1 góp ý")
    mai.locator("#comments").screenshot(path=shots / "voice-comments-member-360.png")

    # Delivered live: the secretary's phone gets all three, the recordings playable inline.
    expect(thang.locator("#new-comments")).to_have_text("3 góp ý mới — chạm để xem")
    thang.locator("#new-comments").click()
    expect(thang.locator(".comment:not(.mine) audio")).to_have_count(2)

    # The record: each recording listed with a link that plays it, and the secretary hears it.
    thang.goto(f"{base}{meeting}")
    expect(thang.locator(".doc-comments").first).to_have_text("4 góp ý")
    thang.goto(f"{base}{meeting}/comments")
    voiced = thang.locator(".record-item", has=thang.locator("audio"))
    expect(voiced).to_have_count(2)
    link = voiced.first.get_by_role("link", name=re.compile(r"Góp ý bằng giọng nói \(0:0\d\)"))
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/comments/\d+/voice", href)
    heard = thang.request.get(f"{base}{href}")
    assert heard.ok and heard.headers["content-type"] == "audio/webm"
    assert heard.body()[:4] == b"\x1a\x45\xdf\xa3"
    voiced.first.locator("audio").evaluate("a => a.play()")
    assert poll(thang, "document.querySelector('.record-item audio').currentTime > 0.5")
    assert thang.evaluate("document.querySelector('.record-item audio').error") is None
    thang.screenshot(path=shots / "voice-record-secretary-360.png", full_page=True)
    exported = thang.request.get(f"{base}{meeting}/comments.docx")
    record = docx.Document(io.BytesIO(exported.body()))
    targets = {r.target_ref for r in record.part.rels.values() if r.reltype.endswith("hyperlink")}
    assert f"{base}{href}" in targets and len(targets) == 2

    thang.context.close()
    mai.context.close()


def test_posting_too_fast_says_so_and_the_outbox_sends_when_the_limit_allows(
    mic_browser: Any, voice_server: str, shots: Path
) -> None:
    hoa = _phone(mic_browser, voice_server, HOA)
    _open_resolution(hoa, voice_server)
    bodies = [f"Ý kiến nhanh số {i} của đồng chí Hoa." for i in range(1, 7)]
    for body in bodies:
        hoa.locator("#comment-body").fill(body)
        hoa.get_by_role("button", name="Gửi góp ý").click()
    waiting = hoa.locator(".comment.pending").first
    expect(waiting).to_contain_text(
        re.compile(r"quá nhanh\. Góp ý được giữ lại và tự gửi sau \d+ giây")
    )
    hoa.locator("#comments").screenshot(path=shots / "comments-too-fast-360.png")
    # Nothing is dropped: every one is stored, once, when the limit allows.
    expect(hoa.locator(".comment.pending")).to_have_count(0, timeout=60_000)
    stored = hoa.evaluate(
        "fetch(location.pathname.replace('/documents/', '/api/v1/documents/') + '/comments')"
        ".then(r => r.json()).then(b => b.comments.map(c => c.body))"
    )
    assert sorted(b for b in stored if b and "nhanh" in b) == sorted(bodies)
    hoa.context.close()
