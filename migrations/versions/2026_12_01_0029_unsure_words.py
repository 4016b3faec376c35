"""the words OCR was unsure of, marked for the document's managers

Tesseract gives each word it reads a confidence; the words read with a low one are kept per
page (issue #14 item 3), as ``[paragraph, start, end]`` character spans of the paragraph's
text, and shown only to those who manage the document, to check against the paper. A
correction of a paragraph clears its marks. NULL: nothing marked (typed text, or read before).

A nullable column without a default: no table rewrite on PostgreSQL. Dropped in place, not by
batch mode, which would copy ``document_pages`` and lose SQLite's search triggers on it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_pages", sa.Column("unsure", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("document_pages", "unsure")
