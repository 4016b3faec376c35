"""The secretary's desk, whole (issue #14's "done when"), on a 360 × 740 phone: a secretary sets
the branch's regular meeting day and schedules the meeting from the "regular meeting" template;
the hourly sweep reminds them to publish; they upload a photographed paper document, which is
read (its reading never waits for a voice: ``tests/deployment/test_job_priority.py`` shows it
under load), correct a paragraph the OCR gave them, and publish; a member then reads and hears
the corrected words; the commune's officer compares the branches below it and exports the
comparison to XLSX.

The live server is shared with the other browser tests: the regular day is cleared at the end,
and the sweep runs at a moment half a year ahead (standing in for the clock), in a month with
no published meeting of the branch, so the reminder is due whatever today is.
"""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from handbook import create_app
from handbook.core.timeutil import VIETNAM_TZ, to_local, utcnow
from handbook.meetings.agenda_templates import REGULAR
from handbook.meetings.rhythm import remind_secretaries
from handbook.orgs.rhythm import next_regular_day
from tests.browser.helpers import phone_page, poll, publish_now, sign_in
from tests.browser.look import checked, first_link, open_page
from tests.docs_store import photos

#: It waits for a photographed document's OCR and for the document read aloud twice (before and
#: after the correction), by espeak-ng on 2 shared cores: more than the default 120 s.
pytestmark = pytest.mark.timeout(360)

SECRETARY, MEMBER, COMMITTEE = "0912000011", "0912000012", "0912000021"
CORRECTED = "Chi bộ thống nhất đẩy mạnh chuyển đổi số trong sinh hoạt đảng ở thôn Nà Phìa."
DAY_FIELD = "Ngày sinh hoạt thường kỳ hằng tháng (1 đến 31)"


@pytest.fixture(scope="module")
def photo_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return photos.sample_set(tmp_path_factory.mktemp("desk-photos"))


def _set_day(page: Any, base: str, org: str, day: str) -> None:
    page.goto(f"{base}{org}/members")
    page.get_by_label(DAY_FIELD).fill(day)
    page.locator("#rhythm-title ~ form button[type=submit]").click()


