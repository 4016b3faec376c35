"""A meeting's attendance: its check-in (open or closed, self check-in allowed or not) and one
row per member convened, with the standing and situation they had that day."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.attendance.rules import MemberAtMeeting
from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.meetings.models import Meeting
from handbook.orgs.models import Situation


class Mark(enum.StrEnum):
    """What the member did at this meeting (none yet: not checked in)."""

    PRESENT = "present"
    ONLINE = "online"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"
    EXEMPT = "exempt"

    @property
    def label(self) -> str:
        return _MARK_LABELS[self]

    @property
    def attending(self) -> bool:
        return self in (Mark.PRESENT, Mark.ONLINE, Mark.LATE)


_MARK_LABELS = {
    Mark.PRESENT: "Có mặt",
    Mark.ONLINE: "Có mặt trực tuyến",
    Mark.LATE: "Đến muộn",
    Mark.EXCUSED: "Vắng có lý do",
    Mark.ABSENT: "Vắng không lý do",
    Mark.EXEMPT: "Miễn sinh hoạt",
}


class CheckInWay(enum.StrEnum):
    QR = "qr"
    SELF = "self"
    SECRETARY = "secretary"


class AttendanceSheet(Base):
    """A meeting's check-in: opened by the secretary, closed when everyone is in."""

    __tablename__ = "attendance_sheets"

    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    opened_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: ``None`` while members may check in.
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Members may tap "Tôi có mặt" without the code (an online meeting).
    self_check_in: so.Mapped[bool] = so.mapped_column(default=False)

    meeting: so.Mapped[Meeting] = so.relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.meeting.cancelled_at is None

    def __repr__(self) -> str:
        return f"<AttendanceSheet meeting={self.meeting_id} open={self.closed_at is None}>"


class Attendance(Base):
    """One member convened to one meeting."""

    __tablename__ = "attendances"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("attendance_sheets.meeting_id", ondelete="CASCADE")
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The member's standing and situation on the meeting's day (kept with the meeting, so a
    #: later change of standing does not rewrite a past meeting's counts).
    official: so.Mapped[bool] = so.mapped_column(default=True)
    situation: so.Mapped[Situation | None] = so.mapped_column(enum_column(Situation))
    mark: so.Mapped[Mark | None] = so.mapped_column(enum_column(Mark))
    #: Why absent (with a reason), or any note of the secretary's.
    reason: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    way: so.Mapped[CheckInWay | None] = so.mapped_column(enum_column(CheckInWay))
    checked_in_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Bumped by every change: two secretaries editing at once, the second is told.
    version: so.Mapped[int] = so.mapped_column(default=1)

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    def facts(self) -> MemberAtMeeting:
        """This row as the counting rules read it."""
        return MemberAtMeeting(
            official=self.official,
            attending=self.mark is not None and self.mark.attending,
            exempt=self.situation is Situation.EXEMPT or self.mark is Mark.EXEMPT,
            elsewhere=self.situation is Situation.ELSEWHERE,
            suspended=self.situation is Situation.SUSPENDED,
            excused=self.mark is Mark.EXCUSED,
        )

    def status(self, *, closed: bool) -> tuple[str, str]:
        """(code, label) shown for the member: their mark, else their situation, else not yet
        checked in (absent without reason once check-in is closed)."""
        if self.mark is not None:
            return self.mark.value, self.mark.label
        if self.situation is not None:
            return self.situation.value, self.situation.label
        if closed:
            return Mark.ABSENT.value, Mark.ABSENT.label
        return "waiting", "Chưa điểm danh"

    def __repr__(self) -> str:
        return f"<Attendance meeting={self.meeting_id} user={self.user_id} {self.mark}>"
