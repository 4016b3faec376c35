"""A member reads a long document on a phone: the table of contents takes them to a heading;
where they stop is noted (also while offline, sent once the network is back); and on another
phone the page offers "Đọc tiếp" back to that paragraph, but not once they have finished."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import create_meeting, phone_page, poll, sign_in
from tests.browser.look import measure

SECTIONS = ("I. TÌNH HÌNH CHUNG", "II. KẾT QUẢ ĐẠT ĐƯỢC", "III. NHIỆM VỤ THÁNG TỚI")
TEXT = "\n\n".join(
    heading
    + "\n\n"
    + "\n\n".join(
        f"Đoạn {s * 12 + k}: chi bộ thôn Nà Hin đã bàn việc chăm sóc {k + 3} ha chè, sửa đường "
        f"liên thôn và vận động {k + 1} hộ cài đặt VNeID trước kỳ họp tới."
        for k in range(1, 12)
    )
    for s, heading in enumerate(SECTIONS)
)
#: The text's paragraphs are numbered 1..36: headings at 1, 13 and 25, the last at 36.
LAST = 36


def _shots(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "look"
    folder.mkdir(exist_ok=True)
    return folder


def _top(page: Any, n: int) -> float:
    return page.evaluate(f"() => document.getElementById('p-{n}').getBoundingClientRect().top")


def _read_to(page: Any, n: int) -> None:
    """Scroll as a reader would, paragraph ``n`` at the top of the screen."""
    page.evaluate(f"() => document.getElementById('p-{n}').scrollIntoView({{block: 'start'}})")


def test_the_table_of_contents_and_reading_on_from_another_phone(
    browser: Any, live_server: str, artifacts_dir: Path, tmp_path: Path
) -> None:
    shots = _shots(artifacts_dir)
    page = phone_page(browser)
    sign_in(page, live_server, "0912000011")
    create_meeting(
        page,
        live_server,
        title="Sinh hoạt chuyên đề đọc tài liệu",
        day="2099-02-05",
        place="Nhà văn hóa thôn Nà Hin",
        agenda="Báo cáo tình hình",
    )
    source = tmp_path / "bao-cao-quy.txt"
    source.write_text(TEXT, encoding="utf-8")
    page.locator("#files").set_input_files(str(source))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("li.doc[data-status=ready]")).to_have_count(1, timeout=60_000)
    page.locator("li.doc a").first.click()
    expect(page.locator("#p-1")).to_be_visible()
    document_url = page.url.split("#")[0]
    assert page.locator("#resume").count() == 0  # nothing read yet

    # The table of contents: closed at first, then every heading, a tap away.
    toc = page.locator("#toc")
    expect(toc.locator("a")).to_have_count(3)
    expect(toc.locator("a").first).to_be_hidden()
    toc.locator("summary").click()
    expect(toc.get_by_role("link")).to_have_text(list(SECTIONS))
    problems, _ = measure(page)
    assert problems == []
    page.screenshot(path=shots / "member-document-toc-360.png")
    toc.get_by_role("link", name=SECTIONS[2]).click()
    assert page.url.endswith("#p-25")
    assert abs(_top(page, 25)) < 60  # the heading is at the top of the screen

    # Reading on to paragraph 18: noted once the member moved, and sent at once.
    with page.expect_response(lambda r: r.url.endswith("/reading")) as sent:
        _read_to(page, 18)
    assert sent.value.status == 200
    assert sent.value.request.post_data_json["n"] == 18

    # Offline, a little further: kept on the phone, sent when the network comes back.
    page.context.set_offline(True)
    _read_to(page, 21)
    stored = poll(page, f"() => localStorage.getItem('reading:' + {_doc_id(document_url)})")
    assert stored and '"n":21' in stored
    with page.expect_response(lambda r: r.url.endswith("/reading"), timeout=30_000) as resent:
        page.context.set_offline(False)
        page.evaluate("() => dispatchEvent(new Event('online'))")
    assert resent.value.status == 200
    assert resent.value.request.post_data_json["n"] == 21
    assert poll(
        page,
        "() => localStorage.length === 0 || !Object.keys(localStorage)"
        ".some(k => k.startsWith('reading:'))",
    )

    # Another phone of the same member: "Đọc tiếp" takes them back there.
    other = phone_page(browser)
    sign_in(other, live_server, "0912000011")
    other.goto(document_url, wait_until="load")
    resume = other.locator("#resume")
    expect(resume).to_be_visible()
    expect(resume).to_contain_text("Đọc tiếp từ: Đoạn 20: chi bộ thôn Nà Hin")
    problems, _ = measure(other)
    assert problems == []
    other.screenshot(path=shots / "member-document-resume-360.png")
    # Opening the page is not reading it: the first screen changes nothing on the server.
    other.wait_for_timeout(1500)
    assert other.evaluate("() => Object.keys(localStorage).length") == 0
    with other.expect_request(lambda r: r.url.endswith("/reading")) as back:
        resume.click()  # going back there is reading there again
    assert back.value.post_data_json["n"] == 21
    assert other.url.endswith("#p-21")
    assert abs(_top(other, 21)) < 60
    assert other.locator("#p-21").evaluate("el => getComputedStyle(el).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    )  # marked as the place to read on

    # Reading to the end: finished, so no "Đọc tiếp" next time. Leaving the page sends it (on
    # pagehide, a keepalive request that outlives the page); the first phone sees the result.
    _read_to(other, LAST)
    key = f"'reading:' + {_doc_id(document_url)}"
    assert poll(other, f"() => (localStorage.getItem({key}) || '').includes('\"n\":{LAST}')")
    other.goto(f"{live_server}/", wait_until="load")  # a page without reader.js
    for _ in range(20):  # the request outlives the page: it may land a moment later
        page.goto(document_url, wait_until="load")
        expect(page.locator("#p-1")).to_be_visible()
        if not page.locator("#resume").count():
            break
        page.wait_for_timeout(500)
    else:
        # A browser may drop a request sent as the page goes (one CI run's did): the phone
        # kept the position and sends it from its next document page.
        other.goto(document_url, wait_until="load")
        assert poll(other, f"() => localStorage.getItem({key}) === null")
        page.goto(document_url, wait_until="load")
        expect(page.locator("#p-1")).to_be_visible()
    assert page.locator("#resume").count() == 0
    # The phone never heard the answer (the page was gone): it sends it again next time, and
    # drops it once the server says it has it.
    other.goto(document_url, wait_until="load")
    assert poll(other, f"() => localStorage.getItem({key}) === null")
    assert other.locator("#resume").count() == 0
    other.context.close()
    page.context.close()


def _doc_id(url: str) -> str:
    return "'" + url.rstrip("/").rsplit("/", 1)[1] + "'"
