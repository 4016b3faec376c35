"""The organisation tree (tỉnh → huyện → xã → chi bộ) and who belongs where, in which role."""

from __future__ import annotations

import enum
from datetime import datetime
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

    user: so.Mapped[User] = so.relationship(back_populates="memberships")
    # Joined: whoever reads a membership (the policy, on every request) reads its organisation.
    organization: so.Mapped[Organization] = so.relationship(
        back_populates="memberships", lazy="joined"
    )

    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id"),)

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organization_id} {self.role.value}>"
