"""On a 360 px phone the secretary sets the branch's regular meeting day, then starts a meeting
from the "regular meeting" template: the title, kind and agenda are filled in, and the meeting
is made with them. The demo branch's day is cleared again at the end (the live server is shared
with the other browser tests, whose secretaries must not get this reminder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from handbook.core.timeutil import to_local, utcnow
from handbook.meetings.agenda_templates import REGULAR
from handbook.orgs.rhythm import next_regular_day
from tests.browser.helpers import phone_page, sign_in
from tests.browser.look import checked, first_link


def test_secretary_sets_the_day_and_starts_from_a_template(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    page = phone_page(browser)
    sign_in(page, live_server, "0912000011")
    org = first_link(page, live_server, "/", r"/org/\d+")
    shots = artifacts_dir / "templates"
    shots.mkdir(exist_ok=True)
    try:
        # The regular day, on the members page: a day past short months' ends is kept.
        page.goto(f"{live_server}{org}/members")
        page.get_by_label("Ngày sinh hoạt thường kỳ hằng tháng (1 đến 31)").fill("32")
        page.locator("#rhythm-title ~ form button[type=submit]").click()
        expect(page.locator(".flash-error")).to_have_text(
            "Ngày sinh hoạt thường kỳ phải từ 1 đến 31."
        )
        checked(page, shots / "rhythm-refused-360.png")
        page.get_by_label("Ngày sinh hoạt thường kỳ hằng tháng (1 đến 31)").fill("31")
        page.get_by_label("Nhắc bí thư chuẩn bị tài liệu trước (số ngày)").fill("5")
        page.locator("#rhythm-title ~ form button[type=submit]").click()
        expect(page.locator(".flash-success")).to_contain_text("ngày 31 hằng tháng")
        expect(page.get_by_text("Lần tới: ngày")).to_be_visible()
        checked(page, shots / "rhythm-set-360.png")

        # The new-meeting form: a tap on the template fills it in (the script, in place).
        page.goto(f"{live_server}{org}/meetings/new")
        page.get_by_label("Ngày", exact=True).fill("31/12/2099")
        template = page.get_by_role("link", name=REGULAR.name)
        box = template.bounding_box()
        assert box and box["height"] >= 48
        template.click()
        expect(page).to_have_url(f"{live_server}{org}/meetings/new")  # no reload
        # The title names the month of the branch's next regular day.
        day = next_regular_day(to_local(utcnow()).date(), 31)
        expect(page.get_by_label("Tên buổi sinh hoạt")).to_have_value(REGULAR.title_for(day))
        agenda = page.get_by_label("Chương trình (mỗi nội dung một dòng)")
        expect(agenda).to_have_value(REGULAR.agenda_text)
        expect(page.get_by_label("Ngày", exact=True)).to_have_value("31/12/2099")  # kept
        checked(page, shots / "template-filled-360.png")
        page.get_by_label("Giờ", exact=True).fill("19:30")
        page.get_by_label("Địa điểm").fill("Nhà văn hóa thôn")
        page.get_by_role("button", name="Tạo buổi sinh hoạt").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã tạo buổi sinh hoạt")
        expect(page.get_by_role("heading", level=1)).to_contain_text(REGULAR.name)
        items = page.locator("ol.agenda > li")
        expect(items).to_have_count(len(REGULAR.items))
        expect(items.first).to_contain_text(REGULAR.items[0])
        checked(page, shots / "meeting-from-template-360.png")

        # Without the script, the template's link draws the same form filled in.
        page.goto(f"{live_server}{org}/meetings/new?template=thematic")
        expect(page.get_by_label("Loại")).to_have_value("thematic")
        expect(page.get_by_label("Chương trình (mỗi nội dung một dòng)")).to_contain_text(
            "Trình bày chuyên đề"
        )
    finally:
        page.goto(f"{live_server}{org}/members")
        page.get_by_label("Ngày sinh hoạt thường kỳ hằng tháng (1 đến 31)").fill("")
        page.locator("#rhythm-title ~ form button[type=submit]").click()
        expect(page.locator(".flash-success")).to_have_text("Đã bỏ ngày sinh hoạt thường kỳ.")
        page.context.close()
