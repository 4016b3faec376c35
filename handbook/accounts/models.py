"""Accounts: who can sign in, and the state that guards sign-in (lockout, forced change)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from handbook.orgs.models import Membership


class TextSize(enum.StrEnum):
    """The reading size a member chose, remembered on every device (``html`` class in base.html)."""

    NORMAL = "normal"
    LARGE = "large"
    XLARGE = "xlarge"

    @property
    def html_class(self) -> str:
        """The class on ``<html>`` (``text-large`` kept from the two-size switch)."""
        return {"normal": "", "large": "text-large", "xlarge": "text-xlarge"}[self.value]

    def following(self) -> TextSize:
        """The next size, round again after the largest (the form that names no size)."""
        sizes = list(TextSize)
        return sizes[(sizes.index(self) + 1) % len(sizes)]


class User(UserMixin, Base):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Sign-in names: most members know their phone number, officers often a username.
    username: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    #: Normalised to the national form, e.g. ``0912345678``.
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(15), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    #: Set for accounts created by someone else: the first sign-in must choose a new password.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False)
    #: A disabled account cannot sign in and its open sessions end.
    active: so.Mapped[bool] = so.mapped_column(default=True)
    #: Platform administrator: every organisation, every action.
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    #: Part of the session cookie; bumping it signs the user out everywhere.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    #: The reading size (thường, lớn, rất lớn), remembered across devices.
    text_size: so.Mapped[TextSize] = so.mapped_column(
        enum_column(TextSize), default=TextSize.NORMAL, server_default=TextSize.NORMAL.value
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    memberships: so.Mapped[list[Membership]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("username IS NOT NULL OR phone IS NOT NULL", name="has_login"),
        # Usernames sign in whatever their case, so they must be unique whatever their case.
        sa.Index("uq_users_username_lower", sa.func.lower(username), unique=True),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def login_name(self) -> str:
        return self.phone or self.username or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login_name}>"


class Device(Base):
    """One sign-in of one browser (see ``handbook.accounts.devices``)."""

    __tablename__ = "devices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: sha256 of the secret the browser holds; the secret itself is never stored.
    secret_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: Readable, e.g. "Chrome Mobile trên Samsung SM-A105F".
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    address: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    remember: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def is_live(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or utcnow())

    @property
    def key(self) -> str:
        """What sockets opened from this device are filed under (see ``core.realtime``)."""
        return f"device-{self.id}"


class LoginThrottle(Base):
    """Failed sign-ins counted per sign-in name and per address (see ``accounts.throttle``).

    Keyed by a hash of what was typed, so a name with no account is counted exactly like
    one with an account, and nothing typed into the form is kept in clear.
    """

    __tablename__ = "login_throttles"

    key: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    last_failure_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    blocked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
