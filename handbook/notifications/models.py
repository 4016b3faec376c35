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
    )
