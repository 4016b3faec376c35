"""when a member had read most of a document

Issue #14 item 5: "read" must mean that most of the text was on screen, not that the page
was opened. The reading position keeps only the paragraph last seen, which moves back when
the member scrolls up; ``read_at`` keeps the first moment a report reached 60 % of the
paragraphs or the end, and is never cleared. Positions stored before stay unread.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as in 0022.


def upgrade() -> None:
    op.add_column(
        "reading_positions", sa.Column("read_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("reading_positions", "read_at")
