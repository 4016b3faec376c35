"""The core loop on phones, against the real server and its job workers: the secretary
prepares a meeting with a text PDF, a scanned PDF and a Word file and publishes it; a member
with the app open is told at once, reads the documents on a 360 px screen; the secretary
sees who has read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from handbook.demo import DOCUMENTS_DIR
from tests.browser.helpers import PHONE_WIDTH, create_meeting, phone_page, sign_in

FILES = [
    DOCUMENTS_DIR / "du-thao-nghi-quyet-thang-12.pdf",
    DOCUMENTS_DIR / "thong-bao-hoc-tap-nghi-quyet.pdf",
    DOCUMENTS_DIR / "bao-cao-thang-11.docx",
]
#: Each document's title as read from its own heading (not its file name), and words it must
#: show once read (the scan through OCR).
EXPECTED = {
    "Dự thảo nghị quyết về nhiệm vụ tháng 12/2026": "92,71% hộ dân đã cài đặt ứng dụng VNeID",
    "Thông báo về việc học tập, quán triệt nghị quyết": "Hội trường Ủy ban nhân dân xã",
    "Báo cáo kết quả thực hiện nhiệm vụ tháng 11/2026": "Chuyển đổi số (CĐS) được triển khai",
}


def test_secretary_publishes_and_member_reads(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    secretary, member = phone_page(browser), phone_page(browser)

    # The member has the app open on the home page (socket connected).
    sign_in(member, live_server, "0912000012")
    expect(member.get_by_role("heading", level=1)).to_have_text("Xin chào, Lục Thị Lan")
    assert member.evaluate("() => window.io !== undefined")

    sign_in(secretary, live_server, "0912000011")
    create_meeting(
        secretary,
        live_server,
        title="Sinh hoạt chuyên đề tháng 12",
        day="2099-12-05",
        place="Nhà văn hóa thôn Khuổi Luông",
        agenda="Báo cáo tháng 11\nThảo luận dự thảo nghị quyết",
    )
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Sinh hoạt chuyên đề tháng 12")

    # Three files at once, each with its own progress; the page reloads when they are read.
    secretary.locator("#files").set_input_files([str(f) for f in FILES])
    secretary.get_by_role("button", name="Tải lên").click()
    expect(secretary.locator("#upload-list li")).to_have_count(3)
    expect(secretary.locator("li.doc")).to_have_count(3, timeout=60_000)
    expect(secretary.locator("li.doc[data-status=ready]")).to_have_count(3, timeout=120_000)

    # Nothing reaches the member before publication (the demo's own notices may be there).
    before = int(member.locator("#unread").text_content() or 0)
    popup = member.locator("#notice-popup")
    expect(popup).to_be_hidden()
    secretary.get_by_label("Công bố ngay").check()  # nothing is chosen beforehand
    secretary.get_by_role("button", name="Công bố", exact=True).click()
    expect(secretary.locator(".flash-success")).to_contain_text("Đã công bố")
    # The secretary is not told of their own publication.
    expect(secretary.locator("#notice-popup")).to_be_hidden()

    # Told live, without reloading: a notice that stays until tapped, and says where and when.
    said = "Lịch sinh hoạt mới: Sinh hoạt chuyên đề tháng 12"
    expect(popup).to_contain_text(said, timeout=10_000)
    expect(popup).to_contain_text("Nhà văn hóa thôn Khuổi Luông")
    expect(member.locator("#unread")).to_have_text(str(before + 1))
    link = popup.locator(".notice-link").bounding_box()
    close = popup.locator(".notice-close").bounding_box()
    assert link and close and min(link["height"], close["width"], close["height"]) >= 48
    member.screenshot(path=artifacts_dir / "member-live-notice-360.png")
    member.wait_for_timeout(9_000)  # longer than the old 8-second popup: still there
    expect(popup).to_be_visible()
    # Before tapping, the home page lists it as new (drawn again by a second tab).
    other = member.context.new_page()
    other.goto(f"{live_server}/")
    news = other.get_by_role("region", name="Mới công bố")
    fresh = news.locator("li", has_text="Sinh hoạt chuyên đề tháng 12")
    expect(fresh.locator(".new-mark")).to_have_text("mới")
    other.close()

    popup.locator(".notice-link").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Sinh hoạt chuyên đề tháng 12")
    expect(member.locator("li.doc")).to_have_count(3)
    # Opened: no longer new, and the count went down.
    if before:
        expect(member.locator("#unread")).to_have_text(str(before))
    else:
        expect(member.locator("#unread")).to_be_hidden()
    other = member.context.new_page()
    other.goto(f"{live_server}/")
    expect(other.locator("#next-meeting")).to_be_visible()
    expect(other.locator(".new-list li", has_text="Sinh hoạt chuyên đề tháng 12")).to_have_count(0)
    other.close()
    for number, (title, words) in enumerate(EXPECTED.items()):
        member.get_by_role("link", name=title).click()
        expect(member.locator("article.reader")).to_contain_text(words)
        width = member.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{title}: page scrolls sideways ({width}px)"
        member.screenshot(path=artifacts_dir / f"member-reads-{number + 1}.png")
        member.go_back()

    # The secretary sees who has read.
    secretary.get_by_role("link", name="Ai đã đọc").click()
    rows = secretary.locator("ul.participation li.done", has_text="Lục Thị Lan")
    expect(rows).to_have_count(3)
    expect(secretary.locator("ul.participation li.missing", has_text="Vàng A Páo")).to_have_count(3)
    secretary.screenshot(path=artifacts_dir / "secretary-participation.png", full_page=True)
