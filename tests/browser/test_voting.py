"""A secret vote in Chromium on 360 × 740 phones: the secretary creates and opens it from the
attendance screen; Lan votes and sees only that her ballot was recorded (after a reload too);
the secretary's phone loses the network as it votes and its ballot goes once when it is back;
Páo's phone is offline when the secretary closes the vote, and when back is told the vote
closed first. The desk follows live; the result and the resolution's document appear; every
page passes axe-core and the phone's tap-target and text sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import phone_page, poll, sign_in
from tests.browser.look import checked

pytestmark = pytest.mark.timeout(420)

SECRETARY, LAN, PAO = "0912000011", "0912000012", "0912000013"
RECORDED = "Đã ghi nhận phiếu của đồng chí."
CLOSED_FIRST = "Biểu quyết đã kết thúc trước khi phiếu của đồng chí được gửi."


def _look(page: Any, shots: Path, name: str) -> None:
    checked(page, shots / f"{name}.png")


def _api(page: Any, base: str, method: str, path: str, **data: Any) -> Any:
    """The JSON API with the page's own session (cookies, agent) and CSRF token."""
    token = page.context.request.get(f"{base}/api/v1/me").json()["csrf_token"]
    response = page.context.request.fetch(
        f"{base}/api/v1{path}", method=method, data=data, headers={"X-CSRFToken": token}
    )
    assert response.ok, response.text()
    return response.json()


def _meeting(secretary: Any, base: str) -> int:
    """A published meeting of the secretary's branch, check-in open with "Tôi có mặt"."""
    me = secretary.context.request.get(f"{base}/api/v1/me").json()
    branch = me["memberships"][0]["organization"]["id"]
    meeting = _api(
        secretary,
        base,
        "POST",
        f"/organizations/{branch}/meetings",
        title="Họp chi bộ biểu quyết nghị quyết",
        starts_at="2099-12-05T19:30:00+07:00",
        place="Nhà văn hóa bản",
        agenda=["Thông qua nghị quyết quý I"],
    )
    _api(secretary, base, "POST", f"/meetings/{meeting['id']}/publish")
    _api(secretary, base, "POST", f"/meetings/{meeting['id']}/attendance/open", self_check_in=True)
    _api(secretary, base, "POST", f"/meetings/{meeting['id']}/check-in")
    return int(meeting["id"])


def _go_offline(page: Any) -> None:
    page.context.set_offline(True)
    page.evaluate("window.handbookSocket.io.engine.close()")  # emulation spares open sockets


def _kept(page: Any) -> Any:
    return page.evaluate(
        "(() => { const b = document.getElementById('ballot').dataset;"
        " return localStorage.getItem('handbook.ballot.' + b.user + '.' + b.vote); })()"
    )


