"""open sockets are kept in memory (and Redis), no longer in the database

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("socket_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_socket_connections_session_key"))
        batch_op.drop_index(batch_op.f("ix_socket_connections_user_id"))
    op.drop_table("socket_connections")


def downgrade() -> None:
    op.create_table(
        "socket_connections",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_key", sa.String(length=64), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_socket_connections_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_socket_connections")),
    )
    with op.batch_alter_table("socket_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_socket_connections_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_socket_connections_session_key"), ["session_key"], unique=False
        )
