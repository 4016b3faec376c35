"""when a hidden comment was shown again

The secretary may now undo hiding a comment ("Hiện lại", issue #14 item 1). Showing it again
clears ``hidden_at``; ``unhidden_at`` is the mark a reader who was away resyncs by, as
``hidden_at`` is for hiding.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as in 0012: no batch copy of "comments".


def upgrade() -> None:
    op.add_column("comments", sa.Column("unhidden_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("comments", "unhidden_at")
