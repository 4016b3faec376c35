"""The organisation tree (tỉnh → huyện → xã → chi bộ) and who belongs where, in which role."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from handbook.accounts.models import User


class OrgKind(enum.StrEnum):
    """Levels of the tree, top to bottom. A child is always of a lower level than its parent,
    but levels may be skipped: since the 2025 reform many provinces have no district level."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    BRANCH = "branch"

    @property
    def rank(self) -> int:
        return list(OrgKind).index(self)

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    OrgKind.PROVINCE: "Tỉnh / Thành phố",
    OrgKind.DISTRICT: "Huyện / Quận",
    OrgKind.COMMUNE: "Xã / Phường",
    OrgKind.BRANCH: "Chi bộ",
}


class Role(enum.StrEnum):
    MEMBER = "member"
    SECRETARY = "secretary"
    COMMITTEE = "committee"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.MEMBER: "Đảng viên",
    Role.SECRETARY: "Bí thư chi bộ",
    Role.COMMITTEE: "Cấp ủy",
    Role.ADMIN: "Quản trị",
}


class Standing(enum.StrEnum):
    """Official or probationary (Điều lệ Đảng, Điều 5: a probationary member does not vote)."""

    OFFICIAL = "official"
    PROBATIONARY = "probationary"

    @property
    def label(self) -> str:
        return "Chính thức" if self is Standing.OFFICIAL else "Dự bị"


class Situation(enum.StrEnum):
    """What keeps a member from the branch's meetings for a while (Quy định 24-QĐ/TW §9.3).

    Kept on the membership, with its dates, rather than entered at each meeting: each is decided
    once (by the committee or the authorities) and lasts months, so every meeting in that time
    reads it, and a meeting's attendance keeps what it was on the day.
    """

    #: Exempted from Party work and meetings (miễn công tác và sinh hoạt đảng).
    EXEMPT = "exempt"
    #: Temporarily working or studying elsewhere.
    ELSEWHERE = "elsewhere"
    #: Suspended from Party activity, or being prosecuted or detained.
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return _SITUATION_LABELS[self]


_SITUATION_LABELS = {
    Situation.EXEMPT: "Miễn sinh hoạt",
    Situation.ELSEWHERE: "Tạm thời công tác nơi khác",
    Situation.SUSPENDED: "Đình chỉ sinh hoạt / bị khởi tố, tạm giam",
}


class EndReason(enum.StrEnum):
    """Why a membership ended: the member moved to another branch, died or left the Party."""

    #: Transferred to another branch (chuyển sinh hoạt đảng).
    MOVED = "moved"
    DECEASED = "deceased"
    #: Left the Party, or struck off its list (xin ra khỏi Đảng, xóa tên).
    LEFT = "left"
    EXPELLED = "expelled"
    #: Anything else; a note is then required.
    OTHER = "other"

    @property
    def label(self) -> str:
        return _END_REASON_LABELS[self]


_END_REASON_LABELS = {
    EndReason.MOVED: "Chuyển sinh hoạt đảng đi nơi khác",
    EndReason.DECEASED: "Từ trần",
    EndReason.LEFT: "Ra khỏi Đảng, xóa tên",
    EndReason.EXPELLED: "Bị khai trừ khỏi Đảng",
    EndReason.OTHER: "Lý do khác",
}


class Reach(enum.StrEnum):
    """Who a publication is for: the owning organisation only, or every organisation below too."""

    SELF = "self"
    SUBTREE = "subtree"


class Organization(Base):
    __tablename__ = "organizations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[OrgKind] = so.mapped_column(enum_column(OrgKind))
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    #: Ids from the root down to this node, e.g. ``/1/4/9/``: a subtree is ``path LIKE '/1/4/%'``.
    path: so.Mapped[str] = so.mapped_column(sa.String(255))
    depth: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: The branch's own meeting quorum, in percent of those convened; ``None``: none is set
    #: (the Party's texts set none, so nothing is hard-coded).
    quorum_percent: so.Mapped[int | None] = so.mapped_column()
    #: The day of the month the branch meets (1..31; past a short month's end, its last day);
    #: ``None``: no fixed day. The secretary is reminded ``prepare_days_ahead`` days before.
    regular_meeting_day: so.Mapped[int | None] = so.mapped_column()
    prepare_days_ahead: so.Mapped[int] = so.mapped_column(default=5, server_default="5")
    #: The regular meeting day the secretary was last reminded of (meetings.rhythm): one
    #: reminder a month, whichever process runs the sweep.
    prepare_reminded_for: so.Mapped[date | None] = so.mapped_column(sa.Date)

    parent: so.Mapped[Organization | None] = so.relationship(remote_side=[id])
    memberships: so.Mapped[list[Membership]] = so.relationship(back_populates="organization")

    __table_args__ = (
        sa.UniqueConstraint("parent_id", "name"),
        # Pattern ops let PostgreSQL answer ``LIKE '/1/4/%'`` from the index.
        sa.Index("ix_organizations_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this node."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: Organization) -> bool:
        """True when this node is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.kind.value} {self.name!r}>"


class Membership(Base):
    """A user's role in one organisation; a secretary or committee officer is also a member."""

    __tablename__ = "memberships"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: so.Mapped[Role] = so.mapped_column(enum_column(Role))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    standing: so.Mapped[Standing] = so.mapped_column(
        enum_column(Standing), default=Standing.OFFICIAL, server_default=Standing.OFFICIAL.value
    )
    #: Exempted, elsewhere or suspended from ``situation_from`` to ``situation_until``
    #: (local dates, both included; no start: already so; no end: until changed).
    situation: so.Mapped[Situation | None] = so.mapped_column(enum_column(Situation))
    situation_from: so.Mapped[date | None] = so.mapped_column(sa.Date)
    situation_until: so.Mapped[date | None] = so.mapped_column(sa.Date)

    user: so.Mapped[User] = so.relationship(back_populates="memberships")
    # Joined: whoever reads a membership (the policy, on every request) reads its organisation.
    organization: so.Mapped[Organization] = so.relationship(
        back_populates="memberships", lazy="joined"
    )

    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id"),)

    def situation_on(self, day: date) -> Situation | None:
        """The member's situation on ``day``, if its dates cover it."""
        if self.situation is None:
            return None
        if self.situation_from is not None and day < self.situation_from:
            return None
        if self.situation_until is not None and day > self.situation_until:
            return None
        return self.situation

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organization_id} {self.role.value}>"


class EndedMembership(Base):
    """A membership that has ended, kept for the record (``orgs/roles.py``).

    Ending a membership moves it here rather than marking the live row: every reader of
    ``memberships`` (the policy, member lists, audiences, attendance, participation, sockets)
    then ignores it with no filter to forget, and the member may join the branch again later.
    What the member did (attendance, comments, reading, minutes) is keyed by the account, which
    stays, so history is untouched.
    """

    __tablename__ = "ended_memberships"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: The role and standing held when it ended.
    role: so.Mapped[Role] = so.mapped_column(enum_column(Role))
    standing: so.Mapped[Standing] = so.mapped_column(enum_column(Standing))
    #: When the membership was recorded (``Membership.created_at``).
    began_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    #: The local date the member left (moved, died, left the Party), as the secretary gave it.
    ended_on: so.Mapped[date] = so.mapped_column(sa.Date)
    reason: so.Mapped[EndReason] = so.mapped_column(enum_column(EndReason))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    #: When it was recorded, and by whom.
    ended_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    ended_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<EndedMembership user={self.user_id} org={self.organization_id} {self.ended_on}>"
