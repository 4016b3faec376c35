"""where each member stopped reading a document ("Đọc tiếp", issue #11 item 3)

One row per (member, document), keyed by both so the document page reads it by primary key:
the paragraph last seen, the text version it was numbered in, and when the member saw it
(a position that arrives late, from an offline phone, never replaces a newer one).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reading_positions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=False),
        sa.Column("text_version", sa.String(length=80), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_reading_positions_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reading_positions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "document_id", name=op.f("pk_reading_positions")),
    )
    op.create_index(op.f("ix_reading_positions_document_id"), "reading_positions", ["document_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reading_positions_document_id"), table_name="reading_positions")
    op.drop_table("reading_positions")
