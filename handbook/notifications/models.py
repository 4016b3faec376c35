"""In-app notifications: what was published, cancelled or asked of a member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base
from handbook.core.timeutil import UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notifications"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: ``meeting.published``, ``document.published``, ``meeting.cancelled``, ``reminder`` …
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    #: The facts, copied at the time (title, date, place, what was published, link), so the
    #: notification still says what it said even if the meeting changes later.
    payload: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    #: What this notification is about, so the same event never notifies a member twice.
    dedupe_key: so.Mapped[str] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "dedupe_key"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        # The notices about one meeting or document still unread (``read_about``: a prefix of
        # the key), a range of the index rather than a filter through every unread notice.
        sa.Index(
            "ix_notifications_unread_key",
            "user_id",
            "dedupe_key",
            postgresql_ops={"dedupe_key": "varchar_pattern_ops"},
            postgresql_where=sa.text("read_at IS NULL"),
            sqlite_where=sa.text("read_at IS NULL"),
        ),
    )


class PushSubscription(Base):
    """One browser's Web Push subscription, made on a signed-in device after a tap.

    Signing that device out deletes it (``subscriptions._device_revoked``); a push service
    that answers 404 or 410 for it deletes it too.
    """

    __tablename__ = "push_subscriptions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The signed-in device it was made on (``accounts.models.Device``).
    device_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("devices.id", ondelete="CASCADE"), index=True
    )
    #: The push service's URL for this browser: a secret, checked against the known services.
    endpoint: so.Mapped[str] = so.mapped_column(sa.String(1024), unique=True)
    #: The browser's P-256 public key and auth secret (base64url), to encrypt each push.
    p256dh: so.Mapped[str] = so.mapped_column(sa.String(100))
    auth: so.Mapped[str] = so.mapped_column(sa.String(40))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Pushes in a row the service did not take (reset by one it took).
    failures: so.Mapped[int] = so.mapped_column(default=0)


class PushPreference(Base):
    """What a member wants pushed to their phones; no row means everything."""

    __tablename__ = "push_preferences"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: New meetings and documents (and a meeting's change or cancellation).
    meetings: so.Mapped[bool] = so.mapped_column(default=True)
    #: The reminder before a meeting.
    reminders: so.Mapped[bool] = so.mapped_column(default=True)
    #: Replies to one's comments.
    replies: so.Mapped[bool] = so.mapped_column(default=True)
    #: ``@Họ Tên`` in a comment.
    mentions: so.Mapped[bool] = so.mapped_column(default=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
