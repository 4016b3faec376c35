"""members' standing and meeting attendance (issue #13 items 1 and 2)

Each membership records official or probationary standing (every existing one is official:
nobody recorded otherwise), and a situation that keeps a member from meetings for a while
(exempted, working elsewhere, suspended or prosecuted) with its dates. A branch may set its own
quorum. A meeting's check-in (``attendance_sheets``) and one row per member convened
(``attendances``), versioned so two secretaries editing at once do not overwrite each other.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_STANDING = sa.Enum("official", "probationary", name="standing", native_enum=False, length=16)
_SITUATION = sa.Enum(
    "exempt", "elsewhere", "suspended", name="situation", native_enum=False, length=16
)
_MARK = sa.Enum(
    "present",
    "online",
    "late",
    "excused",
    "absent",
    "exempt",
    name="mark",
    native_enum=False,
    length=16,
)
_WAY = sa.Enum("qr", "self", "secretary", name="checkinway", native_enum=False, length=16)


# Plain ALTER TABLE ADD COLUMN (SQLite 3.35+ and PostgreSQL), as in 0012 and 0016.


def upgrade() -> None:
    op.add_column(
        "memberships",
        sa.Column("standing", _STANDING, nullable=False, server_default="official"),
    )
    op.add_column("memberships", sa.Column("situation", _SITUATION, nullable=True))
    op.add_column("memberships", sa.Column("situation_from", sa.Date(), nullable=True))
    op.add_column("memberships", sa.Column("situation_until", sa.Date(), nullable=True))
    op.add_column("organizations", sa.Column("quorum_percent", sa.Integer(), nullable=True))
    op.create_table(
        "attendance_sheets",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("self_check_in", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_attendance_sheets_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["users.id"],
            name=op.f("fk_attendance_sheets_opened_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_attendance_sheets")),
    )
    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("situation", _SITUATION, nullable=True),
        sa.Column("mark", _MARK, nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("way", _WAY, nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["attendance_sheets.meeting_id"],
            name=op.f("fk_attendances_meeting_id_attendance_sheets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_attendances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_attendances_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint(
            "meeting_id", "user_id", name=op.f("uq_attendances_meeting_id_user_id")
        ),
    )
    op.create_index(op.f("ix_attendances_user_id"), "attendances", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_attendances_user_id"), table_name="attendances")
    op.drop_table("attendances")
    op.drop_table("attendance_sheets")
    op.drop_column("organizations", "quorum_percent")
    # SQLite drops a column with a plain ALTER TABLE since 3.35.
    for column in ("situation_until", "situation_from", "situation", "standing"):
        op.drop_column("memberships", column)
