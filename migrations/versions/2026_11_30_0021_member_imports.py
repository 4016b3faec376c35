"""member imports as a background job, and their one-time password sheets (issue #14 item 9)

One row per upload: the CSV until the job ends, the progress, the errors by line, and the
password sheet (sealed) until it is printed or its time is up. One import at a time per
organisation (a partial unique index over the running ones).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_STATUS = sa.Enum(
    "queued", "processing", "done", "failed", name="importstatus", native_enum=False, length=16
)
_RUNNING = sa.text("status IN ('queued', 'processing')")


def upgrade() -> None:
    op.create_table(
        "member_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("app_url", sa.String(length=300), nullable=False),
        sa.Column("source", sa.LargeBinary(), nullable=True),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("prepared", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sheet", sa.LargeBinary(), nullable=True),
        sa.Column("sheet_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sheet_erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sheet_downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_member_imports_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_member_imports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_imports")),
    )
    op.create_index(
        op.f("ix_member_imports_organization_id"), "member_imports", ["organization_id"]
    )
    op.create_index(
        "uq_member_imports_running",
        "member_imports",
        ["organization_id"],
        unique=True,
        sqlite_where=_RUNNING,
        postgresql_where=_RUNNING,
    )


def downgrade() -> None:
    op.drop_index("uq_member_imports_running", table_name="member_imports")
    op.drop_index(op.f("ix_member_imports_organization_id"), table_name="member_imports")
    op.drop_table("member_imports")
