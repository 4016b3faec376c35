"""Text the secretary can trust, on a 360 × 740 phone (issue #14 item 3): a scanned document
read by the real OCR is flagged to everyone, and the words OCR was unsure of are marked for the
secretary only; the secretary corrects a marked paragraph through the plain form; a member then
reads the corrected words. The document is uploaded here (a copy of the demo's scanned notice,
never a demo document: the live server is shared with the other browser tests)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import create_meeting, phone_page, publish_now, sign_in
from tests.browser.look import checked, open_page
from tests.docs_store.test_pdf_paths import DEMO_SCAN

SECRETARY, MEMBER = "0912000001", "0912000003"
FLAG = "Văn bản quét — có thể có lỗi nhận dạng chữ"
CORRECTED = "Chi bộ thống nhất đẩy mạnh chuyển đổi số trong sinh hoạt đảng ở thôn Nà Phìa."


def _wait_until_read(page: Any, url: str, timeout: float = 180.0) -> None:
    """The meeting's page, reloaded until its document has been read (OCR takes seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        open_page(page, url)
        if page.locator("li.doc[data-status=ready]").count():
            return
        assert time.monotonic() < deadline, "the scan was not read in time"
        time.sleep(2)


def test_the_secretary_corrects_a_scanned_paragraph_and_members_read_it(
    browser: Any, live_server: str, artifacts_dir: Path, tmp_path: Path
) -> None:
    shots = artifacts_dir / "correction"
    shots.mkdir(exist_ok=True)
    scan = tmp_path / "nghi-quyet-quet.pdf"
    scan.write_bytes(DEMO_SCAN.read_bytes())
    secretary, member = phone_page(browser), phone_page(browser)
    try:
        sign_in(secretary, live_server, SECRETARY)
        create_meeting(
            secretary,
            live_server,
            title="Sinh hoạt soát văn bản quét",
            day="2099-06-09",
            place="Nhà văn hóa thôn",
            agenda="Học tập nghị quyết",
        )
        meeting_url = secretary.url
        secretary.locator("#files").set_input_files(str(scan))
        secretary.get_by_role("button", name="Tải lên").click()
        expect(secretary.locator("#upload-list li").first).to_be_visible()
        _wait_until_read(secretary, meeting_url)
        publish_now(secretary)
        document = secretary.locator("li.doc").first
        expect(document).to_contain_text("văn bản quét, có thể có lỗi nhận dạng chữ")
        with secretary.expect_navigation():
            document.locator(".doc-title").click()
        document_url = secretary.url.split("#")[0]

        flag = secretary.locator("#scanned")
        expect(flag).to_contain_text(FLAG)
        expect(flag).to_contain_text("đoạn chưa soát")
        expect(secretary.locator("#unsure a")).to_contain_text("chỗ chưa chắc chắn — soát lại")
        expect(secretary.locator("article.reader mark.unsure").first).to_be_visible()
        checked(secretary, shots / "secretary-scanned-360.png")

        paragraph = secretary.locator("article.reader .page p[data-n]:has(mark.unsure)").first
        number = paragraph.get_attribute("data-n")
        with secretary.expect_navigation():
            paragraph.locator("a.fix").click()
        expect(secretary.locator("h1")).to_have_text(f"Sửa đoạn {number}")
        box = secretary.get_by_label(f"Nội dung đoạn {number}")
        misread = box.input_value()
        assert misread and misread != CORRECTED
        expect(secretary.locator("#unsure mark.unsure").first).to_be_visible()
        box.fill(CORRECTED)
        checked(secretary, shots / "secretary-correct-form-360.png")
        with secretary.expect_navigation():
            secretary.get_by_role("button", name="Lưu đoạn đã sửa").click()
        expect(secretary.locator(".flash-success")).to_contain_text(f"Đã sửa đoạn {number}.")
        expect(secretary.locator(f"#p-{number}")).to_contain_text(CORRECTED)
        expect(secretary.locator(f"#p-{number} mark.unsure")).to_have_count(0)
        checked(secretary, shots / "secretary-corrected-360.png")

        sign_in(member, live_server, MEMBER)
        open_page(member, document_url)
        expect(member.locator(f"#p-{number}")).to_contain_text(CORRECTED)
        expect(member.locator(f"#p-{number}")).not_to_contain_text(misread)
        expect(member.locator("#scanned")).to_contain_text(FLAG)
        expect(member.locator("#scanned")).not_to_contain_text("chưa soát")
        expect(member.locator("a.fix")).to_have_count(0)
        expect(member.locator("mark.unsure, #unsure")).to_have_count(0)
        checked(member, shots / "member-corrected-360.png")
        open_page(member, meeting_url)
        expect(member.locator("li.doc .doc-scan").first).to_contain_text("văn bản quét")
        checked(member, shots / "member-meeting-scanned-360.png")
    finally:
        secretary.context.close()
        member.context.close()
