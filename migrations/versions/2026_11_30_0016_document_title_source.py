"""where a document's title came from: the file name, the document's own text, or a person

The title made from the file name at upload is replaced by the document's first heading once
its text is read (issue #11 item 3), but never a title a person chose. Existing documents keep
their titles: whether a person chose one cannot be told now, so they count as chosen.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_SOURCE = sa.Enum("file", "text", "typed", name="titlesource", native_enum=False, length=16)


# Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as in 0012: no batch copy of "documents".


def upgrade() -> None:
    op.add_column(
        "documents", sa.Column("title_source", _SOURCE, nullable=False, server_default="typed")
    )


def downgrade() -> None:
    op.drop_column("documents", "title_source")
