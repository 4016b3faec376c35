"""a meeting's minutes (issue #13 item 4)

The minutes of a meeting (``minutes``: chair, minute-taker, times, place, the version being
drafted, locked once approved with its text's sha256, and a ``revision`` bumped by every change),
their sections (``minutes_sections``: the system's draft and a person's words, versioned so the
second of two secretaries is told), the approvals given (``minutes_approvals``: who, when, of
which text), each approved version kept whole (``minutes_versions``), and the readings aloud
(``minutes_audio``, one per text hash).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_KIND = sa.Enum(
    "opening",
    "attendance",
    "item",
    "conclusions",
    "closing",
    name="sectionkind",
    native_enum=False,
    length=16,
)
_SIGNER = sa.Enum("chair", "taker", name="signer", native_enum=False, length=16)


def _user(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def _of_minutes(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["minutes_id"],
        ["minutes.id"],
        name=op.f(f"fk_{table}_minutes_id_minutes"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=True),
        sa.Column("taker_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("text_sha256", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_minutes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        _user("chair_id", "minutes"),
        _user("taker_id", "minutes"),
        _user("created_by_id", "minutes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_minutes_meeting_id")),
    )
    op.create_table(
        "minutes_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", _KIND, nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=600), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("auto_body", sa.Text(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("auto_newer", sa.Boolean(), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _of_minutes("minutes_sections"),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_minutes_sections_agenda_item_id_agenda_items"),
            ondelete="SET NULL",
        ),
        _user("edited_by_id", "minutes_sections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_sections")),
    )
    op.create_index(op.f("ix_minutes_sections_minutes_id"), "minutes_sections", ["minutes_id"])
    op.create_table(
        "minutes_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("signer", _SIGNER, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        _of_minutes("minutes_approvals"),
        _user("user_id", "minutes_approvals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_approvals")),
        sa.UniqueConstraint(
            "minutes_id",
            "number",
            "signer",
            "text_sha256",
            name=op.f("uq_minutes_approvals_minutes_id_number_signer_text_sha256"),
        ),
    )
    op.create_index(op.f("ix_minutes_approvals_minutes_id"), "minutes_approvals", ["minutes_id"])
    op.create_table(
        "minutes_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        _of_minutes("minutes_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_versions")),
        sa.UniqueConstraint(
            "minutes_id", "number", name=op.f("uq_minutes_versions_minutes_id_number")
        ),
    )
    op.create_index(op.f("ix_minutes_versions_minutes_id"), "minutes_versions", ["minutes_id"])
    op.create_table(
        "minutes_audio",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("requested_engine", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _of_minutes("minutes_audio"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_audio")),
        sa.UniqueConstraint(
            "minutes_id", "text_sha256", name=op.f("uq_minutes_audio_minutes_id_text_sha256")
        ),
    )
    op.create_index(op.f("ix_minutes_audio_minutes_id"), "minutes_audio", ["minutes_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_minutes_audio_minutes_id"), table_name="minutes_audio")
    op.drop_table("minutes_audio")
    op.drop_index(op.f("ix_minutes_versions_minutes_id"), table_name="minutes_versions")
    op.drop_table("minutes_versions")
    op.drop_index(op.f("ix_minutes_approvals_minutes_id"), table_name="minutes_approvals")
    op.drop_table("minutes_approvals")
    op.drop_index(op.f("ix_minutes_sections_minutes_id"), table_name="minutes_sections")
    op.drop_table("minutes_sections")
    op.drop_table("minutes")
