"""announcements from a committee or a branch, with the documents sent with them

A committee (or a branch's secretary, for the branch) sends an announcement to its own
organisation or to its whole subtree, outside any meeting (issue #14 item 8). Its documents
are ordinary documents of the organisation; ``announcement_documents`` says which announcement
each went with (one at most), so they are told and withdrawn with it. A withdrawn
announcement keeps its row, its reason and who withdrew it.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "reach",
            sa.Enum("self", "subtree", name="reach", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_announcements_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_announcements_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["users.id"],
            name=op.f("fk_announcements_withdrawn_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(op.f("ix_announcements_organization_id"), "announcements", ["organization_id"])
    op.create_index(op.f("ix_announcements_publish_at"), "announcements", ["publish_at"])
    op.create_table(
        "announcement_documents",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_documents_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_announcement_documents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_announcement_documents")),
    )
    op.create_index(
        op.f("ix_announcement_documents_announcement_id"),
        "announcement_documents",
        ["announcement_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_announcement_documents_announcement_id"), table_name="announcement_documents"
    )
    op.drop_table("announcement_documents")
    op.drop_index(op.f("ix_announcements_publish_at"), table_name="announcements")
    op.drop_index(op.f("ix_announcements_organization_id"), table_name="announcements")
    op.drop_table("announcements")
