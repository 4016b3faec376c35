"""Check-in and attendance: open and close a meeting's check-in, a member checking in (by the
rotating code or "Tôi có mặt"), the secretary marking who came, and the counts.

Every change bumps the row's ``version`` in one conditional UPDATE, so two secretaries editing
the same member at once cannot overwrite each other: the second is told what the first set.
Whoever watches the attendance screen is told after the commit (``attendance.changed``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.attendance import rules, tokens
from handbook.attendance.models import Attendance, AttendanceSheet, CheckInWay, Mark
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.aftercommit import after_commit
from handbook.core.policy import Action, can, reads
from handbook.core.realtime import push
from handbook.core.timeutil import to_local, utcnow
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership, Standing
from handbook.orgs.operations import standing_changed

logger = logging.getLogger(__name__)

#: Who may have a reason noted, and how long it may be.
MAX_REASON = 300


class AttendanceError(Exception):
    """A refusal with a Vietnamese message and the HTTP status that fits it."""

    def __init__(self, message: str, status: int = 400, entry: Attendance | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.entry = message, status, entry


def room(meeting_id: int) -> str:
    """The Socket.IO room of a meeting's attendance screen."""
    return f"attendance:{meeting_id}"


def sheet_of(meeting: Meeting) -> AttendanceSheet:
    """The meeting's check-in; before it is first opened, an unsaved one (closed) for the
    policy to judge and the page to draw."""
    found = db.session.get(AttendanceSheet, meeting.id, options=reads(AttendanceSheet))
    if found is not None:
        return found
    return AttendanceSheet(
        meeting_id=meeting.id, meeting=meeting, closed_at=meeting.created_at, self_check_in=False
    )


def started(sheet: AttendanceSheet) -> bool:
    """Whether check-in was ever opened (the sheet is stored), open or closed now."""
    return sa.inspect(sheet).persistent


def sheet_to_check_in(user: User, meeting: Meeting) -> AttendanceSheet:
    """The sheet, when ``user`` may check in (the policy's ``CHECK_IN``); otherwise a refusal
    that says why. The caller has loaded the meeting with ``MEETING_VIEW`` (404 before)."""
    found = sheet_of(meeting)
    if can(user, Action.CHECK_IN, found):
        return found
    if meeting.cancelled_at is not None:
        raise AttendanceError("Buổi sinh hoạt đã bị hủy: không điểm danh được.", 409)
    raise AttendanceError(
        "Đồng chí không sinh hoạt ở chi bộ này nên không có tên trong danh sách triệu tập.", 403
    )


def check_in_member(
    user: User, meeting: Meeting, token: str | None, *, secret: str | bytes, now: float
) -> tuple[AttendanceSheet, Attendance, bool]:
    """A member checking themselves in, by the code's ``token`` or, without one, by "Tôi có
    mặt": what the API and the socket both do (the caller loaded the meeting with
    ``MEETING_VIEW``). Raises ``AttendanceError`` or ``tokens.TokenRefused``."""
    found = sheet_to_check_in(user, meeting)
    _refuse_unless_open(found)  # before the code: "not open" tells more than "code expired"
    if token is not None:
        tokens.check(secret, token, meeting.id, now)
    row, new = check_in(found, user, CheckInWay.SELF if token is None else CheckInWay.QR)
    return found, row, new


def entries(sheet: AttendanceSheet) -> list[Attendance]:
    """The members convened, by name, with their accounts."""
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .join(Attendance.user)
            .where(Attendance.meeting_id == sheet.meeting_id)
            .order_by(User.full_name, User.id)
            .options(so.contains_eager(Attendance.user))
        )
    )


def entry_of(meeting_id: int, user_id: int) -> Attendance | None:
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.user_id == user_id
        )
    )


@dataclass(frozen=True)
class Summary:
    counts: rules.Counts
    quorum_percent: int | None
    quorum_met: bool | None


def summary(sheet: AttendanceSheet, rows: list[Attendance] | None = None) -> Summary:
    """The counts by the Party's rules (``rules``), and the branch's own quorum if it set one;
    before check-in is first opened, those of the branch's list as it stands."""
    if not started(sheet):  # no list kept yet: the branch's as it stands
        rows = roster(sheet.meeting)
    elif rows is None:
        rows = entries(sheet)
    counts = rules.count(row.facts() for row in rows)
    percent = sheet.meeting.organization.quorum_percent
    return Summary(counts, percent, rules.quorum_met(counts.present, counts.convened, percent))


