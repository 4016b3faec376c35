"""Meeting day in Chromium: the secretary opens check-in; the test decodes the rotating QR code
from the screen (zxing-cpp reads the pixels, as a phone's camera would); one member opens it
signed in, another signs in first and lands checked in; the secretary's screen follows live
and counts by the rules; the pages pass axe-core and the phone's tap-target and text sizes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import create_meeting, phone_page, poll, sign_in
from tests.browser.look import checked


def _decode(page: Any) -> str:
    """The link in the QR code on the screen, read from its pixels."""
    png = page.locator(".att-qr-image").screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, "no QR code readable on the screen"
    return str(found[0].text)


def _look(page: Any, shots: Path, name: str) -> None:
    checked(page, shots / f"{name}.png")


def test_members_check_in_by_the_rotating_code_and_the_screen_follows(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    secretary = phone_page(browser)
    sign_in(secretary, live_server, "0912000001")
    create_meeting(
        secretary,
        live_server,
        title="Sinh hoạt thường kỳ có điểm danh",
        day="2099-11-05",
        place="Nhà văn hóa thôn",
        agenda="Thông qua nghị quyết tháng",
    )
    secretary.get_by_label("Công bố ngay").check()  # nothing is chosen beforehand
    secretary.get_by_role("button", name="Công bố", exact=True).click()
    secretary.get_by_role("button", name="Vẫn công bố").click()  # no documents: asked first
    expect(secretary.locator(".flash-success")).to_contain_text("Đã công bố")
    meeting_url = secretary.url
    secretary.get_by_role("link", name="Điểm danh").click()
    secretary.get_by_role("button", name="Mở điểm danh").click()
    expect(secretary.locator("#att-state")).to_contain_text("Đang mở điểm danh")
    poll(secretary, "() => document.getElementById('attendance').dataset.live === '1'")
    secretary.evaluate("() => { window.stillTheSamePage = true; }")
    expect(secretary.locator("[data-count=present]")).to_have_text("0")
    expect(secretary.locator("[data-count=convened]")).to_have_text("4")

    url = _decode(secretary)
    assert "/check-in?t=" in url
    shown = secretary.locator(".att-qr-image").get_attribute("data-url")
    fallback = secretary.locator("#att-link").get_attribute("href")
    # The code may have turned between the screenshot and reading the attributes.
    assert url in (shown, fallback) or "/check-in?t=" in str(shown)

    # Mai is signed in: the camera opens the link, she is checked in.
    mai = phone_page(browser)
    sign_in(mai, live_server, "0912000002")
    mai.goto(url)
    expect(mai.locator("#check-in-result")).to_have_text("Đã điểm danh: đồng chí có mặt.")
    _look(mai, shots, "check-in-result")
    mai.goto(url)  # the same member again: nothing new
    expect(mai.locator("#check-in-result")).to_contain_text("Đồng chí đã điểm danh rồi")

    # Dũng is not signed in: he signs in first and lands checked in.
    dung = phone_page(browser)
    dung.goto(_decode(secretary))
    expect(dung).to_have_url(__import__("re").compile(r".*/login\?next=.*check-in.*"))
    dung.get_by_label("Số điện thoại hoặc tên đăng nhập").fill("0912000003")
    from handbook.demo import DEMO_PASSWORD

    dung.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    dung.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(dung.locator("#check-in-result")).to_have_text("Đã điểm danh: đồng chí có mặt.")

    # The secretary's screen followed, without a reload.
    expect(secretary.locator("li[data-status=present]")).to_have_count(2)
    expect(secretary.locator("[data-count=present]")).to_have_text("2")
    assert secretary.evaluate("() => window.stillTheSamePage === true")

    # Hoa is away with a reason: excluded from those convened (Quy định 24 §9.3).
    hoa = secretary.locator("li", has_text="Triệu Thị Hoa")
    hoa.get_by_label("Trạng thái của Triệu Thị Hoa").select_option("excused")
    hoa.get_by_label("Lý do (nếu vắng có lý do)").fill("Đi khám bệnh ở tỉnh")
    hoa.get_by_role("button", name="Lưu").click()
    expect(secretary.locator("li", has_text="Triệu Thị Hoa").locator(".att-status")).to_have_text(
        "Vắng có lý do: Đi khám bệnh ở tỉnh"
    )
    poll(secretary, "() => document.getElementById('attendance').dataset.live === '1'")
    counts = {
        key: secretary.locator(f"[data-count={key}]").text_content()
        for key in ("present", "convened", "eligible", "official_convened")
    }
    # Four official members; Hoa excused; the secretary has not checked in (convened, absent).
    assert counts == {"present": "2", "convened": "3", "eligible": "2", "official_convened": "3"}
    _look(secretary, shots, "attendance-sheet")

    secretary.goto(secretary.url.split("#")[0] + "/screen")
    assert "/check-in?t=" in _decode(secretary)
    _look(secretary, shots, "attendance-screen")

    # The meeting page: the secretary's way in, and the member's "already checked in".
    secretary.goto(meeting_url)
    expect(secretary.get_by_role("link", name="Điểm danh (đang mở)")).to_be_visible()
    mai.goto(meeting_url)
    expect(mai.locator("#my-check-in")).to_have_text("Đồng chí đã điểm danh: có mặt.")
    _look(mai, shots, "meeting-checked-in")
    for page in (secretary, mai, dung):
        page.context.close()