def _tick(instance: Path, now: datetime) -> int:
    """The server's hourly reminder sweep, run at ``now`` on its database."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{instance / 'handbook.db'}",
            "INSTANCE_PATH": str(instance),
            "REDIS_URL": None,
            "JOBS_IMMEDIATE": True,
        }
    )
    with app.app_context():
        return remind_secretaries(now)


def _until(check: Any, what: str, timeout: float = 240) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(1)


def test_a_secretary_prepares_a_meeting_that_members_read_and_hear_corrected(
    browser: Any,
    live_server: str,
    live_instance: Path,
    artifacts_dir: Path,
    photo_set: dict[str, Path],
) -> None:
    shots = artifacts_dir / "desk"
    shots.mkdir(exist_ok=True)
    page = phone_page(browser)
    sign_in(page, live_server, SECRETARY)
    org = first_link(page, live_server, "/", r"/org/\d+")
    # The moment of the sweep, and the regular day three days after it.
    at = datetime.combine(to_local(utcnow()).date() + timedelta(days=182), datetime.min.time())
    at = at.replace(hour=9, tzinfo=VIETNAM_TZ)
    meeting_day = at.date() + timedelta(days=3)
    try:
        # The regular day, on the members page: a day that no month has is refused.
        _set_day(page, live_server, org, "32")
        expect(page.locator(".flash-error")).to_have_text(
            "Ngày sinh hoạt thường kỳ phải từ 1 đến 31."
        )
        checked(page, shots / "rhythm-refused-360.png")
        page.get_by_label(DAY_FIELD).fill(str(meeting_day.day))
        page.get_by_label("Nhắc bí thư chuẩn bị tài liệu trước (số ngày)").fill("5")
        page.locator("#rhythm-title ~ form button[type=submit]").click()
        expect(page.locator(".flash-success")).to_contain_text(f"ngày {meeting_day.day} hằng tháng")
        expect(page.get_by_text("Lần tới: ngày")).to_be_visible()
        checked(page, shots / "rhythm-set-360.png")

        # The meeting from the template: a tap fills the form in place.
        page.goto(f"{live_server}{org}/meetings/new")
        page.get_by_label("Ngày", exact=True).fill(meeting_day.strftime("%d/%m/%Y"))
        template = page.get_by_role("link", name=REGULAR.name)
        box = template.bounding_box()
        assert box and box["height"] >= 48
        template.click()
        expect(page).to_have_url(f"{live_server}{org}/meetings/new")  # no reload
        today_next = next_regular_day(to_local(utcnow()).date(), meeting_day.day)
        expect(page.get_by_label("Tên buổi sinh hoạt")).to_have_value(REGULAR.title_for(today_next))
        title = f"{REGULAR.name} tháng {meeting_day.month}/{meeting_day.year}"
        page.get_by_label("Tên buổi sinh hoạt").fill(title)
        agenda = page.get_by_label("Chương trình (mỗi nội dung một dòng)")
        expect(agenda).to_have_value(REGULAR.agenda_text)
        expect(page.get_by_label("Ngày", exact=True)).to_have_value(
            meeting_day.strftime("%d/%m/%Y")
        )
        checked(page, shots / "template-filled-360.png")
        page.get_by_label("Giờ", exact=True).fill("19:30")
        page.get_by_label("Địa điểm").fill("Nhà văn hóa thôn")
        page.get_by_role("button", name="Tạo buổi sinh hoạt").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã tạo buổi sinh hoạt")
        expect(page.locator("ol.agenda > li")).to_have_count(len(REGULAR.items))
        meeting_url = page.url.split("#")[0]

        # The hourly sweep: the meeting is a draft, so the secretary is reminded to publish.
        assert _tick(live_instance, at) >= 1
        open_page(page, f"{live_server}/notifications")
        reminder = page.locator("ul.notifications li").filter(
            has_text=f"ngày {meeting_day:%d/%m/%Y}"
        )
        expect(reminder).to_have_count(1)
        expect(reminder).to_contain_text("hãy chuẩn bị và công bố tài liệu")
        checked(page, shots / "reminded-360.png")

        # The paper document, photographed page by page, sent as one document and read.
        open_page(page, meeting_url)
        page.locator("#photos").set_input_files(str(photo_set["trang-1.jpg"]))
        page.locator("#photos").set_input_files(str(photo_set["trang-2.png"]))
        page.get_by_role("button", name="Tải lên").click()
        expect(page.locator("#upload-list li").first).to_contain_text(
            "2 ảnh chụp → một tài liệu 2 trang"
        )
        _until(
            lambda: (
                open_page(page, meeting_url) or page.locator("li.doc[data-status=ready]").count()
            ),
            "the photographed document was not read",
        )
        with page.expect_navigation():
            page.locator("li.doc .doc-title").click()
        document_url = page.url.split("#")[0]
        expect(page.locator("#scanned")).to_contain_text("Văn bản quét")

        # A paragraph corrected, through the plain form.
        paragraphs = page.locator("article.reader .page p[data-n]")
        marked = page.locator("article.reader .page p[data-n]:has(mark.unsure)")
        paragraph = marked.first if marked.count() else paragraphs.nth(1)
        number = paragraph.get_attribute("data-n")
        with page.expect_navigation():
            paragraph.locator("a.fix").click()
        box = page.get_by_label(f"Nội dung đoạn {number}")
        misread = box.input_value()
        assert misread and misread != CORRECTED
        box.fill(CORRECTED)
        with page.expect_navigation():
            page.get_by_role("button", name="Lưu đoạn đã sửa").click()
        expect(page.locator(f"#p-{number}")).to_contain_text(CORRECTED)
        checked(page, shots / "corrected-360.png")

        open_page(page, meeting_url)
        publish_now(page)
    finally:
        _set_day(page, live_server, org, "")
        expect(page.locator(".flash-success")).to_have_text("Đã bỏ ngày sinh hoạt thường kỳ.")
        page.context.close()

    # A member reads the corrected words, and hears them: the voice read the document again.
    member = phone_page(browser)
    try:
        sign_in(member, live_server, MEMBER)
        open_page(member, document_url)
        expect(member.locator(f"#p-{number}")).to_contain_text(CORRECTED)
        expect(member.locator("a.fix, mark.unsure")).to_have_count(0)

        def corrected_track() -> dict[str, Any] | None:
            track = member.evaluate(
                "() => fetch(location.pathname + '/audio.json').then(r => r.json())"
            )
            sentences = [s["text"] for s in (track.get("timings") or {}).get("sentences", [])]
            heard = track["status"] == "ready" and any("Nà Phìa" in s for s in sentences)
            return track if heard else None

        _until(corrected_track, "the corrected paragraph was not read aloud")
        open_page(member, document_url)
        member.get_by_role("button", name="Nghe tài liệu").click()
        assert poll(member, "() => document.getElementById('audio').currentTime > 1", timeout=60)
        checked(member, shots / "member-hears-360.png")
    finally:
        member.context.close()

    # The commune's officer compares the branches and exports the comparison.
    officer = phone_page(browser)
    try:
        sign_in(officer, live_server, COMMITTEE)
        commune = first_link(officer, live_server, "/", r"/org/\d+")
        open_page(officer, f"{live_server}{commune}/participation/branches")
        rows = officer.get_by_role("region", name="Bảng so sánh các chi bộ, cuộn ngang").locator(
            "tbody tr"
        )
        expect(rows.last).to_contain_text("Tất cả")
        checked(officer, shots / "committee-branches-360.png")
        with officer.expect_download() as download:
            officer.get_by_role("link", name="Tải XLSX").click()
        sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        cells = list(sheet.iter_rows(values_only=True))
        assert cells[1][0] == "Chi bộ" and cells[-1][0] == "Tất cả"
        assert len(cells) == rows.count() + 2
    finally:
        officer.context.close()