def roster(meeting: Meeting, listed: frozenset[int] = frozenset()) -> list[Attendance]:
    """A row (not saved) for each member of the meeting's organisation not in ``listed``, with
    their standing and situation on the meeting's (local) day: what opening check-in adds, and
    what the counts show before it is first opened."""
    day = to_local(meeting.starts_at).date()
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.organization_id == meeting.organization_id)
    )
    return [
        Attendance(
            meeting_id=meeting.id,
            user_id=membership.user_id,
            official=membership.standing is Standing.OFFICIAL,
            situation=membership.situation_on(day),
        )
        for membership in memberships
        if membership.user_id not in listed
    ]


def _fill(sheet: AttendanceSheet) -> None:
    """A row for each member of the meeting's organisation not yet on the list."""
    listed = frozenset(
        db.session.scalars(
            sa.select(Attendance.user_id).where(Attendance.meeting_id == sheet.meeting_id)
        )
    )
    db.session.add_all(roster(sheet.meeting, listed))


def open_check_in(meeting: Meeting, actor: User, *, self_check_in: bool) -> AttendanceSheet:
    """Open (or reopen) the meeting's check-in; members newly in the branch join the list."""
    if meeting.cancelled_at is not None:
        raise AttendanceError("Buổi sinh hoạt đã bị hủy: không mở điểm danh được.", 409)
    sheet = db.session.get(AttendanceSheet, meeting.id)
    if sheet is None:
        sheet = AttendanceSheet(meeting_id=meeting.id, meeting=meeting, opened_by_id=actor.id)
        db.session.add(sheet)
    sheet.closed_at = None
    sheet.opened_at = utcnow()
    sheet.self_check_in = self_check_in
    db.session.flush()
    _fill(sheet)
    record(
        "attendance.opened",
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
        self_check_in=self_check_in,
    )
    _announce(sheet, None)
    return sheet


def close_check_in(sheet: AttendanceSheet, actor: User) -> None:
    """Members can no longer check in; the secretary can still correct the list."""
    if sheet.closed_at is None:
        sheet.closed_at = utcnow()
        record(
            "attendance.closed",
            actor_id=actor.id,
            target=sheet.meeting,
            organization_id=sheet.meeting.organization_id,
        )
        _announce(sheet, None)


