"""Agenda templates: the new-meeting form pre-filled (without JavaScript: ``?template=``), a
template that would leave no agenda refused in Vietnamese, and a meeting made from a template
reminded the day before like any other."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.core.timeutil import to_local, utcnow
from handbook.documents.models import Document
from handbook.meetings import agenda_templates
from handbook.meetings.agenda_templates import (
    EMPTY_TEMPLATE,
    REGULAR,
    THEMATIC,
    UNKNOWN_TEMPLATE,
    AgendaTemplate,
    TemplateError,
)
from handbook.meetings.models import Meeting, MeetingKind
from handbook.notifications.models import Notification
from handbook.orgs.rhythm import next_regular_day
from handbook.participation.reminders import remind_due
from tests.conftest import login
from tests.helpers import meeting_form, response_text, upload_document

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.mark.parametrize("items", [(), ("",), ("   ", "\t")])
def test_a_template_with_no_items_cannot_be_made(items: tuple[str, ...]) -> None:
    with pytest.raises(TemplateError, match="ít nhất một nội dung"):
        AgendaTemplate(key="empty", name="Trống", kind=MeetingKind.REGULAR, items=items)


def test_the_built_in_templates_follow_the_guidance_order() -> None:
    assert REGULAR.kind is MeetingKind.REGULAR and THEMATIC.kind is MeetingKind.THEMATIC
    assert REGULAR.items[0].startswith("Phần mở đầu")
    assert REGULAR.items[-1].startswith("Kết thúc")
    assert any("tháng trước" in item for item in REGULAR.items)
    assert any("tháng tới" in item for item in REGULAR.items)
    assert any("Trình bày chuyên đề" in item for item in THEMATIC.items)
    assert "12-HD/BTCTW" in (agenda_templates.__doc__ or "")
    with pytest.raises(TemplateError, match=UNKNOWN_TEMPLATE):
        agenda_templates.get("nope")


def test_a_template_pre_fills_the_form_without_javascript(client, tree) -> None:
    login(client, tree.secretary_b1)
    page = client.get(f"/org/{tree.b1.id}/meetings/new")
    assert page.status_code == 200
    assert f"/org/{tree.b1.id}/meetings/new?template=regular" in response_text(page)
    assert '"None"' not in response_text(page)
    response = client.get(f"/org/{tree.b1.id}/meetings/new?template=regular")
    assert response.status_code == 200
    html = response_text(response)
    today = to_local(utcnow()).date()
    assert f'value="Sinh hoạt chi bộ thường kỳ tháng {today.month}/{today.year}"' in html
    assert "Đánh giá tình hình lãnh đạo thực hiện nhiệm vụ tháng trước" in html
    assert 'name="template" type="hidden" value="regular"' in html
    thematic = response_text(client.get(f"/org/{tree.b1.id}/meetings/new?template=thematic"))
    assert '<option selected value="thematic">' in thematic
    assert "Trình bày chuyên đề" in thematic


def test_the_branch_regular_day_fills_the_date_and_month(client, tree) -> None:
    tree.b1.regular_meeting_day = 31
    db.session.commit()
    login(client, tree.secretary_b1)
    html = response_text(client.get(f"/org/{tree.b1.id}/meetings/new?template=regular"))
    day = next_regular_day(to_local(utcnow()).date(), 31)
    assert f'value="{day:%d/%m/%Y}"' in html
    assert f"thường kỳ tháng {day.month}/{day.year}" in html
    assert "ngày 31 hằng tháng" in html


def test_an_unknown_template_is_refused_in_vietnamese(client, tree) -> None:
    login(client, tree.secretary_b1)
    response = client.get(f"/org/{tree.b1.id}/meetings/new?template=../../etc")
    assert response.status_code == 400
    assert UNKNOWN_TEMPLATE in response_text(response)
    forged = client.post(f"/org/{tree.b1.id}/meetings/new", data=meeting_form(template="bogus"))
    assert forged.status_code == 400
    assert UNKNOWN_TEMPLATE in response_text(forged)
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


@pytest.mark.parametrize("agenda", ["", "   \n\n", "-\n1.\n•"])
def test_a_template_left_with_no_agenda_is_refused(client, tree, agenda: str) -> None:
    login(client, tree.secretary_b1)
    response = client.post(
        f"/org/{tree.b1.id}/meetings/new", data=meeting_form(template="regular", agenda=agenda)
    )
    assert response.status_code == 400
    assert EMPTY_TEMPLATE in response_text(response)
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_without_a_template_an_empty_agenda_is_still_allowed(client, tree) -> None:
    """What the form accepted before templates, it still accepts."""
    login(client, tree.secretary_b1)
    response = client.post(f"/org/{tree.b1.id}/meetings/new", data=meeting_form(agenda=""))
    assert response.status_code == 302


def test_a_member_gets_no_template_form(client, tree) -> None:
    login(client, tree.member_b1)
    assert client.get(f"/org/{tree.b1.id}/meetings/new?template=regular").status_code in (
        403,
        404,
    )


@BOTH
def test_a_meeting_from_a_template_is_made_and_reminded_the_day_before(client, tree) -> None:
    login(client, tree.secretary_b1)
    response = client.post(
        f"/org/{tree.b1.id}/meetings/new",
        data=meeting_form(
            template="thematic",
            kind="thematic",
            title="Sinh hoạt chuyên đề tháng 12/2026",
            agenda=THEMATIC.agenda_text,
        ),
    )
    assert response.status_code == 302, response_text(response)
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert meeting.kind is MeetingKind.THEMATIC
    assert [item.title for item in meeting.agenda] == list(THEMATIC.items)
    upload_document(client, meeting)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    # As the day-before reminder's own tests do: the meeting as it stands later on.
    now = utcnow()
    db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id)
        .values(starts_at=now + timedelta(hours=20), notified_at=now - timedelta(days=3))
    )
    db.session.execute(
        sa.update(Document)
        .where(Document.meeting_id == meeting.id)
        .values(publish_at=now - timedelta(days=3))
    )
    db.session.commit()
    assert remind_due.call_local() == 1
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == tree.member_b1.id)
    ).all()
    assert "reminder" in kinds