def test_a_secret_vote_on_phones_with_a_lost_network(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    desk = phone_page(browser)
    sign_in(desk, live_server, SECRETARY)
    meeting_id = _meeting(desk, live_server)
    meeting_url = f"{live_server}/meetings/{meeting_id}"

    # Lan and Páo tap "Tôi có mặt".
    phones = {}
    for login in (LAN, PAO):
        phone = phone_page(browser)
        sign_in(phone, live_server, login)
        phone.goto(meeting_url)
        phone.get_by_role("button", name="Tôi có mặt").click()
        expect(phone.locator("#my-check-in")).to_be_visible()
        phones[login] = phone
    lan, pao = phones[LAN], phones[PAO]

    # The secretary: attendance screen → votes → a secret draft resolution, then open it.
    desk.goto(f"{meeting_url}/attendance")
    desk.get_by_role("link", name="Biểu quyết", exact=True).click()
    desk.get_by_label("Tên biểu quyết").fill("Nghị quyết làm đường bê tông liên bản")
    desk.get_by_label("Dự thảo nghị quyết", exact=True).check()
    desk.get_by_label("Nội dung (tờ trình, dự thảo nghị quyết)").fill(
        "Chi bộ thống nhất vận động nhân dân làm 800 m đường bê tông trong quý I."
    )
    desk.get_by_label("Bỏ phiếu kín (không ai biết ai chọn gì)").check()
    _look(desk, shots, "vote-desk-new")
    desk.get_by_role("button", name="Tạo biểu quyết").click()
    expect(desk.locator(".flash-success")).to_contain_text("Đã tạo biểu quyết")
    desk.get_by_role("button", name="Mở biểu quyết").click()
    expect(desk.locator(".vote-progress")).to_have_text("Đã biểu quyết: 0/3")
    poll(desk, "() => document.getElementById('votes').dataset.live === '1'")
    _look(desk, shots, "vote-desk-open")
    vote_url = desk.locator(".vote h2 a").get_attribute("href")
    assert vote_url and vote_url.startswith("/votes/")

    # Lan: the meeting page leads to the ballot; she votes; the desk follows without a reload.
    lan.goto(meeting_url)
    lan.get_by_role("link", name="Nghị quyết làm đường bê tông liên bản").click()
    poll(lan, "() => document.getElementById('ballot').dataset.live === '1'")
    _look(lan, shots, "vote-ballot")
    desk.evaluate("() => { window.stillTheSamePage = true; }")
    lan.get_by_role("button", name="Tán thành", exact=True).click()
    expect(lan.locator("#ballot-state")).to_have_text(RECORDED)
    assert _kept(lan) is None  # a secret choice leaves the phone once recorded
    expect(desk.locator("[data-cast]")).to_have_text("1")
    assert desk.evaluate("() => window.stillTheSamePage === true")
    lan.reload()
    expect(lan.locator("#ballot-state")).to_have_text(RECORDED)  # never what she chose
    assert lan.locator("#ballot-form").count() == 0
    _look(lan, shots, "vote-recorded")

    # The secretary's own phone loses the network as it votes: kept, then sent once.
    own = phone_page(browser, color_scheme="dark")
    sign_in(own, live_server, SECRETARY)
    own.goto(f"{live_server}{vote_url}")
    poll(own, "() => document.getElementById('ballot').dataset.live === '1'")
    _look(own, shots, "vote-ballot-dark")  # with the voters' list: names only
    assert own.locator("#voters-title").text_content() == "Đã biểu quyết (1)"
    assert "Tán thành" not in own.locator(".voters").inner_text()
    _go_offline(own)
    own.get_by_role("button", name="Tán thành", exact=True).click()
    expect(own.locator("#ballot-state")).to_contain_text("phiếu được giữ trên máy")
    assert _kept(own) is not None
    own.context.set_offline(False)
    expect(own.locator("#ballot-state")).to_have_text(RECORDED, timeout=40_000)
    expect(desk.locator("[data-cast]")).to_have_text("2")

    # Páo's phone is offline when the vote closes: told so when it is back, counted for nothing.
    pao.goto(f"{live_server}{vote_url}")
    poll(pao, "() => document.getElementById('ballot').dataset.live === '1'")
    _go_offline(pao)
    pao.get_by_role("button", name="Không tán thành", exact=True).click()
    expect(pao.locator("#ballot-state")).to_contain_text("phiếu được giữ trên máy")
    desk.get_by_role("button", name="Kết thúc biểu quyết").click()
    verdict = "Thông qua: 2/3 đảng viên chính thức được triệu tập tán thành, trên một nửa."
    expect(desk.locator(".vote-verdict")).to_have_text(verdict)
    expect(lan.locator(".vote-verdict")).to_have_text(verdict)  # pushed: her page redrew
    pao.context.set_offline(False)
    expect(pao.locator("#ballot-state")).to_have_text(CLOSED_FIRST, timeout=40_000)
    expect(pao.locator(".vote-verdict")).to_have_text(verdict)
    assert _kept(pao) is None
    _look(pao, shots, "vote-closed-before")

    result = _api(desk, live_server, "GET", f"/votes/{vote_url.rsplit('/', 1)[1]}/result")
    assert {t["label"]: t["count"] for t in result["tallies"]} == {
        "Tán thành": 2,
        "Không tán thành": 0,
        "Không biểu quyết": 0,
    }
    # The adopted resolution is a document of the meeting, for the members.
    expect(desk.get_by_role("link", name="Nghị quyết đã thông qua")).to_be_visible()
    _look(desk, shots, "vote-desk-closed")
    lan.goto(meeting_url)
    expect(lan.locator("#meeting-votes")).to_contain_text(verdict)
    expect(lan.locator("body")).to_contain_text("Nghị quyết làm đường bê tông liên bản")
    _look(lan, shots, "vote-meeting-page")
    lan.goto(f"{live_server}{vote_url}")
    lan.get_by_role("link", name="Đọc nghị quyết đã thông qua").click()
    expect(lan.locator("main")).to_contain_text("800 m đường bê tông", timeout=30_000)
    for page in (desk, own, lan, pao):
        page.context.close()
