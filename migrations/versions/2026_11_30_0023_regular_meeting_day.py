"""a branch's regular meeting day and the secretary's reminder to prepare

The branch meets on a fixed day of the month (issue #14 item 7); ``prepare_days_ahead`` days
before it the secretary is reminded to prepare and publish the documents, once a month
(``prepare_reminded_for`` is the meeting day last reminded of).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as in 0012: no batch copy of "organizations".


def upgrade() -> None:
    op.add_column("organizations", sa.Column("regular_meeting_day", sa.Integer(), nullable=True))
    op.add_column(
        "organizations",
        sa.Column("prepare_days_ahead", sa.Integer(), nullable=False, server_default="5"),
    )
    op.add_column("organizations", sa.Column("prepare_reminded_for", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("organizations", "prepare_reminded_for")
    op.drop_column("organizations", "prepare_days_ahead")
    op.drop_column("organizations", "regular_meeting_day")
