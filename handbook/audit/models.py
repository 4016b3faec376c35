"""The audit log: who did what to which object, kept for the record and never edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base
from handbook.core.timeutil import UTCDateTime, utcnow


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    #: ``None`` for the system (command line, background jobs) and for anonymous attempts.
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Dotted verb, e.g. ``auth.login_failed`` or ``members.imported``.
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    target_type: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    target_id: so.Mapped[int | None]
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    details: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditLog {self.id} {self.action} by {self.actor_id}>"
