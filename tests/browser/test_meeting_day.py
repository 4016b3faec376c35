"""A branch's meeting day, whole, in Chromium on 360 × 740 phones (issue #13's "done when").

The secretary adds a newly admitted member (probationary) and records another as exempted from
meetings; members comment on the agenda before the meeting and the secretary marks the
comments "đã tiếp thu" and "cần giải trình". At the meeting the members check in by scanning
the rotating QR code (the test decodes the code's pixels, as a phone's camera would; the new
member signs in with her one-time password and sets her own on the way), the exempted member
stays away, and the counts follow the rules. A secret vote on a draft resolution passes with
the counts the rules give, and the probationary member is told why she does not vote. The
secretary ends the meeting, edits the drafted minutes, has them read aloud, approves them as
chair; the minute-taker approves; the PDF holds the attendance, the dispositions and the vote.

It runs on a server of its own: it changes the demo branch's members, which the other browser
tests count on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.helpers import (
    create_meeting,
    hear_the_minutes,
    phone_page,
    poll,
    publish_now,
    sign_in,
)
from tests.browser.look import checked
from tests.live import run_live_server

#: A server's first start, three phones, a voice reading the minutes, on 2 shared cores.
pytestmark = pytest.mark.timeout(600)

SECRETARY, MAI, DUNG = "0912000001", "0912000002", "0912000003"
NEW_MEMBER, NEW_PHONE, NEW_PASSWORD = "Sùng Thị Dua", "0912000005", "dua-dat-mat-khau-moi"
ITEM = "Thông qua nghị quyết làm đường bê tông liên thôn"
ACCEPTED = "Đề nghị ghi rõ mỗi hộ góp bao nhiêu ngày công."
EXPLAIN = "Kinh phí xi măng lấy từ nguồn nào, đề nghị giải trình."
CONCLUSION = "Chi bộ thống nhất làm 600 m đường bê tông liên thôn trong quý I."
VERDICT = "Thông qua: 2/3 đảng viên chính thức được triệu tập tán thành, trên một nửa."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[str]:
    """The production server with the demo data, for this module alone."""
    # The minutes are read aloud on request; the demo's documents need no voice here.
    yield from run_live_server(
        tmp_path_factory, artifacts_dir, name="meeting-day-server", AUDIO_AUTO="0"
    )


def _look(page: Any, shots: Path, name: str) -> None:
    checked(page, shots / f"meeting-day-{name}.png")


def _decode(page: Any) -> str:
    """The link in the QR code on the screen, read from its pixels."""
    png = page.locator(".att-qr-image").screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, "no QR code readable on the screen"
    return str(found[0].text)


def _member_row(page: Any, name: str) -> Any:
    return page.locator("ul.members > li").filter(has=page.get_by_text(name, exact=True))


def _standing(page: Any, name: str, standing: str, situation: str = "") -> None:
    """On the member list: record ``name``'s standing and situation (from 1 January 2026)."""
    row = _member_row(page, name)
    row.locator("summary", has_text="Tư cách, miễn sinh hoạt").click()
    row.get_by_label("Loại đảng viên").select_option(label=standing)
    if situation:
        row.get_by_label("Tình trạng").select_option(label=situation)
        row.get_by_label("Từ ngày").fill("2026-01-01")
    row.get_by_role("button", name="Lưu tư cách").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã lưu tư cách của đảng viên {name}")


def _comment_on_item(page: Any, meeting_url: str, text: str) -> None:
    page.goto(meeting_url)
    item = page.locator("ol.agenda > li").filter(has_text=ITEM)
    details = item.locator("details.item-comments")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    item.get_by_label(f"Góp ý về “{ITEM}”").fill(text)
    item.get_by_role("button", name="Gửi góp ý").click()
    expect(page.locator("ol.agenda")).to_contain_text(text)


def _mark(page: Any, text: str, label: str) -> None:
    """On the comments page: mark the comment saying ``text``."""
    entry = page.locator("li.record-item").filter(has_text=text)
    entry.get_by_role("button", name=label).click()
    entry = page.locator("li.record-item").filter(has_text=text)
    expect(entry.get_by_role("button", name=label)).to_have_attribute("aria-pressed", "true")


