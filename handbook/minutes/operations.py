"""Drafting and editing the minutes: made from the branch's data when the meeting ends (or when
the secretary first opens them), drafted again without touching what a person wrote, edited
section by section, the facts (signers, times, place) set.

Every change first claims the minutes row (one conditional UPDATE bumping ``revision`` while
the minutes are not locked: on PostgreSQL a row lock held to the commit), so an edit, a
redraft and an approval never interleave; a section's change is then a conditional UPDATE on
its ``version``, as attendance marks are: of two secretaries saving the same section, the
second is told, and their text is given back to them.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from handbook.accounts.models import User
from handbook.audit.operations import record as audit
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.minutes import draft, record
from handbook.minutes.models import Minutes, MinutesSection, SectionKind
from handbook.orgs.models import Membership, Role

logger = logging.getLogger(__name__)

LOCKED = (
    "Biên bản đã được chủ trì và thư ký duyệt nên không sửa được nữa. Muốn sửa, hãy bấm "
    "“Lập phiên bản mới”: bản đã duyệt vẫn được giữ nguyên."
)


class MinutesError(Exception):
    """A refusal with a Vietnamese message, its HTTP status and, for a section that changed
    under the editor, the section as it is now and the editor's own text."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        section: MinutesSection | None = None,
        yours: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.section, self.yours = message, status, section, yours


def minutes_of(meeting: Meeting) -> Minutes:
    """The meeting's minutes; before they are drafted, an unsaved one for the policy."""
    found = db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))
    if found is not None:
        return found
    # number=1 as the column's default would give it at the first flush: the policy reads it.
    return Minutes(meeting=meeting, meeting_id=meeting.id, number=1)


def stored(minutes: Minutes) -> bool:
    return minutes.id is not None


def _default_chair(meeting: Meeting, actor: User) -> int | None:
    """The branch's secretary (bí thư) usually chairs: the one drafting if they are one."""
    secretaries = list(
        db.session.scalars(
            sa.select(Membership.user_id)
            .where(
                Membership.organization_id == meeting.organization_id,
                Membership.role == Role.SECRETARY,
            )
            .order_by(Membership.id)
        )
    )
    return actor.id if actor.id in secretaries else next(iter(secretaries), None)


def ensure(meeting: Meeting, actor: User) -> Minutes:
    """The meeting's minutes, drafted from the branch's data if they are not yet."""
    found = minutes_of(meeting)
    if stored(found):
        return found
    if meeting.cancelled_at is not None:
        raise MinutesError("Buổi sinh hoạt đã bị hủy nên không lập biên bản.", 409)
    minutes = Minutes(
        meeting=meeting,
        chair_id=_default_chair(meeting, actor),
        started_at=meeting.starts_at,
        place=meeting.place,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():  # two secretaries opening it at once: one draft
            db.session.add(minutes)
            db.session.flush()
    except IntegrityError:
        return minutes_of(meeting)
    for position, wanted in enumerate(draft.sections(minutes)):
        db.session.add(_new_section(minutes, wanted, position))
    db.session.flush()
    db.session.refresh(minutes)
    audit(
        "minutes.drafted",
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
    )
    return minutes


def _new_section(minutes: Minutes, wanted: draft.Wanted, position: int) -> MinutesSection:
    return MinutesSection(
        minutes_id=minutes.id,
        position=position,
        kind=wanted.kind,
        agenda_item_id=wanted.agenda_item_id,
        title=wanted.title,
        body=wanted.text,
        auto_body=wanted.text,
    )


def take(minutes: Minutes, revision: int | None = None, *, yours: str | None = None) -> None:
    """Claim the minutes for a change of their text (``revision`` + 1), while not locked and,
    when given, still at the ``revision`` the person saw."""
    query = sa.update(Minutes).where(Minutes.id == minutes.id, Minutes.locked_at.is_(None))
    if revision is not None:
        query = query.where(Minutes.revision == revision)
    done = db.session.execute(
        query.values(revision=Minutes.revision + 1, updated_at=utcnow()).execution_options(
            synchronize_session=False
        )
    )
    db.session.refresh(minutes)
    if not done.rowcount:  # type: ignore[attr-defined]
        if minutes.locked_at is not None:
            raise MinutesError(LOCKED, 409, yours=yours)
        raise MinutesError(
            "Biên bản vừa được người khác sửa. Thay đổi của đồng chí chưa được lưu: hãy xem "
            "lại rồi lưu lại.",
            409,
        )


def refresh(minutes: Minutes) -> bool:
    """Draft again from the branch's data: sections nobody edited follow; an edited one keeps
    its words and is offered "Cập nhật phần tự động" (``auto_newer``). Locked minutes stay."""
    if minutes.locked_at is not None:
        return False
    wanted = draft.sections(minutes)
    if not _differs(list(minutes.sections), wanted):
        return False
    take(minutes)
    current = {
        (s.kind, s.agenda_item_id): s
        for s in db.session.scalars(
            sa.select(MinutesSection)
            .where(MinutesSection.minutes_id == minutes.id)
            .execution_options(populate_existing=True)
        )
    }
    ordered: list[MinutesSection] = []
    for item in wanted:
        section = current.pop(item.key, None)
        if section is None:
            section = _new_section(minutes, item, 0)
            db.session.add(section)
        elif section.title != item.title or section.auto_body != item.text:
            section.title, section.auto_body = item.title, item.text
            if section.edited:
                section.auto_newer = True
            else:
                section.body = item.text
            section.version += 1
        ordered.append(section)
    kept = [s for s in current.values() if s.edited]  # an agenda item gone: a person's words stay
    for section in current.values():
        if not section.edited:
            db.session.delete(section)
    at = next(i for i, s in enumerate(ordered) if s.kind is SectionKind.CONCLUSIONS)
    for position, section in enumerate(ordered[:at] + kept + ordered[at:]):
        section.position = position
    db.session.flush()
    db.session.expire(minutes, ["sections"])
    return True


def _differs(sections: list[MinutesSection], wanted: list[draft.Wanted]) -> bool:
    by_key = {(s.kind, s.agenda_item_id): s for s in sections}
    for item in wanted:
        section = by_key.pop(item.key, None)
        if section is None or section.title != item.title or section.auto_body != item.text:
            return True
    return any(not s.edited for s in by_key.values())


def record_of(minutes: Minutes) -> record.Record:
    """The minutes as drafted now, as one record (see ``record``)."""
    meeting = minutes.meeting
    moment = minutes.started_at or meeting.starts_at
    org = meeting.organization
    # Imported here: the export module brings reportlab and python-docx (cold start).
    from handbook.comments.export import locality, vn_date_line

    return record.Record(
        number=minutes.number,
        header=record.header(org),
        place_date=f"{locality(org, minutes.place)}, {vn_date_line(moment)}",
        subtitle=record.subtitle(meeting, moment),
        meeting_title=meeting.title,
        parts=tuple(record.Part(s.title, s.body) for s in minutes.sections),
        chair=minutes.chair.full_name if minutes.chair else "",
        taker=minutes.taker.full_name if minutes.taker else "",
    )
