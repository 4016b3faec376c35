"""voice comments: a comment may carry a recording (issue #11 item 4)

The recording lives in the blob store (by sha256); the comment keeps its id, the container the
server sniffed (``webm`` or ``ogg``) and its length in milliseconds, measured on the server.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voice_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("voice_kind", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("voice_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("voice_ms")
        batch_op.drop_column("voice_kind")
        batch_op.drop_column("voice_sha256")
