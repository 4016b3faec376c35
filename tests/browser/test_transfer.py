"""Moving a member to another branch on a phone (360 × 740): the commune's committee officer
opens a branch's member list, taps "Chuyển sinh hoạt" on a member's row, chooses the other
branch, confirms, and is told it is done; the member then signs in and sees the new branch's
published meeting, and not the old branch's meeting published after the transfer. The form,
its confirmation and the member list after it are checked by axe-core and measured.

The live server is shared with the other browser tests: two branches and one member of their
own are made for this run (the demo's people and branches stay as they were)."""

from __future__ import annotations

import random
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from handbook.core.timeutil import to_local, utcnow
from tests.browser.helpers import phone_page, publish_now, sign_in
from tests.browser.look import checked

COMMITTEE = "0912000021"  # Đinh Thị Hạnh, the committee of Xã Tân Tiến
NEW_PASSWORD = "chuyen-sinh-hoat-2026"

# A server's first start (the demo data) on 2 shared cores.
pytestmark = pytest.mark.timeout(300)


def _branch(page: Any, base: str, name: str) -> str:
    """As the administrator: a branch of Xã Tân Tiến; its address."""
    page.goto(f"{base}/admin/tree")
    page.get_by_label("Trực thuộc").select_option(label="— — Xã Tân Tiến")
    page.get_by_label("Tên tổ chức").fill(name)
    page.get_by_label("Cấp").select_option("branch")
    page.get_by_role("button", name="Thêm tổ chức").click()
    page.get_by_role("link", name=name, exact=True).click()
    found = re.search(r"/org/(\d+)$", page.url)
    assert found, page.url
    return f"/org/{found.group(1)}"


def _meeting(page: Any, base: str, org: str, title: str, days: int) -> str:
    """As the administrator: a meeting of ``org`` in ``days`` days (a draft); its address.
    Sooner than the demo's meetings, so a member's home page shows it first."""
    day = to_local(utcnow()).date() + timedelta(days=days)
    page.goto(f"{base}{org}/meetings/new")
    page.get_by_label("Tên buổi sinh hoạt").fill(title)
    page.get_by_label("Ngày", exact=True).fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Giờ", exact=True).fill("19:30")
    page.get_by_label("Địa điểm").fill("Nhà văn hóa thôn")
    page.get_by_label("Chương trình (mỗi nội dung một dòng)").fill("Sinh hoạt thường kỳ")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Tạo buổi sinh hoạt").click()
    found = re.search(r"(/meetings/\d+)", page.url)
    assert found, page.url
    return found.group(1)


def test_a_committee_officer_moves_a_member_who_then_sees_the_new_branch(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    run = uuid.uuid4().hex[:6]
    source_name, destination_name = f"Chi bộ thôn Đi {run}", f"Chi bộ thôn Đến {run}"
    member_name = f"Lường Văn Chuyển {run}"
    phone = f"0985{random.randrange(10**6):06d}"  # noqa: S311 - a test's phone number

    admin = phone_page(browser)
    sign_in(admin, live_server, "admin")
    source = _branch(admin, live_server, source_name)
    destination = _branch(admin, live_server, destination_name)
    # The member, in the branch left: a one-time password to sign in with later.
    admin.goto(f"{live_server}{source}/members")
    admin.get_by_label("Họ và tên").fill(member_name)
    admin.get_by_label("Số điện thoại").fill(phone)
    admin.get_by_role("button", name="Tạo tài khoản").click()
    password = admin.locator("td.otp").text_content()
    assert password
    # The new branch's meeting is published; the old branch's next one is still a draft.
    new_title, old_title = f"Sinh hoạt chi bộ nơi đến {run}", f"Sinh hoạt chi bộ nơi đi {run}"
    _meeting(admin, live_server, destination, new_title, days=2)
    publish_now(admin)
    old_meeting = _meeting(admin, live_server, source, old_title, days=1)

    officer = phone_page(browser)
    sign_in(officer, live_server, COMMITTEE)
    officer.goto(f"{live_server}{source}/members")
    row = officer.locator("ul.members > li").filter(has_text=member_name)
    checked(officer, shots / "transfer-members-360.png")
    row.get_by_role("link", name="Chuyển sinh hoạt").click()
    expect(officer.locator("h1")).to_have_text("Chuyển sinh hoạt đảng")
    choice = officer.get_by_label("Chi bộ chuyển đến")
    # The commune's branches, grouped under it; not the branch left.
    expect(
        choice.locator("optgroup[label='Xã Tân Tiến'] option", has_text=destination_name)
    ).to_have_count(1)
    expect(choice.locator("option", has_text=source_name)).to_have_count(0)
    checked(officer, shots / "transfer-form-360.png")
    choice.select_option(label=destination_name)
    officer.get_by_label("Ghi chú (số quyết định, giấy giới thiệu…)").fill("Quyết định số 15-QĐ/ĐU")
    officer.get_by_role("button", name="Tiếp tục").click()
    expect(officer.locator("h1")).to_have_text("Xác nhận chuyển sinh hoạt")
    expect(officer.locator(".reasons")).to_contain_text(f"sinh hoạt ở {destination_name}")
    checked(officer, shots / "transfer-confirm-360.png")
    officer.get_by_role("button", name="Xác nhận chuyển sinh hoạt").click()
    expect(officer.locator(".flash-success")).to_contain_text(
        f"Đã chuyển đồng chí {member_name} từ {source_name} sang {destination_name}"
    )
    expect(officer.locator("#ended-title ~ ul")).to_contain_text(
        f"Chuyển sinh hoạt đến {destination_name}"
    )
    checked(officer, shots / "transfer-done-360.png")
    officer.context.close()

    # The old branch's meeting is published after the transfer: not for the member any more.
    admin.goto(f"{live_server}{old_meeting}")
    publish_now(admin)
    admin.context.close()

    member = phone_page(browser)
    sign_in(member, live_server, phone, password)
    expect(member).to_have_url(re.compile(r"/account/password"))
    member.get_by_label("Mật khẩu hiện tại").fill(password)
    member.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    member.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    member.get_by_role("button", name="Lưu mật khẩu mới").click()
    member.goto(f"{live_server}/")
    expect(member.get_by_text(new_title).first).to_be_visible()
    expect(member.get_by_text(old_title)).to_have_count(0)
    checked(member, shots / "transfer-member-home-360.png")
    member.get_by_text(new_title).first.click()
    expect(member.locator("h1")).to_have_text(new_title)
    response = member.goto(f"{live_server}{old_meeting}")
    assert response is not None and response.status == 404
    member.goto(f"{live_server}/notifications")
    expect(member.locator("ul.notifications")).to_contain_text(
        f"Đồng chí đã được chuyển sinh hoạt đến {destination_name}"
    )
    checked(member, shots / "transfer-member-notice-360.png")
    member.context.close()
