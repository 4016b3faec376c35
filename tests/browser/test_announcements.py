"""The committee's desk on a phone (360 × 740): the commune's committee officer writes an
announcement to every branch below and sends it now; a member of a branch sees it marked new
on the home page and reads it. Only one announcement (with no document) is added to the shared
server, titled for this run."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import phone_page, sign_in
from tests.browser.look import checked, open_page

COMMITTEE = "0912000021"
MEMBER = "0912000013"  # of the commune's second branch


def test_a_committee_tells_every_branch_and_a_member_reads_it(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    title = f"Lịch trực Tết của các chi bộ {uuid.uuid4().hex[:6]}"
    officer = phone_page(browser)
    try:
        sign_in(officer, live_server, COMMITTEE)
        officer.get_by_role("link", name="Xem và soạn thông báo").click()
        officer.get_by_role("link", name="Soạn thông báo").click()
        expect(officer.locator("h1")).to_have_text("Soạn thông báo")
        officer.get_by_label("Tiêu đề").fill(title)
        officer.get_by_label("Nội dung").fill(
            "Đề nghị các chi bộ phân công đảng viên trực Tết.\nBáo cáo về Đảng ủy trước ngày 20."
        )
        officer.get_by_label("Xã Tân Tiến và các tổ chức đảng trực thuộc", exact=False).check()
        officer.get_by_label("Gửi ngay").check()
        checked(officer, shots / "announcement-new-360.png")
        officer.get_by_role("button", name="Gửi thông báo").click()
        expect(officer.locator(".flash-success")).to_contain_text("Đã gửi thông báo.")
        expect(officer.locator("h1")).to_have_text(title)
        checked(officer, shots / "announcement-sent-360.png")
    finally:
        officer.context.close()

    member = phone_page(browser)
    try:
        sign_in(member, live_server, MEMBER)
        card = member.locator("section", has=member.locator("#home-announcements"))
        link = card.get_by_role("link", name=f"mới {title}")
        expect(link).to_be_visible()
        checked(member, shots / "announcement-home-360.png")
        link.click()
        expect(member.locator("h1")).to_have_text(title)
        expect(member.locator(".announcement-body")).to_contain_text("phân công đảng viên trực Tết")
        expect(member.get_by_text("Xã Tân Tiến và các tổ chức đảng trực thuộc")).to_be_visible()
        checked(member, shots / "announcement-read-360.png")
        open_page(member, f"{live_server}/")
        expect(member.get_by_role("link", name=title, exact=True)).to_be_visible()  # not new now
    finally:
        member.context.close()
