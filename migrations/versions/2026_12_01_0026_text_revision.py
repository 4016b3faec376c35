"""a document's text may be corrected by its secretary

A secretary corrects a paragraph misread by OCR (issue #14 item 3). The paragraphs keep their
numbers, so reading positions (kept under ``Document.text_version``) stay valid; what is drawn
from the text (parts, the HTML, the outline) is cached per process under the version *and*
``text_revision``, which each correction changes, so every server process draws the new text.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "documents",
        sa.Column("text_revision", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("documents", "text_revision")
