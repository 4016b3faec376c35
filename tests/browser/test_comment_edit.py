"""A member corrects their own comment in the comment itself, on a 360 × 740 phone: "Sửa" opens
a large box with "Lưu" and "Hủy" (never the browser's prompt), the words go through the same
Socket.IO event as before and reach the other readers live; what the server refuses is said
next to the box in its own words, the typed words stay through a refusal and a dropped
connection, and nothing arriving live meanwhile (others' comments, a change of this comment
made elsewhere) replaces what is being typed."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import phone_page, poll, sign_in
from tests.browser.look import checked

MEMBER, SECRETARY = "0912000004", "0912000001"  # Triệu Thị Hoa; the branch's secretary
LABEL = "Sửa góp ý của đồng chí"
#: A newer copy of the comment being edited has come live and waits for the form to close.
_NEWER = "() => document.getElementById('{}').hasAttribute('data-newer-version')"


def _open_resolution(page: Any, base: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name="Dự thảo Nghị quyết tháng 12").click()
    expect(page.locator("#composer")).to_be_visible(timeout=60_000)
    _connected(page)


def _connected(page: Any) -> None:
    assert poll(page, "() => Boolean(window.handbookSocket && window.handbookSocket.connected)")


def _noting(dialogs: list[str], who: str) -> Callable[[Any], None]:
    """A dialog handler: the dialog noted for the test to fail on, and dismissed."""

    def note(dialog: Any) -> None:
        dialogs.append(f"{who}: {dialog.type} {dialog.message}")
        dialog.dismiss()

    return note


def _reader(browser: Any, base: str, login: str, dialogs: list[str]) -> Any:
    """A phone signed in as ``login`` on the resolution; any dialog it opens is noted (and
    dismissed) for the test to fail on."""
    page = phone_page(browser)
    page.on("dialog", _noting(dialogs, login))
    sign_in(page, base, login)
    _open_resolution(page, base)
    return page


def _post(page: Any, text: str) -> Any:
    """A comment on the document as a whole, once stored (its buttons drawn)."""
    page.locator("#comment-body").fill(text)
    page.get_by_role("button", name="Gửi góp ý").click()
    stored = page.locator(".comment.mine:not(.pending)", has_text=text)
    expect(stored.get_by_role("button", name="Sửa", exact=True)).to_be_visible()
    return page.locator("#" + stored.get_attribute("id"))  # the same comment, whatever it says


def _reveal(page: Any, text: str) -> Any:
    """Another reader's new comment, behind its "N góp ý mới" button: tapped, and shown."""
    banner = page.locator("#new-comments")
    expect(banner).to_contain_text("góp ý mới")
    banner.click()
    shown = page.locator(".comment", has_text=text)
    expect(shown).to_have_count(1)
    return page.locator("#" + shown.get_attribute("id"))


@contextlib.contextmanager
def _two_phones(
    browser: Any, base: str, original: str, dialogs: list[str]
) -> Iterator[tuple[Any, Any, Any, Any]]:
    """Hoa's and the secretary's phones on the resolution, Hoa's comment ``original`` posted
    and shown on both: (hoa, thang, Hoa's comment on hers, the same on his)."""
    hoa = _reader(browser, base, MEMBER, dialogs)
    thang = _reader(browser, base, SECRETARY, dialogs)
    try:
        mine = _post(hoa, original)
        yield hoa, thang, mine, _reveal(thang, original)
    finally:
        hoa.context.close()
        thang.context.close()


def _edit(comment: Any) -> tuple[Any, Any]:
    """Tap the comment's "Sửa": its form and the box in it."""
    comment.get_by_role("button", name="Sửa", exact=True).click()
    form = comment.locator("form.edit-form")
    return form, form.get_by_label(LABEL)


