"""Editing the minutes: a section's words (or the system's draft taken back), the facts
(signers, times, place), and "Kết thúc và lập biên bản".

Each claims the minutes first (``operations.take``); a section's change is then a conditional
UPDATE on its ``version``: of two secretaries saving the same section, the second is told what
the first saved, and their own text is given back to them to merge (nothing is lost).
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance import operations as attendance
from handbook.audit.operations import record as audit
from handbook.core import db
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.minutes import record
from handbook.minutes.models import Minutes, MinutesSection
from handbook.minutes.operations import MinutesError, ensure, refresh, take
from handbook.orgs.models import Membership

logger = logging.getLogger(__name__)


def members(meeting: Meeting) -> list[User]:
    """Who may chair or take the minutes: the members of the meeting's organisation."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == meeting.organization_id)
            .order_by(User.full_name, User.id)
        )
    )


def section_of(minutes: Minutes, section_id: int) -> MinutesSection:
    section = db.session.get(MinutesSection, section_id)
    if section is None or section.minutes_id != minutes.id:
        raise MinutesError("Không tìm thấy phần này của biên bản.", 404)
    return section


def edit_section(
    minutes: Minutes, section_id: int, body: str | None, version: int, actor: User
) -> MinutesSection:
    """Save a person's words (``body``), or take the system's latest draft back (``None``),
    if the section is still at ``version``; else 409 with the section now and their text."""
    section = section_of(minutes, section_id)
    words = record.clean(body) if body is not None else None
    if words is not None and len(words) > record.MAX_BODY:
        raise MinutesError(f"Phần này dài quá {record.MAX_BODY} ký tự.", 400)
    take(minutes, yours=words)
    values = (
        {"body": words, "edited": True}
        if words is not None
        else {"body": section.auto_body, "edited": False}
    )
    done = db.session.execute(
        sa.update(MinutesSection)
        .where(MinutesSection.id == section.id, MinutesSection.version == version)
        .values(
            version=MinutesSection.version + 1,
            auto_newer=False,
            edited_by_id=actor.id,
            edited_at=utcnow(),
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(section)
    if not done.rowcount:  # type: ignore[attr-defined]
        who = section.edited_by.full_name if section.edited_by else "hệ thống"
        raise MinutesError(
            f"Phần “{section.title}” vừa được đồng chí {who} lưu lúc "
            f"{vn_datetime(section.edited_at or minutes.updated_at)}, trong khi đồng chí đang "
            "sửa. Nội dung của đồng chí chưa được lưu và vẫn còn nguyên trong ô soạn thảo; bản "
            "vừa lưu hiện ở trên: hãy ghép hai bản rồi bấm “Lưu phần này”.",
            409,
            section=section,
            yours=words,
        )
    audit(
        "minutes.section_saved" if words is not None else "minutes.section_redrafted",
        actor_id=actor.id,
        target=minutes.meeting,
        organization_id=minutes.meeting.organization_id,
        section=section.id,
        version=section.version,
    )
    return section


def set_facts(
    minutes: Minutes,
    actor: User,
    *,
    chair_id: int | None,
    taker_id: int | None,
    started_at: datetime | None,
    ended_at: datetime | None,
    place: str,
    revision: int,
) -> Minutes:
    """The signers, the times and the place; the sections that state them follow."""
    names = {user.id for user in members(minutes.meeting)}
    if any(uid is not None and uid not in names for uid in (chair_id, taker_id)):
        raise MinutesError("Chủ trì và thư ký phải là đảng viên của chi bộ.", 400)
    if chair_id is not None and chair_id == taker_id:
        raise MinutesError("Chủ trì và thư ký phải là hai đồng chí khác nhau.", 400)
    if started_at and ended_at and ended_at <= started_at:
        raise MinutesError("Giờ kết thúc phải sau giờ bắt đầu.", 400)
    place = " ".join(record.clean(place).split())
    if len(place) > 300:
        raise MinutesError("Địa điểm dài quá 300 ký tự.", 400)
    take(minutes, revision)
    minutes.chair_id, minutes.taker_id, minutes.place = chair_id, taker_id, place
    minutes.started_at, minutes.ended_at = started_at, ended_at
    db.session.flush()
    db.session.expire(minutes, ["chair", "taker"])
    refresh(minutes)
    audit(
        "minutes.facts_set",
        actor_id=actor.id,
        target=minutes.meeting,
        organization_id=minutes.meeting.organization_id,
        chair=chair_id,
        taker=taker_id,
    )
    return minutes


def end_meeting(meeting: Meeting, actor: User) -> Minutes:
    """The button "Kết thúc và lập biên bản": the end time noted, check-in closed, the draft
    made (or drafted again, keeping what a person wrote)."""
    minutes = ensure(meeting, actor)
    if minutes.locked_at is None:
        now = utcnow()
        # Noted only once the meeting has begun (drafted ahead, the end is left to fill in).
        if minutes.ended_at is None and now > (minutes.started_at or meeting.starts_at):
            take(minutes)
            minutes.ended_at = now
            db.session.flush()
        sheet = attendance.sheet_of(meeting)
        if attendance.started(sheet) and sheet.closed_at is None:
            attendance.close_check_in(sheet, actor)
        refresh(minutes)
    logger.info("meeting %s ended by %s; minutes %s drafted", meeting.id, actor, minutes.id)
    return minutes
