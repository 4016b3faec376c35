"""The minutes in Chromium at 360 × 740: the secretary ends the meeting and the minutes are
drafted, chooses the minute-taker, edits a section, has the minutes read aloud (the audio
plays: a real MP3 made by the server's job worker), approves as chair; the minute-taker
approves and the minutes lock with their hash; a member reads the approved minutes. Each page
passes axe-core and the phone's tap-target and text sizes; the screenshots are kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    create_meeting,
    hear_the_minutes,
    phone_page,
    publish_now,
    sign_in,
)
from tests.browser.look import checked

#: The server's first start (the demo data) and a voice reading the minutes on 2 shared cores.
pytestmark = pytest.mark.timeout(420)

CONCLUSION = "Chi bộ thống nhất thông qua nghị quyết; giao đồng chí Dũng theo dõi thực hiện."


def _look(page: Any, shots: Path, name: str) -> None:
    checked(page, shots / f"{name}.png")


def test_the_secretary_edits_hears_and_the_signers_approve_the_minutes(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    secretary = phone_page(browser)
    sign_in(secretary, live_server, "0912000001")
    create_meeting(
        secretary,
        live_server,
        title="Sinh hoạt chi bộ có biên bản",
        day="2099-11-06",
        place="Nhà văn hóa thôn",
        agenda="Thông qua nghị quyết tháng",
    )
    publish_now(secretary)  # the minute-taker must see the meeting to sign its minutes
    secretary.get_by_role("link", name="Điểm danh").click()
    secretary.get_by_role("button", name="Mở điểm danh").click()
    expect(secretary.locator("#att-state")).to_contain_text("Đang mở điểm danh")
    secretary.get_by_role("button", name="Kết thúc điểm danh").click()
    # (attendance.js reloads the page as the sheet closes, so its flash may not be seen)
    expect(secretary.get_by_role("button", name="Mở lại điểm danh")).to_be_visible()
    secretary.get_by_role("button", name="Kết thúc và lập biên bản").click()
    expect(secretary).to_have_url(re.compile(r"/meetings/\d+/minutes$"))
    expect(secretary.locator(".flash-success")).to_contain_text("lập biên bản")
    minutes_url = secretary.url
    expect(secretary.locator("#min-state")).to_contain_text("Dự thảo, phiên bản 1")

    # The minute-taker, chosen among the branch's members.
    secretary.get_by_label("Thư ký cuộc họp").select_option(label="Lò Thị Mai")
    secretary.get_by_role("button", name="Lưu thông tin").click()
    expect(secretary.locator(".flash-success")).to_have_text("Đã lưu thông tin buổi sinh hoạt.")
    opening = secretary.locator("#body-" + _section_id(secretary, "I. Thời gian"))
    expect(opening).to_have_value(re.compile("Thư ký: đồng chí Lò Thị Mai."))

    # A section edited on the phone.
    conclusions = secretary.locator("section.min-section").filter(
        has=secretary.get_by_role("heading", name="Kết luận")
    )
    conclusions.get_by_label("Nội dung phần “Kết luận”").fill(CONCLUSION)
    conclusions.get_by_role("button", name="Lưu phần này").click()
    expect(secretary.locator(".flash-success")).to_have_text("Đã lưu.")
    expect(
        secretary.locator("section.min-section")
        .filter(has=secretary.get_by_role("heading", name="Kết luận"))
        .locator("textarea")
    ).to_have_value(CONCLUSION)
    _look(secretary, shots, "minutes-secretary-draft")

    # Read aloud: the server's job worker makes the MP3; the page plays it.
    hear_the_minutes(secretary)
    source = secretary.locator("#min-audio").get_attribute("src")
    assert source and source.startswith("/minutes/audio/")
    mp3 = secretary.request.get(live_server + source)
    head = mp3.body()[:4]
    assert mp3.status == 200 and (
        head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    )
    assert len(mp3.body()) > 20_000  # the whole draft, read aloud
    _look(secretary, shots, "minutes-secretary-read-aloud")

    # The chair (the secretary) approves; the minute-taker then approves from her phone.
    secretary.get_by_role("button", name="Duyệt biên bản (chủ trì)").click()
    expect(secretary.locator(".flash-success")).to_contain_text("Chờ người còn lại duyệt")
    expect(secretary.locator("li[data-signer=chair] .min-signed")).to_contain_text("Đã duyệt")

    mai = phone_page(browser)
    sign_in(mai, live_server, "0912000002")
    mai.goto(minutes_url)
    expect(mai.locator(".min-read")).to_contain_text(CONCLUSION)
    expect(mai.locator(".min-read")).to_contain_text("ĐẢNG CỘNG SẢN VIỆT NAM")
    _look(mai, shots, "minutes-taker-before-approving")
    mai.get_by_role("button", name="Duyệt biên bản (thư ký)").click()
    expect(mai.locator("#min-state")).to_contain_text("Đã duyệt và khóa: phiên bản 1")
    sha = mai.locator("#min-sha").text_content() or ""
    assert re.fullmatch(r"[0-9a-f]{64}", sha), sha

    # A member of the branch reads the approved minutes (light and dark).
    for scheme in ("light", "dark"):
        dung = phone_page(browser, color_scheme=scheme)
        sign_in(dung, live_server, "0912000003")
        dung.goto(minutes_url)
        expect(dung.locator("#min-sha")).to_have_text(sha)
        expect(dung.locator(".min-read")).to_contain_text(CONCLUSION)
        _look(dung, shots, f"minutes-member-approved-{scheme}")
        dung.get_by_role("link", name=re.compile("^Phiên bản 1, duyệt")).click()
        expect(dung.locator("h1")).to_have_text("Biên bản, phiên bản 1")
        expect(dung.locator("#min-sha")).to_have_text(sha)
        _look(dung, shots, f"minutes-member-version-{scheme}")
        dung.context.close()

    secretary.reload()
    expect(secretary.get_by_role("button", name="Lập phiên bản mới")).to_be_visible()
    _look(secretary, shots, "minutes-secretary-locked")
    for page in (secretary, mai):
        page.context.close()


def _section_id(page: Any, title_start: str) -> str:
    heading = page.locator("section.min-section h2", has_text=title_start).first
    return str(heading.get_attribute("id")).removeprefix("s-").removesuffix("-title")
