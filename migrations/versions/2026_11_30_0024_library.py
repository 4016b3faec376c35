"""the branch's library: a member's saved documents and private notes (issue #14 item 6)

``bookmarks`` keyed by (member, document); ``notes`` one per (member, document, paragraph),
at most 2,000 characters. Both go with the member's account and with the document. A
document's kind (nghị quyết, chỉ thị, ...) is not stored: it is read from its title when the
library is drawn (``handbook.library.kinds``), so a renamed document is never misfiled.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_bookmarks_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bookmarks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "document_id", name=op.f("pk_bookmarks")),
    )
    op.create_index(op.f("ix_bookmarks_document_id"), "bookmarks", ["document_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(body) <= 2000", name=op.f("ck_notes_body_length")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_notes_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
        sa.UniqueConstraint(
            "user_id",
            "document_id",
            "paragraph",
            name=op.f("uq_notes_user_id_document_id_paragraph"),
        ),
    )
    op.create_index(op.f("ix_notes_document_id"), "notes", ["document_id"])
    op.create_index(op.f("ix_notes_user_id"), "notes", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notes_user_id"), table_name="notes")
    op.drop_index(op.f("ix_notes_document_id"), table_name="notes")
    op.drop_table("notes")
    op.drop_index(op.f("ix_bookmarks_document_id"), table_name="bookmarks")
    op.drop_table("bookmarks")
