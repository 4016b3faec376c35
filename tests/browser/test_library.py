"""The branch's library on a phone (360 × 740): a member saves a demo document, writes a
private note on one of its paragraphs (through the paragraph's tap menu), finds both in "Tài
liệu của tôi", then opens the branch's library and filters it by kind. Only the member's own
bookmark and note are added: the shared server's documents and memberships stay as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import phone_page, sign_in
from tests.browser.look import checked, open_page
from tests.helpers import demo_session, ready_document_id

MEMBER = "0912000004"
NOTE = "Hỏi thêm bí thư về thời hạn thực hiện đoạn này"


def test_a_member_saves_notes_and_finds_them_in_the_library(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    document_id = ready_document_id(live_server, demo_session(live_server, MEMBER))
    page = phone_page(browser)
    try:
        sign_in(page, live_server, MEMBER)
        open_page(page, f"{live_server}/documents/{document_id}")
        title = page.locator("h1").inner_text()
        if page.get_by_role("button", name="Đã lưu · Bỏ lưu").count():  # a rerun: start afresh
            page.get_by_role("button", name="Đã lưu · Bỏ lưu").click()
        page.get_by_role("button", name="Lưu tài liệu").click()
        expect(page.get_by_text("Đã lưu vào Tài liệu của tôi.")).to_be_visible()
        expect(page.get_by_role("button", name="Đã lưu · Bỏ lưu")).to_be_visible()

        # Tap a paragraph, then "Ghi chú riêng": the form is filled with its number.
        paragraph = page.locator("article.reader .page p[data-n]").nth(1)
        number = paragraph.get_attribute("data-n")
        paragraph.click()
        page.locator("#tap-note").click()
        expect(page.locator("#note-paragraph")).to_have_value(str(number))
        expect(page.locator("#note-body")).to_be_focused()
        page.locator("#note-body").fill(NOTE)
        page.get_by_role("button", name="Lưu ghi chú riêng").click()
        expect(page.get_by_text("Đã lưu ghi chú riêng.")).to_be_visible()
        note = page.locator(f"#note-{number}")
        expect(note).to_contain_text(NOTE)
        expect(page.locator("#notes")).to_contain_text("Ghi chú riêng — chỉ đồng chí thấy")
        note.scroll_into_view_if_needed()
        checked(page, shots / "member-library-document-360.png")

        # "Tài liệu của tôi", from the menu.
        page.locator("#menu summary").click()
        page.get_by_role("link", name="Tài liệu của tôi").click()
        expect(page.locator("h1")).to_have_text("Tài liệu của tôi")
        item = page.locator(".shelf-item", has_text=title)
        expect(item).to_contain_text(NOTE)
        expect(item).to_contain_text(f"Đoạn {number}")
        checked(page, shots / "member-library-mine-360.png")

        # The branch's library, filtered by kind without a script (plain links).
        page.locator("#menu summary").click()
        page.get_by_role("link", name="Thư viện chi bộ", exact=True).click()
        expect(page.locator("h1")).to_contain_text("Thư viện")
        expect(page.get_by_role("link", name=title)).to_be_visible()
        checked(page, shots / "member-library-branch-360.png")
        page.get_by_role("link", name="Nghị quyết", exact=False).first.click()
        assert "kind=nghi-quyet" in page.url
        expect(page.locator("[aria-current=true]").first).to_contain_text("Nghị quyết")
        for kind_shown in page.locator(".doc-meta").all_inner_texts():
            assert kind_shown.startswith("Nghị quyết"), kind_shown
        checked(page, shots / "member-library-branch-nghi-quyet-360.png")
    finally:
        page.context.close()
