"""Publishing and moderating on a 360 px phone, against the real server and its job worker
(issue #14 item 1): the publish card says who will be told and when, nothing is chosen
beforehand, a meeting with no document asks first, and once published every part of the page
says what is stored; without JavaScript the same form works. The secretary hides a comment
with a reason in a form under it and shows it again, and the readers see both live."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from handbook.core.templating import vn_datetime
from handbook.core.timeutil import VIETNAM_TZ
from tests.browser.helpers import create_meeting, phone_page, poll, sign_in
from tests.browser.look import checked

SECRETARY, LAN, PAO = "0912000011", "0912000012", "0912000013"
BRANCH = "Chi bộ thôn Khuổi Luông"


def _shots(artifacts_dir: Path) -> Path:
    shots = artifacts_dir / "publishing"
    shots.mkdir(exist_ok=True)
    return shots


def _checked(page: Any, name: str, shots: Path) -> None:
    checked(page, shots / f"{name}.png")


def _main_text(page: Any) -> str:
    return page.locator("main").inner_text()


def test_the_secretary_is_told_what_will_happen_and_sees_what_is_stored(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = _shots(artifacts_dir)
    member = phone_page(browser)
    sign_in(member, live_server, LAN)  # the app open on the home page: told live
    secretary = phone_page(browser)
    try:
        sign_in(secretary, live_server, SECRETARY)
        create_meeting(
            secretary,
            live_server,
            title="Họp chi bộ bàn công tác phát triển đảng viên",
            day="2099-03-05",
            place="Nhà văn hóa thôn Khuổi Luông",
            agenda="Phát triển đảng viên năm 2099",
        )
        card = secretary.locator("#publish")
        now, later = card.get_by_label("Công bố ngay"), card.get_by_label("Hẹn giờ công bố")
        plan = card.locator("#publish-plan")
        when_later = card.locator("[data-when-later]")
        # Nothing chosen for the secretary; the date and time wait for "Hẹn giờ".
        expect(now).not_to_be_checked()
        expect(later).not_to_be_checked()
        expect(when_later).to_be_hidden()
        expect(plan).to_contain_text(f"Khi công bố, 2 đảng viên của {BRANCH} sẽ nhận thông báo")

        # "Công bố" with nothing chosen: said at once, nothing sent.
        address = secretary.url
        card.get_by_role("button", name="Công bố", exact=True).click()
        error = card.locator("#when-error")
        expect(error).to_have_text("Vui lòng chọn “Công bố ngay” hoặc “Hẹn giờ công bố”.")
        assert secretary.url == address
        expect(now).to_have_attribute("aria-invalid", "true")
        _checked(secretary, "secretary-meeting-unchosen-360", shots)

        later.check()
        expect(when_later).to_be_visible()
        expect(error).to_be_hidden()
        # No date yet: the server says so, on the publish screen, with the choice kept.
        card.get_by_role("button", name="Công bố", exact=True).click()
        expect(secretary.locator("#date-error")).to_have_text("Vui lòng nhập ngày công bố.")
        expect(later).to_be_checked()
        _checked(secretary, "secretary-publish-error-360", shots)
        date, clock = (
            card.get_by_role("textbox", name="Ngày công bố"),
            card.get_by_role("textbox", name="Giờ công bố"),
        )
        expect(date).to_have_attribute("required", "")
        date.press_sequentially("01032099")
        expect(date).to_have_value("01/03/2099")  # the number pad has no "/": it comes by itself
        expect(secretary.locator("#date-error")).to_be_hidden()  # being corrected
        clock.press_sequentially("0700")
        moment = vn_datetime(datetime(2099, 3, 1, 7, 0, tzinfo=VIETNAM_TZ))
        expect(plan).to_have_text(
            f"Khi công bố, 2 đảng viên của {BRANCH} sẽ nhận thông báo lúc {moment}."
        )
        _checked(secretary, "secretary-publish-later-360", shots)

        now.check()
        expect(when_later).to_be_hidden()
        assert card.locator("#date").get_attribute("required") is None
        expect(plan).to_have_text(f"Khi công bố, 2 đảng viên của {BRANCH} sẽ nhận thông báo ngay.")
        card.get_by_role("button", name="Công bố", exact=True).click()

        # No document yet: a second step says why, and what will happen.
        expect(secretary.get_by_role("heading", level=1)).to_have_text("Xác nhận công bố")
        expect(secretary.locator(".reasons")).to_contain_text(
            "Buổi sinh hoạt chưa có tài liệu nào."
        )
        expect(secretary.locator("#publish-plan")).to_have_text(
            f"Khi công bố, 2 đảng viên của {BRANCH} sẽ nhận thông báo ngay."
        )
        expect(secretary.locator("#publication-state")).to_have_text("Chưa công bố (bản nháp)")
        _checked(secretary, "secretary-publish-confirm-360", shots)
        secretary.get_by_role("button", name="Vẫn công bố").click()

        # Published: every part of the page says so, as stored, now and after a reload.
        expect(secretary.get_by_role("heading", level=1)).to_have_text(
            "Họp chi bộ bàn công tác phát triển đảng viên"
        )
        expect(secretary.locator(".flash-success")).to_have_text(
            "Đã công bố. 2 đảng viên đã được thông báo."
        )
        state = secretary.locator("#publication-state")
        expect(state).to_have_text(re.compile(r"^Đã công bố lúc \d\d:\d\d, "))
        expect(secretary.locator("#publish-form")).to_have_count(0)
        assert "hẹn" not in _main_text(secretary).lower()
        shown = state.inner_text()
        _checked(secretary, "secretary-published-360", shots)
        secretary.reload()
        expect(state).to_have_text(shown)
        assert "hẹn" not in _main_text(secretary).lower()

        # And those counted were told: the member's open page pops the notice up.
        popup = member.locator("#notice-popup")
        expect(popup).to_contain_text("Họp chi bộ bàn công tác phát triển đảng viên")
    finally:
        secretary.context.close()
        member.context.close()


def test_publishing_works_without_javascript(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = _shots(artifacts_dir)
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server, SECRETARY)
        create_meeting(
            page,
            live_server,
            title="Sinh hoạt chuyên đề hẹn giờ (không JavaScript)",
            day="2099-04-05",
            place="Nhà văn hóa thôn",
            agenda="Học tập chuyên đề",
        )
        card = page.locator("#publish")
        when_later = card.locator("[data-when-later]")
        expect(when_later).to_be_hidden()  # CSS :has(), no script
        card.get_by_label("Hẹn giờ công bố").check()
        expect(when_later).to_be_visible()
        card.get_by_role("textbox", name="Giờ công bố").fill("07:00")
        card.get_by_role("button", name="Công bố", exact=True).click()

        # The server's answer: the form again, the choice kept, each field saying what is wrong.
        expect(page.locator(".flash-error")).to_have_text("Vui lòng nhập ngày công bố.")
        field = page.get_by_role("textbox", name="Ngày công bố")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#date-error")).to_have_text("Vui lòng nhập ngày công bố.")
        expect(page.get_by_label("Hẹn giờ công bố")).to_be_checked()
        expect(page.get_by_role("textbox", name="Giờ công bố")).to_have_value("07:00")
        # (axe and the measures run scripts: they are run on this page with JavaScript above)
        page.screenshot(path=shots / "secretary-publish-error-nojs-360.png", full_page=True)

        field.fill("01/04/2099")
        page.get_by_role("button", name="Công bố", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận công bố")
        page.get_by_role("button", name="Vẫn công bố").click()
        moment = vn_datetime(datetime(2099, 4, 1, 7, 0, tzinfo=VIETNAM_TZ))
        expect(page.locator("#publication-state")).to_have_text(f"Hẹn công bố lúc {moment}")
        expect(page.locator(".flash-success")).to_contain_text(f"Đã hẹn giờ công bố lúc {moment}")
    finally:
        context.close()


def _socket_ready(page: Any) -> None:
    poll(page, "() => Boolean(window.handbookSocket && window.handbookSocket.connected)")


def test_a_comment_is_hidden_with_a_reason_and_shown_again_live(
    browser: Any, live_server: str, artifacts_dir: Path, tmp_path: Path
) -> None:
    shots = _shots(artifacts_dir)
    secretary, lan, pao = phone_page(browser), phone_page(browser), phone_page(browser)
    try:
        sign_in(secretary, live_server, SECRETARY)
        create_meeting(
            secretary,
            live_server,
            title="Sinh hoạt thường kỳ có góp ý cần ẩn",
            day="2099-05-05",
            place="Nhà văn hóa thôn",
            agenda="Thảo luận",
        )
        text = tmp_path / "ke-hoach-thon.txt"
        text.write_text(
            "KẾ HOẠCH\n\nChi bộ triển khai chuyển đổi số trong sinh hoạt.\n", encoding="utf-8"
        )
        secretary.locator("#files").set_input_files(str(text))
        secretary.get_by_role("button", name="Tải lên").click()
        expect(secretary.locator("li.doc[data-status=ready]")).to_have_count(1, timeout=60_000)
        secretary.reload()
        secretary.locator("#publish").get_by_label("Công bố ngay").check()
        secretary.get_by_role("button", name="Công bố", exact=True).click()
        # Read already: no second step.
        expect(secretary.locator(".flash-success")).to_contain_text("Đã công bố.")
        document = secretary.locator("li.doc a").first.get_attribute("href")
        meeting = secretary.url

        sign_in(lan, live_server, LAN)
        lan.goto(f"{live_server}{document}")
        _socket_ready(lan)
        lan.locator("#comment-body").fill("Ý kiến này lạc đề, xin để sau.")
        lan.get_by_role("button", name="Gửi góp ý").click()
        mine = lan.locator(".comment.mine:not(.pending)", has_text="lạc đề")
        expect(mine).to_have_count(1)

        sign_in(pao, live_server, PAO)
        pao.goto(f"{live_server}{document}")
        _socket_ready(pao)
        theirs = pao.locator(".comment", has_text="Lục Thị Lan")
        expect(theirs).to_contain_text("Ý kiến này lạc đề")

        secretary.goto(f"{live_server}{document}")
        _socket_ready(secretary)
        item = secretary.locator(".comment", has_text="Lục Thị Lan")
        item.get_by_role("button", name="Ẩn").click()
        form = item.locator(".hide-form")
        expect(form.get_by_label("Lý do ẩn (tác giả sẽ thấy lý do này)")).to_be_focused()
        form.get_by_role("button", name="Ẩn góp ý").click()  # no reason yet
        expect(form.locator(".field-error")).to_have_text(
            "Vui lòng ghi lý do ẩn góp ý (tác giả sẽ thấy lý do này)."
        )
        _checked(secretary, "secretary-hide-form-360", shots)
        form.get_by_label("Lý do ẩn (tác giả sẽ thấy lý do này)").fill("Chưa đúng nội dung")
        form.get_by_role("button", name="Ẩn góp ý").click()

        expect(item.locator(".comment-body")).to_have_text("Góp ý đã ẩn.")
        expect(item.get_by_role("button", name="Hiện lại")).to_be_visible()
        # Live, without reloading: others read "đã ẩn", the author reads why.
        expect(theirs.locator(".comment-body")).to_have_text("Góp ý đã ẩn.")
        expect(mine).to_contain_text("Bí thư đã ẩn góp ý này: Chưa đúng nội dung.")
        expect(mine).to_contain_text("Ý kiến này lạc đề")
        _checked(secretary, "secretary-comment-hidden-360", shots)
        lan.screenshot(path=shots / "author-comment-hidden-360.png", full_page=True)

        item.get_by_role("button", name="Hiện lại").click()
        expect(theirs.locator(".comment-body")).to_have_text("Ý kiến này lạc đề, xin để sau.")
        expect(mine).not_to_contain_text("Bí thư đã ẩn")
        expect(item.get_by_role("button", name="Ẩn")).to_be_visible()

        # The record's page: the same, as forms (hide with a reason, or "Hiện lại").
        secretary.goto(f"{meeting}/comments")
        record = secretary.locator(".record-item", has_text="Lục Thị Lan")
        record.locator("summary", has_text="Ẩn góp ý").click()
        record.locator("details form").get_by_role("button", name="Ẩn góp ý").click()
        expect(record.locator(".field-error")).to_contain_text("Vui lòng ghi lý do ẩn góp ý")
        record = secretary.locator(".record-item", has_text="Lục Thị Lan")
        record.get_by_label(re.compile("^Lý do ẩn góp ý của")).fill("Trùng ý")
        _checked(secretary, "secretary-record-hide-360", shots)
        record.locator("details form").get_by_role("button", name="Ẩn góp ý").click()
        expect(secretary.locator(".flash-success")).to_contain_text("Đã ẩn góp ý.")
        expect(theirs.locator(".comment-body")).to_have_text("Góp ý đã ẩn.")  # live from a form
        record = secretary.locator(".record-item", has_text="Lục Thị Lan")
        expect(record.locator(".record-hidden")).to_have_text("Đã ẩn: Trùng ý")
        _checked(secretary, "secretary-record-hidden-360", shots)
        record.get_by_role("button", name="Hiện lại").click()
        expect(secretary.locator(".flash-success")).to_have_text("Đã hiện lại góp ý cho mọi người.")
        expect(theirs.locator(".comment-body")).to_have_text("Ý kiến này lạc đề, xin để sau.")
    finally:
        for page in (secretary, lan, pao):
            page.context.close()
