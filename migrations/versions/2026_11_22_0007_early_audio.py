"""early audio and sentence progress on audio tracks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audio_tracks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sentences_done", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("sentences_total", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("early_size", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("early_duration", sa.Double(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("early_timings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audio_tracks", schema=None) as batch_op:
        batch_op.drop_column("early_timings")
        batch_op.drop_column("early_duration")
        batch_op.drop_column("early_size")
        batch_op.drop_column("sentences_total")
        batch_op.drop_column("sentences_done")
