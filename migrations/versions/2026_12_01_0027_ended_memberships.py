"""memberships that ended (moved away, died, left the Party), kept for the record

Ending a membership (issue #14 item 8) moves its row here, with the date the member left,
the reason and who recorded it: every reader of ``memberships`` then ignores it without a
filter, and what the member did (attendance, comments, reading, minutes) is keyed by the
account, which stays.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_ROLE = sa.Enum(
    "member", "secretary", "committee", "admin", name="role", native_enum=False, length=16
)
_STANDING = sa.Enum("official", "probationary", name="standing", native_enum=False, length=16)
_REASON = sa.Enum(
    "moved",
    "deceased",
    "left",
    "expelled",
    "other",
    name="endreason",
    native_enum=False,
    length=16,
)


def upgrade() -> None:
    op.create_table(
        "ended_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("role", _ROLE, nullable=False),
        sa.Column("standing", _STANDING, nullable=False),
        sa.Column("began_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("reason", _REASON, nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ended_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_ended_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["users.id"],
            name=op.f("fk_ended_memberships_ended_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ended_memberships")),
    )
    op.create_index(op.f("ix_ended_memberships_user_id"), "ended_memberships", ["user_id"])
    op.create_index(
        op.f("ix_ended_memberships_organization_id"), "ended_memberships", ["organization_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ended_memberships_organization_id"), table_name="ended_memberships")
    op.drop_index(op.f("ix_ended_memberships_user_id"), table_name="ended_memberships")
    op.drop_table("ended_memberships")
