"""who published a meeting or document (never told of their own publication), and the
day-before reminder sent once per meeting

(The web-push tables follow as 0010, revising this one.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


# SQLite's batch copies "meetings" and "documents" (it cannot add or drop a reference in place);
# reading the tables they refer to, it skips the expression index of "users", which it does not
# touch: that warning says nothing here.


def upgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        for table in ("meetings", "documents"):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column("published_by_id", sa.Integer(), nullable=True))
                if table == "meetings":
                    batch_op.add_column(
                        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True)
                    )
                batch_op.create_foreign_key(
                    op.f(f"fk_{table}_published_by_id_users"),
                    "users",
                    ["published_by_id"],
                    ["id"],
                    ondelete="SET NULL",
                )


def downgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        for table in ("documents", "meetings"):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_constraint(
                    op.f(f"fk_{table}_published_by_id_users"), type_="foreignkey"
                )
                batch_op.drop_column("published_by_id")
                if table == "meetings":
                    batch_op.drop_column("reminded_at")
