"""A member listens to a document on a phone: the voice plays, the highlight follows it from
paragraph to paragraph, and after a reload the page offers to continue where they stopped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import create_meeting, phone_page, sign_in
from tests.browser.helpers import poll as _poll


def test_the_highlight_follows_the_voice_and_the_place_is_kept(
    page: Any, live_server: str, artifacts_dir: Path
) -> None:
    sign_in(page, live_server, "0912000003")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name="Báo cáo kết quả thực hiện nhiệm vụ tháng 11").click()
    # The server reads the demo documents aloud in the background; the page follows it live.
    start = page.get_by_role("button", name="Nghe tài liệu")
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc", timeout=120_000)
    expect(start).to_be_visible()

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


LONG_TEXT = "\n\n".join(
    f"Mục {n}. Ngày {n % 28 + 1}/{n % 12 + 1}/2026, Chi bộ thôn Khuổi Luông đã họp bàn việc "
    f"trồng {n * 3} ha chè Shan tuyết và hỗ trợ {n + 2} hộ làm nhà. UBND xã giao chỉ tiêu cho "
    "từng tổ, đồng thời đôn đốc các hộ dân cài đặt ứng dụng VNeID trước kỳ họp tới."
    for n in range(1, 121)
)


def test_a_long_document_plays_before_its_audio_is_finished(
    browser: Any, live_server: str, artifacts_dir: Path, tmp_path: Path
) -> None:
    """Seconds after a long document is read, its beginning plays; the page learns live when
    the whole track is ready and moves to it at the same place."""
    page = phone_page(browser)
    sign_in(page, live_server, "0912000011")
    create_meeting(
        page,
        live_server,
        title="Sinh hoạt thường kỳ tháng 1",
        day="2099-01-05",
        place="Nhà văn hóa thôn",
        agenda="Báo cáo tình hình",
    )
    text = tmp_path / "bao-cao-dai.txt"
    text.write_text(LONG_TEXT, encoding="utf-8")
    page.locator("#files").set_input_files(str(text))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("li.doc[data-status=ready]")).to_have_count(1, timeout=60_000)
    page.locator("li.doc a").first.click()

    note = page.locator("#listen-note")
    expect(note).to_contain_text("đang đọc tiếp", timeout=30_000)
    expect(page.locator("#player-download")).to_be_hidden()  # no half file to take away
    page.get_by_role("button", name="Nghe tài liệu").click()
    first = _poll(page, "() => { const r = document.querySelector('.reading'); return r && r.id; }")
    assert first == "p-1"
    early_src = page.evaluate("() => document.getElementById('audio').src")
    assert "v=early-" in early_src
    page.screenshot(path=artifacts_dir / "member-listening-early-360.png")

    # The whole track arrives over the socket (no reload); pausing moves to it in place.
    expect(note).to_contain_text("Giọng đọc", timeout=180_000)
    page.get_by_role("button", name="Tạm dừng").click()
    _poll(page, "() => !document.getElementById('audio').src.includes('early-')")
    src = page.evaluate("() => document.getElementById('audio').src")
    assert "v=early-" not in src and src.startswith(early_src.split("?")[0])
    assert _poll(page, "() => document.getElementById('audio').currentTime > 0.5")
    expect(page.locator("#player-download")).to_be_visible()
    expect(page.get_by_role("button", name="Tạo lại bằng giọng tự nhiên")).to_be_visible()
    page.context.close()
