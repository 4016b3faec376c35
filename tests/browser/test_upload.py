"""A secretary photographs a paper document page by page on a phone, puts the pages in order,
sends them as one document, and confirms the title the server read from it; a file that is not
a photo is refused in Vietnamese, in red."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, create_meeting, sign_in
from tests.browser.look import measure
from tests.docs_store import photos


@pytest.fixture(scope="module")
def photo_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return photos.sample_set(tmp_path_factory.mktemp("photos"))


def _shots(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "look"
    folder.mkdir(exist_ok=True)
    return folder


def _pages(page: Any) -> list[str]:
    return page.locator("#photo-pages .photo-name").all_text_contents()


def test_photos_in_order_become_one_document_whose_title_is_confirmed(
    page: Any, live_server: str, artifacts_dir: Path, photo_set: dict[str, Path]
) -> None:
    shots = _shots(artifacts_dir)
    sign_in(page, live_server, "0912000011")
    create_meeting(
        page,
        live_server,
        title="Sinh hoạt có ảnh chụp tài liệu",
        day="2099-11-05",
        place="Nhà văn hóa thôn",
        agenda="Thông báo kết quả chuyển đổi số",
    )
    # Two photos from the gallery, then the camera, one page after another.
    page.locator("#files").set_input_files(
        [str(photo_set["trang-2.png"]), str(photo_set["trang-1.jpg"])]
    )
    page.locator("#photos").set_input_files(str(photo_set["trang-3.heic"]))
    page.locator("#photos").set_input_files(str(photo_set["trang-2.png"]))  # one too many
    expect(page.locator("#photo-pages-hint")).to_have_text(
        "4 ảnh sẽ ghép thành một tài liệu 4 trang, theo thứ tự dưới đây."
    )
    assert _pages(page) == [
        "Trang 1: trang-2.png",
        "Trang 2: trang-1.jpg",
        "Trang 3: trang-3.heic",
        "Trang 4: trang-2.png",
    ]
    page.get_by_role("button", name="Bỏ trang 4 (trang-2.png)").click()
    page.get_by_role("button", name="Chuyển trang 2 lên trước").click()
    assert _pages(page) == ["Trang 1: trang-1.jpg", "Trang 2: trang-2.png", "Trang 3: trang-3.heic"]
    # The first page cannot go up, the last cannot go down.
    expect(page.get_by_role("button", name="Chuyển trang 1 lên trước")).to_be_disabled()
    expect(page.get_by_role("button", name="Chuyển trang 3 xuống sau")).to_be_disabled()
    # A picture of each JPEG and PNG page, upright; a HEIC one the browser cannot draw is named.
    thumbs = page.locator("#photo-pages .photo-thumb")
    expect(thumbs.locator("img")).to_have_count(2)
    expect(thumbs.nth(2)).to_have_text("Ảnh")
    tall = (
        "() => [...document.querySelectorAll('.photo-thumb img')]"
        ".map(i => i.naturalHeight > i.naturalWidth)"
    )
    assert page.evaluate(tall) == [True, True]  # trang-1.jpg's EXIF turn applied
    page.locator("#photo-pages").scroll_into_view_if_needed()
    page.screenshot(path=shots / "upload-photos-360.png", full_page=True)
    problems, _ = measure(page)
    assert problems == []
    assert axe_violations(page) == []

    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("#upload-list li").first).to_contain_text(
        "3 ảnh chụp → một tài liệu 3 trang"
    )
    # The page comes back with the document, read live, and its title offered to confirm.
    title = page.get_by_label("Tên của tệp “trang-1.pdf”")
    expect(title).to_be_visible(timeout=60_000)
    expect(title).to_have_value(photos.TITLE, timeout=120_000)
    expect(page.locator("#titles .hint")).to_have_text(
        "Lấy từ tiêu đề trong tài liệu. Sửa nếu cần, rồi xác nhận."
    )
    expect(page.locator("li.doc .doc-title")).to_have_text(photos.TITLE)
    page.locator("#titles").scroll_into_view_if_needed()
    page.screenshot(path=shots / "upload-title-360.png", full_page=True)
    problems, _ = measure(page)
    assert problems == []
    assert axe_violations(page) == []

    title.fill("Thông báo kết quả chuyển đổi số năm 2023")
    page.get_by_role("button", name="Xác nhận tên").click()
    expect(page.locator(".title-done")).to_have_text(
        "Đã xác nhận tên: “Thông báo kết quả chuyển đổi số năm 2023”."
    )
    link = page.get_by_role("link", name="Thông báo kết quả chuyển đổi số năm 2023")
    expect(link).to_be_visible()
    link.click()
    reader = page.locator("article.reader")
    for heading, _, words in photos.PAGES:
        expect(reader).to_contain_text(heading)
        expect(reader).to_contain_text(words)
    text = reader.inner_text()
    assert text.index("TRANG HAI") < text.index("TRANG BA")  # the pages in the chosen order


def test_a_file_that_is_not_a_photo_is_refused_in_red(
    page: Any, live_server: str, artifacts_dir: Path, photo_set: dict[str, Path]
) -> None:
    sign_in(page, live_server, "0912000011")
    create_meeting(
        page,
        live_server,
        title="Sinh hoạt thử ảnh hỏng",
        day="2099-11-06",
        place="Nhà văn hóa thôn",
        agenda="Thảo luận",
    )
    page.locator("#photos").set_input_files(
        [str(photo_set["trang-1.jpg"]), str(photo_set["zip.jpg"])]
    )
    page.get_by_role("button", name="Tải lên").click()
    refused = page.locator("#upload-list li.refused")
    expect(refused).to_contain_text("anh-nen.jpg: không phải ảnh JPEG, PNG hay HEIC")
    expect(refused.get_by_role("alert")).to_be_visible()
    expect(page.locator("li.doc")).to_have_count(0)  # nothing half made
    page.screenshot(path=_shots(artifacts_dir) / "upload-photo-refused-360.png", full_page=True)


def test_photos_chosen_before_the_upload_script_came_are_kept(
    browser: Any, live_server: str, photo_set: dict[str, Path]
) -> None:
    """On a stalling network the page is drawn before its upload script arrives, and a
    secretary may choose photos then: the script, once it runs, takes them as pages. (No
    service worker here: it would answer the script from its cache, past the route.)"""
    page = browser.new_context(service_workers="block", viewport={"width": 360, "height": 740})
    page = page.new_page()
    sign_in(page, live_server, "0912000011")
    create_meeting(
        page,
        live_server,
        title="Sinh hoạt chọn ảnh sớm",
        day="2099-11-07",
        place="Nhà văn hóa thôn",
        agenda="Thảo luận",
    )
    meeting_url = page.url.split("#")[0]
    page.route("**/js/forms.*", lambda route: route.abort())
    page.goto(meeting_url)
    script = page.locator("script[src*='/js/forms.']").get_attribute("src")
    page.locator("#files").set_input_files(
        [str(photo_set["trang-1.jpg"]), str(photo_set["trang-2.png"])]
    )
    page.unroute("**/js/forms.*")
    page.add_script_tag(url=script)
    expect(page.locator("#photo-pages-hint")).to_have_text(
        "2 ảnh sẽ ghép thành một tài liệu 2 trang, theo thứ tự dưới đây."
    )
    assert _pages(page) == ["Trang 1: trang-1.jpg", "Trang 2: trang-2.png"]
    page.context.close()