def test_a_branch_holds_its_meeting_from_check_in_to_approved_minutes(
    browser: Any, server: str, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)
    base = server
    desk = phone_page(browser)
    sign_in(desk, base, SECRETARY)

    # --- the member list: a newly admitted member, and one exempted from meetings ----------
    desk.goto(f"{base}/")
    org = re.search(r"/org/\d+", desk.locator("a[href^='/org/']").first.get_attribute("href"))
    assert org is not None
    desk.goto(f"{base}{org.group(0)}/members")
    desk.get_by_label("Họ và tên").fill(NEW_MEMBER)
    desk.get_by_label("Số điện thoại").fill(NEW_PHONE)
    desk.get_by_role("button", name="Tạo tài khoản").click()
    one_time = (desk.locator("td.otp").text_content() or "").strip()
    assert one_time
    desk.goto(f"{base}{org.group(0)}/members")
    _standing(desk, NEW_MEMBER, "Dự bị")
    _standing(desk, "Triệu Thị Hoa", "Chính thức", "Miễn sinh hoạt")
    expect(desk.locator("p.muted").first).to_contain_text("5 người · 4 chính thức · 1 dự bị")
    _look(desk, shots, "members")

    # --- the meeting, published; comments on the agenda before it, and their dispositions ----
    create_meeting(
        desk,
        base,
        title="Sinh hoạt chi bộ tháng 12",
        day="2099-12-05",
        place="Nhà văn hóa thôn Nà Pồng",
        agenda=f"{ITEM}\nCông tác phát triển đảng viên",
    )
    publish_now(desk)  # no documents: asked first
    meeting_url = desk.url.split("#")[0]

    phones = {}
    for login in (MAI, DUNG):
        phones[login] = phone_page(browser)
        sign_in(phones[login], base, login)
    mai, dung = phones[MAI], phones[DUNG]
    _comment_on_item(mai, meeting_url, ACCEPTED)
    _comment_on_item(dung, meeting_url, EXPLAIN)
    desk.goto(f"{meeting_url}/comments")
    _mark(desk, ACCEPTED, "Đã tiếp thu")
    _mark(desk, EXPLAIN, "Cần giải trình")
    expect(desk.locator("#summary")).to_contain_text("đã tiếp thu: 1 · cần giải trình: 1")

    # --- check-in by the rotating code ----------------------------------------------------
    desk.goto(meeting_url)
    desk.get_by_role("link", name="Điểm danh").click()
    desk.get_by_role("button", name="Mở điểm danh").click()
    expect(desk.locator("#att-state")).to_contain_text("Đang mở điểm danh")
    poll(desk, "() => document.getElementById('attendance').dataset.live === '1'")
    attendance_url = desk.url.split("#")[0]
    for phone in (mai, dung):
        phone.goto(_decode(desk))
        expect(phone.locator("#check-in-result")).to_have_text("Đã điểm danh: đồng chí có mặt.")
    own = desk.context.new_page()  # the secretary's own scan, from the same phone
    own.goto(_decode(desk))
    expect(own.locator("#check-in-result")).to_have_text("Đã điểm danh: đồng chí có mặt.")
    own.close()

    # The new member: not signed in; the code leads her through her first sign-in.
    dua = phone_page(browser)
    dua.goto(_decode(desk))
    expect(dua).to_have_url(re.compile(r".*/login\?next=.*check-in.*"))
    dua.get_by_label("Số điện thoại hoặc tên đăng nhập").fill(NEW_PHONE)
    dua.get_by_label("Mật khẩu", exact=True).fill(one_time)
    dua.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(dua).to_have_url(re.compile(r".*/account/password\?next=.*check-in.*"))
    dua.get_by_label("Mật khẩu hiện tại").fill(one_time)
    dua.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    dua.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    dua.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(dua.locator("#check-in-result")).to_have_text("Đã điểm danh: đồng chí có mặt.")

    # The secretary's screen followed; Hoa is exempted and away: not among those convened.
    expect(desk.locator("li[data-status=present]")).to_have_count(4)
    counts = {
        key: desk.locator(f"[data-count={key}]").text_content()
        for key in ("present", "convened", "eligible", "official_convened")
    }
    # Convened: the four who are not exempted (Quy định 24 §9.3); voting: the three official.
    assert counts == {"present": "4", "convened": "4", "eligible": "3", "official_convened": "3"}
    expect(desk.locator("li", has_text="Triệu Thị Hoa")).to_contain_text("Miễn sinh hoạt")
    _look(desk, shots, "attendance")

    # --- a secret vote on the draft resolution -------------------------------------------
    desk.get_by_role("link", name="Biểu quyết", exact=True).click()
    desk.get_by_label("Tên biểu quyết").fill("Nghị quyết làm đường bê tông liên thôn")
    desk.get_by_label("Nội dung chương trình").select_option(label=ITEM)
    desk.get_by_label("Dự thảo nghị quyết", exact=True).check()
    desk.get_by_label("Nội dung (tờ trình, dự thảo nghị quyết)").fill(CONCLUSION)
    desk.get_by_label("Bỏ phiếu kín (không ai biết ai chọn gì)").check()
    desk.get_by_role("button", name="Tạo biểu quyết").click()
    expect(desk.locator(".flash-success")).to_contain_text("Đã tạo biểu quyết")
    desk.get_by_role("button", name="Mở biểu quyết").click()
    expect(desk.locator(".vote-progress")).to_have_text("Đã biểu quyết: 0/3")
    poll(desk, "() => document.getElementById('votes').dataset.live === '1'")
    vote_url = base + str(desk.locator(".vote h2 a").get_attribute("href"))

    dua.goto(vote_url)
    expect(dua.locator("#ballot-state")).to_have_text(
        "Đảng viên dự bị không biểu quyết (Điều lệ Đảng, Điều 5)."
    )
    assert dua.get_by_role("button", name="Tán thành", exact=True).count() == 0
    _look(dua, shots, "ballot-probationary")
    own = desk.context.new_page()
    for phone, choice in ((mai, "Tán thành"), (dung, "Không tán thành"), (own, "Tán thành")):
        phone.goto(vote_url)
        poll(phone, "() => document.getElementById('ballot').dataset.live === '1'")
        phone.get_by_role("button", name=choice, exact=True).click()
        expect(phone.locator("#ballot-state")).to_have_text("Đã ghi nhận phiếu của đồng chí.")
    own.close()
    expect(desk.locator("[data-cast]")).to_have_text("3")
    desk.get_by_role("button", name="Kết thúc biểu quyết").click()
    expect(desk.locator(".vote-verdict")).to_have_text(VERDICT)
    expect(mai.locator(".vote-verdict")).to_have_text(VERDICT)  # pushed to her page
    _look(desk, shots, "vote-closed")

    # --- the minutes: drafted, edited, read aloud, approved --------------------------------
    desk.goto(attendance_url)
    desk.get_by_role("button", name="Kết thúc điểm danh").click()
    expect(desk.get_by_role("button", name="Mở lại điểm danh")).to_be_visible()
    desk.get_by_role("button", name="Kết thúc và lập biên bản").click()
    expect(desk).to_have_url(re.compile(r"/meetings/\d+/minutes$"))
    minutes_url = desk.url
    desk.get_by_label("Thư ký cuộc họp").select_option(label="Lò Thị Mai")
    desk.get_by_role("button", name="Lưu thông tin").click()
    expect(desk.locator(".flash-success")).to_have_text("Đã lưu thông tin buổi sinh hoạt.")
    conclusions = desk.locator("section.min-section").filter(
        has=desk.get_by_role("heading", name="Kết luận")
    )
    conclusions.get_by_label("Nội dung phần “Kết luận”").fill(CONCLUSION)
    conclusions.get_by_role("button", name="Lưu phần này").click()
    expect(desk.locator(".flash-success")).to_have_text("Đã lưu.")
    bodies = " ".join(t.input_value() for t in desk.locator("section.min-section textarea").all())
    for fact in (NEW_MEMBER, "Triệu Thị Hoa", ACCEPTED, EXPLAIN, "Nghị quyết làm đường"):
        assert fact in bodies, fact
    _look(desk, shots, "minutes-draft")

    hear_the_minutes(desk)

    desk.get_by_role("button", name="Duyệt biên bản (chủ trì)").click()
    expect(desk.locator("li[data-signer=chair] .min-signed")).to_contain_text("Đã duyệt")
    mai.goto(minutes_url)
    mai.get_by_role("button", name="Duyệt biên bản (thư ký)").click()
    expect(mai.locator("#min-state")).to_contain_text("Đã duyệt và khóa: phiên bản 1")
    _look(mai, shots, "minutes-approved")

    # --- the PDF: the attendance, the comments' dispositions, the vote -----------------------
    pdf = desk.request.get(f"{minutes_url}.pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(pdf.body())).pages
    )
    for fact in (
        "BIÊN BẢN",
        "Hoàng Văn Thắng",
        NEW_MEMBER,
        "Triệu Thị Hoa",
        "Miễn sinh hoạt",
        ACCEPTED,
        "đã tiếp thu",
        EXPLAIN,
        "cần giải trình",
        "Nghị quyết làm đường bê tông liên thôn",
        VERDICT,
        CONCLUSION,
        "Lò Thị Mai",
    ):
        assert fact.lower() in text.lower(), (fact, text[:3000])
    for page in (desk, mai, dung, dua):
        page.context.close()
