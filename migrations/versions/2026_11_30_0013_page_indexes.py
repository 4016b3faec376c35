"""indexes for every query a page makes (issue #12 items 1 and 8)

Found by ``bench/pages.py --explain`` on the province dataset: the home page read every future
meeting of the province to find a branch's next one; the no-JavaScript form's key read all of
a member's comments; a meeting's agenda discussion read its documents' comments too; and
``read_about`` filtered through every unread notice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_AGENDA = "agenda_item_id IS NOT NULL AND document_id IS NULL AND deleted_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meetings_organization_id_starts_at", ["organization_id", "starts_at"]
        )
        batch_op.drop_index(batch_op.f("ix_meetings_organization_id"))
    op.create_index("ix_comments_author_id_id", "comments", ["author_id", "id"])
    op.create_index(
        "ix_comments_agenda_discussion",
        "comments",
        ["meeting_id", "id"],
        postgresql_where=sa.text(_AGENDA),
        sqlite_where=sa.text(_AGENDA),
    )
    op.create_index(
        "ix_notifications_unread_key",
        "notifications",
        ["user_id", "dedupe_key"],
        postgresql_ops={"dedupe_key": "varchar_pattern_ops"},
        postgresql_where=sa.text("read_at IS NULL"),
        sqlite_where=sa.text("read_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_unread_key", table_name="notifications")
    op.drop_index("ix_comments_agenda_discussion", table_name="comments")
    op.drop_index("ix_comments_author_id_id", table_name="comments")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_organization_id"), ["organization_id"])
        batch_op.drop_index("ix_meetings_organization_id_starts_at")
