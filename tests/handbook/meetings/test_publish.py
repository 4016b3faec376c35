"""The publish screen (issue #14 item 1): it says who will be told and when, counted the way
they are told; nothing is chosen for the secretary; a meeting with no document, or one not
read, takes a second step the server enforces; and every part of a page shows the publication
as it is stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings import publishing
from handbook.meetings.models import Meeting
from handbook.notifications.models import Notification
from handbook.orgs.models import OrgKind, Role
from tests.conftest import login
from tests.helpers import create_meeting, response_text, upload_document

CHOOSE = "Vui lòng chọn “Công bố ngay” hoặc “Hẹn giờ công bố”."
NO_DOCUMENTS = "Buổi sinh hoạt chưa có tài liệu nào."


def _told(meeting: Meeting) -> list[int]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.dedupe_key == f"meeting:{meeting.id}:published"
            )
        )
    )


def _stored(meeting: Meeting) -> Meeting:
    db.session.expire_all()
    found = db.session.get(Meeting, meeting.id)
    assert found is not None
    return found


def _sentence(page: str) -> str:
    found = re.search(r'id="publish-plan"[^>]*>([^<]+)<', page)
    assert found, "no sentence saying who will be told"
    return found.group(1)


def _later(days: int = 2, hour: int = 7) -> tuple[str, str]:
    when = (utcnow() + timedelta(days=days)).astimezone(VIETNAM_TZ)
    return f"{when:%d/%m/%Y}", f"{hour:02d}:00"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_screen_counts_those_who_will_really_be_told(client, tree, make_user) -> None:
    for name in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"):
        make_user(tree.b1, Role.MEMBER, full_name=name)
    gone = make_user(tree.b1, Role.MEMBER, full_name="Đã chuyển đi")
    gone.active = False  # not told: not counted
    make_user(tree.b2, Role.MEMBER, full_name="Chi bộ khác")  # another branch: neither
    db.session.commit()
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)

    # The meeting's page and the publish screen say the same: 4 members (not the secretary).
    expected = "Khi công bố, 4 đảng viên của Chi bộ thôn Một sẽ nhận thông báo"
    assert expected in _sentence(response_text(client.get(f"/meetings/{meeting.id}")))
    screen = client.get(f"/meetings/{meeting.id}/publish")
    assert screen.status_code == 200
    assert expected in _sentence(response_text(screen))

    # A time: the confirmation of a schedule names it; then "now" tells exactly those counted.
    answer = client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    assert answer.status_code == 302
    told = _told(meeting)
    assert len(told) == 4 and tree.secretary_b1.id not in told and gone.id not in told
    page = response_text(client.get(f"/meetings/{meeting.id}"))
    assert "Đã công bố. 4 đảng viên đã được thông báo." in page


def test_a_committee_is_told_who_below_it_will_hear(client, tree) -> None:
    login(client, tree.committee_c)
    meeting = create_meeting(client, tree.commune, subtree="y", title="Hội nghị quán triệt")
    plan = publishing.plan(_stored(meeting), tree.committee_c.id)
    # B1's two, B2's two; the committee officer publishing is left out, commune 2 is not below.
    assert (plan.count, plan.audience) == (4, "Xã Tân Tiến và các tổ chức đảng trực thuộc")
    page = response_text(client.get(f"/meetings/{meeting.id}/publish"))
    assert "4 đảng viên của Xã Tân Tiến và các tổ chức đảng trực thuộc" in _sentence(page)


def test_a_branch_of_one_says_nobody_else_will_be_told(client, tree, make_org, make_user) -> None:
    branch = make_org("Chi bộ thôn Lẻ", OrgKind.BRANCH, tree.commune)
    alone = make_user(branch, Role.SECRETARY, full_name="Một Mình")
    login(client, alone)
    meeting = create_meeting(client, branch)
    page = response_text(client.get(f"/meetings/{meeting.id}/publish"))
    assert _sentence(page) == "Chi bộ thôn Lẻ chưa có đảng viên nào khác để nhận thông báo."


def test_nothing_is_chosen_for_the_secretary(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/publish"):
        page = response_text(client.get(path))
        radios = re.findall(r'<input[^>]*name="when"[^>]*>', page)
        assert len(radios) == 2 and not any("checked" in r for r in radios), path
        assert "data-when-later" in page  # the date and time wait for "Hẹn giờ công bố"


@pytest.mark.parametrize("when", [None, "", "soon", "now later"])
def test_publishing_without_a_choice_is_refused_in_vietnamese(client, tree, when) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    data = {} if when is None else {"when": when}
    answer = client.post(f"/meetings/{meeting.id}/publish", data=data)
    assert answer.status_code == 400
    page = response_text(answer)
    assert CHOOSE in page
    assert 'aria-invalid="true"' in page
    assert _stored(meeting).publish_at is None and _told(meeting) == []


@pytest.mark.parametrize(
    ("date", "time", "messages"),
    [
        ("", "", ["Vui lòng chọn ngày và giờ công bố.", "Vui lòng nhập ngày công bố."]),
        ("05/12/2099", "", ["Vui lòng nhập giờ công bố."]),
        ("", "08:00", ["Vui lòng nhập ngày công bố."]),
        ("31/02/2099", "08:00", ["Không có ngày 31/02/2099: vui lòng kiểm tra lại."]),
        ("05/12/2099", "25:00", ["Giờ không hợp lệ: giờ từ 0 đến 23, phút từ 00 đến 59."]),
        ("ngày mai", "tối", ["Ngày cần viết theo dạng", "Giờ cần viết theo dạng"]),
    ],
)
def test_a_later_time_must_be_complete_and_understood(client, tree, date, time, messages) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    answer = client.post(
        f"/meetings/{meeting.id}/publish", data={"when": "later", "date": date, "time": time}
    )
    assert answer.status_code == 400
    page = response_text(answer)
    for message in messages:
        assert message in page
    if date:
        assert f'value="{date}"' in page  # what was typed comes back, to be corrected
    assert _stored(meeting).publish_at is None


def test_now_ignores_a_date_typed_before_changing_ones_mind(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    data = {"when": "now", "date": "32/13/20", "time": "99"}
    assert client.post(f"/meetings/{meeting.id}/publish", data=data).status_code == 302
    assert _told(meeting) == [tree.member_b1.id]


def test_a_meeting_without_documents_asks_first_and_publishes_only_when_confirmed(
    client, tree
) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    audits = db.session.scalar(sa.select(sa.func.count(AuditLog.id)))

    asked = client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    assert asked.status_code == 200
    page = response_text(asked)
    assert NO_DOCUMENTS in page and "Vẫn công bố" in page
    assert "Khi công bố, 1 đảng viên của Chi bộ thôn Một sẽ nhận thông báo ngay." in page
    assert re.search(r'name="when" value="now"', page)
    assert re.search(r'name="confirm" value="1"', page)
    # Nothing happened: no time stored, nobody told, nothing audited.
    assert _stored(meeting).publish_at is None and _told(meeting) == []
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == audits

    confirmed = client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    assert confirmed.status_code == 302
    assert _stored(meeting).notified_at is not None
    assert _told(meeting) == [tree.member_b1.id]


def test_the_second_step_keeps_the_chosen_time(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    date, time = _later()
    form = {"when": "later", "date": date, "time": time}
    page = response_text(client.post(f"/meetings/{meeting.id}/publish", data=form))
    assert NO_DOCUMENTS in page
    assert "sẽ nhận thông báo lúc 07:00, " in page and date in page
    assert f'name="date" value="{date}"' in page and f'name="time" value="{time}"' in page
    assert _stored(meeting).publish_at is None

    answer = client.post(
        f"/meetings/{meeting.id}/publish", data={**form, "confirm": "1"}, follow_redirects=True
    )
    assert "Đã hẹn giờ công bố lúc 07:00, " in response_text(answer)
    assert "1 đảng viên của Chi bộ thôn Một sẽ nhận thông báo lúc đó" in response_text(answer)
    stored = _stored(meeting)
    assert stored.publish_at is not None and stored.notified_at is None
    assert f"{stored.publish_at.astimezone(VIETNAM_TZ):%d/%m/%Y %H:%M}" == f"{date} {time}"


def test_a_document_still_being_read_or_unreadable_asks_first(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting, name="ke-hoach.txt")
    upload_document(client, meeting, name="bao-cao.txt", data=b"Bao cao thang 11.\n")
    reading, broken = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
    reading.status, reading.progress, reading.title = DocumentStatus.PROCESSING, 40, "Kế hoạch"
    broken.status, broken.title = DocumentStatus.FAILED, "Báo cáo"
    broken.error_message = "Tệp bị hỏng."
    db.session.commit()

    page = response_text(client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}))
    assert "Tài liệu “Kế hoạch” chưa đọc xong (40%)." in page
    assert "Không đọc được tài liệu “Báo cáo”: Tệp bị hỏng." in page
    assert NO_DOCUMENTS not in page
    assert _stored(meeting).publish_at is None

    # Read now: nothing left to ask about for it; the unreadable one still asks.
    reading.status, reading.progress = DocumentStatus.READY, 100
    db.session.commit()
    page = response_text(client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}))
    assert "Kế hoạch" not in page.split("reasons")[1].split("</ul>")[0]
    assert "Không đọc được tài liệu “Báo cáo”" in page


def test_a_ready_document_publishes_without_a_second_step(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    assert client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}).status_code == 302
    assert _told(meeting) == [tree.member_b1.id]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"when": "later", "date": "01/01/2020", "time": "08:00"}, "Thời điểm công bố đã qua"),
        ({"when": "later", "date": "01/01/2099", "time": "08:00"}, "phải trước giờ sinh hoạt"),
    ],
)
def test_a_time_refused_is_said_before_any_second_step(client, tree, form, message) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)  # no documents: would ask, but the time is wrong
    answer = client.post(f"/meetings/{meeting.id}/publish", data={**form, "confirm": "1"})
    assert answer.status_code == 400
    page = response_text(answer)
    assert message in page and "Vẫn công bố" not in page
    assert _stored(meeting).publish_at is None


def test_now_is_told_in_the_request_even_with_no_worker_running(make_app, tree) -> None:
    """The trap: "Đã công bố" above, "hẹn 12:48" in the details until a reload, because the
    telling waited in the queue. Here the queue is real and nobody works it."""
    app = make_app(JOBS_IMMEDIATE=False)
    client = app.test_client()
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    answer = client.post(
        f"/meetings/{meeting.id}/publish",
        data={"when": "now", "confirm": "1"},
        follow_redirects=True,
    )
    page = response_text(answer)
    stored = _stored(meeting)
    assert stored.notified_at is not None and _told(meeting) == [tree.member_b1.id]
    main = page.split('<main id="main">')[1].split("</main>")[0]
    assert "Đã công bố. 1 đảng viên đã được thông báo." in main
    state = re.search(r'id="publication-state">([^<]+)<', main)
    assert state and state.group(1).startswith("Đã công bố lúc ")
    assert "hẹn" not in main.lower()  # not in the details, not in a leftover publish card


def test_the_api_publishing_now_is_told_before_it_answers(make_app, tree) -> None:
    """``schedule`` with a time already come runs the telling here, not in the queue."""
    app = make_app(JOBS_IMMEDIATE=False)
    client = app.test_client()
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    answer = client.post(f"/api/v1/meetings/{meeting.id}/publish", json={})
    assert answer.status_code == 200 and answer.json["published"] is True
    assert _stored(meeting).notified_at is not None
    assert _told(meeting) == [tree.member_b1.id]


def test_a_schedule_is_shown_as_such_until_its_time_then_as_published(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    date, time = _later()
    client.post(
        f"/meetings/{meeting.id}/publish", data={"when": "later", "date": date, "time": time}
    )
    page = response_text(client.get(f"/meetings/{meeting.id}"))
    assert re.search(r'id="publication-state">Hẹn công bố lúc 07:00, [^<]+' + date, page)
    assert "Có thể đổi giờ, hoặc công bố ngay." in page  # the card stays, to change it

    # Its time has come and members can see it; the sweep has not run yet: published.
    db.session.execute(sa.update(Meeting).values(publish_at=utcnow() - timedelta(seconds=5)))
    db.session.commit()
    page = response_text(client.get(f"/meetings/{meeting.id}"))
    main = page.split('<main id="main">')[1].split("</main>")[0]
    assert re.search(r'id="publication-state">Đã công bố lúc ', main)
    assert "hẹn" not in main.lower() and 'id="publish-form"' not in main


def test_changing_a_schedule_to_now_tells_at_once(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    date, time = _later()
    client.post(
        f"/meetings/{meeting.id}/publish", data={"when": "later", "date": date, "time": time}
    )
    assert _told(meeting) == []
    assert client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}).status_code == 302
    assert _told(meeting) == [tree.member_b1.id]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_changed_schedule_takes_its_documents_along(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    date, time = _later(days=2)
    client.post(
        f"/meetings/{meeting.id}/publish", data={"when": "later", "date": date, "time": time}
    )
    date, time = _later(days=3, hour=8)  # moved a day later: the document follows
    client.post(
        f"/meetings/{meeting.id}/publish", data={"when": "later", "date": date, "time": time}
    )
    document = db.session.scalars(sa.select(Document)).one()
    assert document.publish_at == _stored(meeting).publish_at
    # Brought forward to now: told with the meeting, and the member can open it.
    assert client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}).status_code == 302
    db.session.expire_all()
    told = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == tree.member_b1.id)
    ).one()
    assert told.payload["documents"] == [document.title]
    member = app.test_client()
    login(member, tree.member_b1)
    assert member.get(f"/documents/{document.id}").status_code == 200


def test_a_form_sent_twice_tells_once(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    form = {"when": "now", "confirm": "1"}
    assert client.post(f"/meetings/{meeting.id}/publish", data=form).status_code == 302
    again = client.post(f"/meetings/{meeting.id}/publish", data=form, follow_redirects=True)
    assert "Đã công bố lúc " in response_text(again)
    assert _told(meeting) == [tree.member_b1.id]
    published = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "meeting.publish_set")
    ).all()
    assert len(published) == 1
    # A run that finds it told already tells nobody again.
    assert publishing.publish_now(meeting.id) is None
    assert _told(meeting) == [tree.member_b1.id]


def test_a_cancelled_meeting_is_not_published(client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Trùng lịch"})
    answer = client.post(
        f"/meetings/{meeting.id}/publish",
        data={"when": "now", "confirm": "1"},
        follow_redirects=True,
    )
    assert "Buổi sinh hoạt đã bị hủy, không thể công bố." in response_text(answer)
    assert _stored(meeting).publish_at is None and _told(meeting) == []


@pytest.mark.parametrize(("who", "status"), [("member_b1", 403), ("secretary_b2", 404)])
def test_only_the_meetings_managers_reach_the_screen(app, client, tree, who, status) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    other = app.test_client()
    login(other, getattr(tree, who))
    assert other.get(f"/meetings/{meeting.id}/publish").status_code == status
    draft = create_meeting(client, tree.b1)
    sent = other.post(f"/meetings/{draft.id}/publish", data={"when": "now", "confirm": "1"})
    assert sent.status_code == 404  # a draft: not even seen
    assert _stored(draft).publish_at is None