def _update(row: Attendance, **values: Any) -> bool:
    """Change the row if nobody changed it since it was read: one conditional UPDATE."""
    values.setdefault("updated_at", utcnow())
    done = db.session.execute(
        sa.update(Attendance)
        .where(Attendance.id == row.id, Attendance.version == row.version)
        .values(version=Attendance.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _refuse_unless_open(sheet: AttendanceSheet) -> None:
    if sheet.meeting.cancelled_at is not None:
        raise AttendanceError("Buổi sinh hoạt đã bị hủy: không điểm danh được.", 409)
    if sheet.closed_at is not None:
        raise AttendanceError(
            "Bí thư chưa mở điểm danh hoặc đã kết thúc điểm danh buổi sinh hoạt này.", 409
        )


def check_in(sheet: AttendanceSheet, user: User, way: CheckInWay) -> tuple[Attendance, bool]:
    """Check the member in (by the code, or "Tôi có mặt" where allowed); returns the row and
    whether this call checked them in (``False``: they already were). The caller asked the
    policy (``CHECK_IN``) and, for a code, checked it."""
    _refuse_unless_open(sheet)
    if way is CheckInWay.SELF and not sheet.self_check_in:
        raise AttendanceError(
            "Buổi sinh hoạt này điểm danh bằng mã QR tại phòng họp; "
            "bí thư chưa cho phép tự điểm danh.",
            403,
        )
    row = entry_of(sheet.meeting_id, user.id)
    if row is None:  # joined the branch after check-in opened
        _fill(sheet)
        db.session.flush()
        row = entry_of(sheet.meeting_id, user.id)
    if row is None:
        raise AttendanceError("Đồng chí không có tên trong danh sách triệu tập buổi này.", 403)
    mark = Mark.ONLINE if way is CheckInWay.SELF else Mark.PRESENT
    for _attempt in range(3):
        if row.mark is not None and row.mark.attending:
            return row, False
        if _update(row, mark=mark, way=way, checked_in_at=utcnow(), updated_by_id=user.id):
            _announce(sheet, row)
            logger.info("%s checked in to meeting %s (%s)", user, sheet.meeting_id, way.value)
            return row, True
    raise AttendanceError("Hệ thống đang bận, vui lòng thử lại.", 409)


def mark(
    sheet: AttendanceSheet,
    user_id: int,
    value: Mark | None,
    reason: str,
    version: int,
    actor: User,
) -> Attendance:
    """The secretary sets a member's status; ``version`` is the one they saw, and a change
    made by someone else since is not overwritten (409, with the row as it is now)."""
    if sheet.meeting.cancelled_at is not None:
        raise AttendanceError("Buổi sinh hoạt đã bị hủy: không sửa điểm danh được.", 409)
    if not started(sheet):
        raise AttendanceError("Buổi sinh hoạt này chưa mở điểm danh.", 409)
    row = entry_of(sheet.meeting_id, user_id)
    if row is None:
        raise AttendanceError("Không có đảng viên này trong danh sách triệu tập.", 404)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise AttendanceError(f"Lý do dài quá {MAX_REASON} ký tự.")
    if value is Mark.EXCUSED and not reason:
        raise AttendanceError("Vui lòng ghi lý do vắng mặt.")
    if row.version != version or not _update(
        row,
        mark=value,
        reason=reason,
        way=CheckInWay.SECRETARY if value and value.attending else row.way,
        checked_in_at=row.checked_in_at or (utcnow() if value and value.attending else None),
        updated_by_id=actor.id,
    ):
        code_label = row.status(closed=sheet.closed_at is not None)[1]
        raise AttendanceError(
            f"Trạng thái của đồng chí {row.user.full_name} vừa được người khác đổi thành "
            f"“{code_label}”. Thay đổi của đồng chí chưa được lưu: hãy xem lại rồi lưu lại "
            "nếu vẫn muốn đổi.",
            409,
            entry=row,
        )
    record(
        "attendance.marked",
        actor_id=actor.id,
        target=row.user,
        organization_id=sheet.meeting.organization_id,
        meeting_id=sheet.meeting_id,
        mark=value.value if value else None,
    )
    _announce(sheet, row)
    return row


def serialize(row: Attendance, *, closed: bool) -> dict[str, Any]:
    code, label = row.status(closed=closed)
    return {
        "user_id": row.user_id,
        "name": row.user.full_name,
        "official": row.official,
        "situation": row.situation.value if row.situation else None,
        "mark": row.mark.value if row.mark else None,
        "status": code,
        "label": label,
        "reason": row.reason,
        "version": row.version,
        "convened": rules.convened(row.facts()),
    }


def serialize_summary(found: Summary) -> dict[str, Any]:
    c = found.counts
    return {
        "members": c.members,
        "present": c.present,
        "convened": c.convened,
        "official_convened": c.official_convened,
        "eligible": c.eligible,
        "quorum_percent": found.quorum_percent,
        "quorum_met": found.quorum_met,
    }


def _announce(sheet: AttendanceSheet, row: Attendance | None) -> None:
    """After commit, tell the attendance screens the changed row and the new counts."""
    db.session.flush()
    closed = sheet.closed_at is not None
    data = {
        "meeting": sheet.meeting_id,
        "open": sheet.is_open,
        "self_check_in": sheet.self_check_in,
        "entry": serialize(row, closed=closed) if row is not None else None,
        "counts": serialize_summary(summary(sheet)),
    }
    after_commit(push, "attendance.changed", data, to=room(sheet.meeting_id))


@standing_changed.connect
def _follow_standing(membership: Membership, **_: Any) -> None:
    """A standing changed while a meeting's check-in is open: its row follows (closed meetings
    keep what the member's standing was)."""
    rows = db.session.scalars(
        sa.select(Attendance)
        .join(AttendanceSheet, AttendanceSheet.meeting_id == Attendance.meeting_id)
        .where(Attendance.user_id == membership.user_id, AttendanceSheet.closed_at.is_(None))
    ).all()
    for row in rows:
        sheet = db.session.get(AttendanceSheet, row.meeting_id)
        assert sheet is not None
        if sheet.meeting.organization_id != membership.organization_id:
            continue
        day = to_local(sheet.meeting.starts_at).date()
        _update(
            row,
            official=membership.standing is Standing.OFFICIAL,
            situation=membership.situation_on(day),
        )
        _announce(sheet, row)
