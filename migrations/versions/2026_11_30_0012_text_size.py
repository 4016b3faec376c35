"""three reading sizes (thường, lớn, rất lớn) instead of the larger-text switch

Members who had switched to larger text keep it: ``large_text`` true becomes ``large``.
Stepping back, any size above normal becomes the larger text again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_SIZE = sa.Enum("normal", "large", "xlarge", name="textsize", native_enum=False, length=16)


# Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as in 0008: a batch copy of "users" would
# drop its expression index on lower(username). Stepping back, ``large_text`` keeps a server
# default (false): SQLite cannot take it away without that copy.


def upgrade() -> None:
    op.add_column("users", sa.Column("text_size", _SIZE, nullable=False, server_default="normal"))
    op.execute("UPDATE users SET text_size = 'large' WHERE large_text")
    op.drop_column("users", "large_text")


def downgrade() -> None:
    op.add_column(
        "users",
        sa.Column("large_text", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute("UPDATE users SET large_text = (text_size <> 'normal')")
    op.drop_column("users", "text_size")
