"""A member import: the uploaded list while a worker checks and stores it, what it found, and
the one-time password sheet until it is printed (``import_jobs``, ``import_sheet``).

Who may follow an import, read its errors or take its sheet is the policy's rule below: those
who manage the organisation's members (its secretary, admins above), which includes whoever
started it while they still hold that role.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.core.db import Base, enum_column
from handbook.core.policy import Action, can, rule
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.orgs.models import Organization


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "đang chờ xử lý",
            "processing": "đang xử lý",
            "done": "đã nhập xong",
            "failed": "không nhập được",
        }[self.value]

    @property
    def running(self) -> bool:
        return self in (ImportStatus.QUEUED, ImportStatus.PROCESSING)


class MemberImport(Base):
    __tablename__ = "member_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    file_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    #: The site's address as the uploader saw it, printed on each slip.
    app_url: so.Mapped[str] = so.mapped_column(sa.String(300))
    #: The uploaded CSV, kept only until the job ends (it holds names and phone numbers).
    source: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    status: so.Mapped[ImportStatus] = so.mapped_column(
        enum_column(ImportStatus), default=ImportStatus.QUEUED
    )
    #: 0 to 100 over the three steps (checking, passwords, storing); for ``core.claims``.
    progress: so.Mapped[int] = so.mapped_column(default=0)
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    #: Data rows in the file, once read; rows checked, passwords made, accounts stored.
    row_count: so.Mapped[int] = so.mapped_column(default=0)
    checked: so.Mapped[int] = so.mapped_column(default=0)
    prepared: so.Mapped[int] = so.mapped_column(default=0)
    stored: so.Mapped[int] = so.mapped_column(default=0)
    #: Every bad row as ``[line, message]``; nothing is stored when there is one.
    errors: so.Mapped[list[Any] | None] = so.mapped_column(sa.JSON)
    #: Why the import failed as a whole (a system error), for the page.
    error_message: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: The password sheet (PDF) encrypted with a key derived from the app's secret; erased
    #: when the secretary says it is printed, or at ``sheet_until`` at the latest.
    sheet: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    sheet_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    sheet_erased_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    sheet_downloads: so.Mapped[int] = so.mapped_column(default=0)

    organization: so.Mapped[Organization] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    __table_args__ = (
        # One import at a time per organisation: a second upload is refused while one runs,
        # whatever the race (two secretaries, a double tap).
        sa.Index(
            "uq_member_imports_running",
            "organization_id",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'processing')"),
            postgresql_where=sa.text("status IN ('queued', 'processing')"),
        ),
    )

    @property
    def has_sheet(self) -> bool:
        """Whether the sheet waits to be downloaded (read without loading it)."""
        return (
            self.sheet_until is not None
            and self.sheet_erased_at is None
            and self.sheet_until > utcnow()
        )

    def __repr__(self) -> str:
        return f"<MemberImport {self.id} org={self.organization_id} {self.status.value}>"


@rule(
    MemberImport, view=Action.ORG_MANAGE_MEMBERS, loads=(so.joinedload(MemberImport.organization),)
)
def _member_import(actor: User, action: Action, found: MemberImport) -> bool:
    return action is Action.ORG_MANAGE_MEMBERS and can(
        actor, Action.ORG_MANAGE_MEMBERS, found.organization
    )
