"""Participation across branches on a phone (360 × 740), #14 item 5's done-when: the demo
commune's officer compares the branches below it side by side and exports it to XLSX, then
opens one branch's members; the branch secretary sees their own branch. Nothing is changed
(no reminder is sent): the shared server's notifications and memberships stay as they were."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import expect

from tests.browser.helpers import phone_page, sign_in
from tests.browser.look import checked, open_page
from tests.helpers import demo_session

COMMITTEE = "0912000021"
SECRETARY = "0912000001"


def _own_org(live_server: str, login: str) -> int:
    me = demo_session(live_server, login).get(f"{live_server}/api/v1/me", timeout=30).json()
    return int(me["memberships"][0]["organization"]["id"])


def test_a_committee_compares_its_branches_and_exports_them(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    commune = _own_org(live_server, COMMITTEE)
    page = phone_page(browser)
    try:
        sign_in(page, live_server, COMMITTEE)
        open_page(page, f"{live_server}/org/{commune}/participation/branches")
        expect(page.locator("h1")).to_contain_text("Các chi bộ · Quý")
        table = page.get_by_role("region", name="Bảng so sánh các chi bộ, cuộn ngang")
        expect(table).to_be_visible()
        rows = table.locator("tbody tr")
        assert rows.count() >= 2  # at least one branch, and "Tất cả"
        expect(rows.last).to_contain_text("Tất cả")
        checked(page, shots / "participation-branches-360.png")

        with page.expect_download() as download:
            page.get_by_role("link", name="Tải XLSX").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        cells = list(sheet.iter_rows(values_only=True))
        assert cells[1][:3] == ("Chi bộ", "Số đảng viên", "Số buổi sinh hoạt")
        assert cells[-1][0] == "Tất cả"
        assert len(cells) == rows.count() + 2  # the title, the header, one row per table row

        first = rows.first.get_by_role("link")
        name = first.inner_text()
        first.click()
        expect(page.locator("h1")).to_contain_text("Tham gia sinh hoạt · Quý")
        expect(page.locator(".back")).to_contain_text(name)
        checked(page, shots / "participation-branch-committee-360.png")
    finally:
        page.context.close()


def test_a_secretary_sees_their_branch_across_meetings(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    branch = _own_org(live_server, SECRETARY)
    page = phone_page(browser)
    try:
        sign_in(page, live_server, SECRETARY)
        open_page(page, f"{live_server}/org/{branch}/participation")
        expect(page.locator("h1")).to_contain_text("Tham gia sinh hoạt · Quý")
        page.get_by_role("link", name="← Quý").click()  # the previous quarter, by a link
        expect(page.locator("h1")).to_contain_text("Tham gia sinh hoạt · Quý")
        open_page(page, f"{live_server}/org/{branch}/participation")
        checked(page, shots / "participation-branch-360.png")
    finally:
        page.context.close()