def test_a_member_edits_a_comment_in_place_and_readers_see_it_live(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    original = f"Đề nghị bổ sung thời hạn hoàn thành ({tag})."
    dialogs: list[str] = []
    with _two_phones(browser, live_server, original, dialogs) as (hoa, thang, mine, theirs):
        # "Sửa": the words in a large box in the comment itself, ready to type.
        form, box = _edit(mine)
        expect(box).to_be_focused()
        expect(box).to_have_value(original)
        expect(mine.locator(".comment-body")).to_be_hidden()
        expect(mine.get_by_role("button", name="Sửa", exact=True)).to_be_hidden()
        expect(form.get_by_role("button", name="Lưu", exact=True)).to_be_visible()
        expect(form.get_by_role("button", name="Hủy", exact=True)).to_be_visible()
        assert box.evaluate("b => b.maxLength") == 5000  # operations.MAX_BODY
        assert box.evaluate("b => parseFloat(getComputedStyle(b).fontSize)") >= 18
        shots = artifacts_dir / "look"
        shots.mkdir(exist_ok=True)
        mine.scroll_into_view_if_needed()
        hoa.screenshot(path=shots / "member-comment-edit-360.png")
        checked(hoa, shots / "member-comment-edit-360-full.png")  # axe, 48 px, 18 px
        hoa.emulate_media(color_scheme="dark")
        checked(hoa, shots / "member-comment-edit-360-dark.png")
        hoa.emulate_media(color_scheme="light")

        # Escape puts it back as it was.
        box.fill("Một câu sẽ bỏ đi")
        box.press("Escape")
        expect(form).to_have_count(0)
        expect(mine.locator(".comment-body")).to_have_text(original)
        expect(mine.get_by_role("button", name="Sửa", exact=True)).to_be_focused()

        # Two lines (Enter is a new line in the box, never "save").
        mine.get_by_role("button", name="Sửa", exact=True).click()
        expect(box).to_have_value(original)
        box.fill("")
        box.press_sequentially("Đề nghị hoàn thành trước ngày 20/12.")
        box.press("Enter")
        box.press_sequentially("Giao đồng chí Dũng theo dõi.")
        typed = "Đề nghị hoàn thành trước ngày 20/12.\nGiao đồng chí Dũng theo dõi."
        expect(box).to_have_value(typed)

        # Meanwhile, someone else's comment arrives: it waits behind its button, the box stays.
        thang.locator("#comment-body").fill(f"Nhất trí với đồng chí Hoa ({tag}).")
        thang.get_by_role("button", name="Gửi góp ý").click()
        expect(hoa.locator("#new-comments")).to_contain_text("góp ý mới")
        expect(box).to_have_value(typed)

        # ... and the same comment is changed from Hoa's other tab (Ctrl+Enter saves there): its
        # broadcast reaches this tab, which keeps the box as typed.
        other = hoa.context.new_page()
        other.on("dialog", _noting(dialogs, "other tab"))
        _open_resolution(other, live_server)
        there = other.locator("#" + mine.get_attribute("id"))
        there.get_by_role("button", name="Sửa", exact=True).click()
        there.get_by_label(LABEL).fill(f"Sửa từ máy khác ({tag}).")
        there.get_by_label(LABEL).press("Control+Enter")
        expect(there.locator(".comment-body")).to_have_text(f"Sửa từ máy khác ({tag}).")
        expect(theirs.locator(".comment-body")).to_have_text(f"Sửa từ máy khác ({tag}).")
        assert poll(hoa, _NEWER.format(mine.get_attribute("id")))
        expect(box).to_have_value(typed)
        expect(form).to_be_visible()
        other.close()

        # The network drops: "Lưu" says so, the words stay; back online, "Lưu" again works.
        hoa.context.set_offline(True)
        hoa.evaluate("window.handbookSocket.io.engine.close()")
        assert poll(hoa, "() => !window.handbookSocket.connected")
        form.get_by_role("button", name="Lưu", exact=True).click()
        error = form.locator(".field-error")
        expect(error).to_have_text("Đang mất kết nối, vui lòng thử lại sau.")
        expect(error).to_have_attribute("role", "alert")
        expect(box).to_have_value(typed)
        hoa.context.set_offline(False)
        _connected(hoa)
        form.get_by_role("button", name="Lưu", exact=True).click()
        expect(form).to_have_count(0)
        body = mine.locator(".comment-body")
        expect(body).to_have_text(typed)
        assert body.inner_text().splitlines() == typed.splitlines()  # two lines on screen
        expect(mine.locator(".comment-head")).to_contain_text("đã sửa")
        expect(mine.get_by_role("button", name="Sửa", exact=True)).to_be_focused()

        # The other reader sees it live, both lines.
        expect(theirs.locator(".comment-body")).to_have_text(typed)
        expect(theirs.locator(".comment-head")).to_contain_text("đã sửa")
        hoa.screenshot(path=shots / "member-comment-edited-360.png")
        assert dialogs == []


def test_a_refused_edit_keeps_the_words_and_says_why(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    original = f"Góp ý sẽ được sửa rồi bị ẩn ({tag})."
    dialogs: list[str] = []
    with _two_phones(browser, live_server, original, dialogs) as (hoa, thang, mine, theirs):
        form, box = _edit(mine)
        save = form.get_by_role("button", name="Lưu", exact=True)
        error = form.locator(".field-error")

        # Empty (spaces and lines only): the server's words, said at once; nothing sent.
        box.fill("   \n  ")
        save.click()
        expect(error).to_have_text("Góp ý đang để trống.")
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_be_focused()
        expect(box).to_have_value("   \n  ")
        expect(theirs.locator(".comment-body")).to_have_text(original)

        # While Hoa types, the secretary hides the comment: the box stays as typed, and "Lưu"
        # brings the server's refusal in its words, the words still in the box.
        words = f"Lời sửa gửi sau khi bị ẩn ({tag})."
        box.fill(words)
        theirs.get_by_role("button", name="Ẩn", exact=True).click()
        thang.get_by_label("Lý do ẩn (tác giả sẽ thấy lý do này)").fill("Trùng nội dung")
        thang.get_by_role("button", name="Ẩn góp ý").click()
        expect(theirs.get_by_role("button", name="Hiện lại")).to_be_visible()
        assert poll(hoa, _NEWER.format(mine.get_attribute("id")))
        expect(box).to_have_value(words)
        save.click()
        expect(error).to_have_text("Góp ý này không còn sửa được.")
        expect(box).to_have_value(words)
        expect(save).to_be_enabled()
        hoa.screenshot(path=artifacts_dir / "look" / "member-comment-edit-refused-360.png")

        # "Hủy" closes it, and what happened meanwhile is drawn: hidden, with the reason.
        form.get_by_role("button", name="Hủy", exact=True).click()
        expect(form).to_have_count(0)
        expect(mine).to_contain_text("Bí thư đã ẩn góp ý này: Trùng nội dung.")
        expect(mine.get_by_role("button", name="Sửa", exact=True)).to_have_count(0)
        assert dialogs == []
