"""a meeting's votes (issue #13 item 3)

A vote (``votes``) on an agenda item, its choices with their tallies (``vote_options``), that a
member voted (``voters``: for an open ballot also the choice; for a secret one none, and no
time nor order: the key is (vote, member), and on SQLite the table has no rowid, so its rows lie
in the key's order, not in the order ballots came), and who could vote when it closed
(``vote_eligibles``). ``version`` is bumped by each change, so the second of two secretaries is
told.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_KIND = sa.Enum("motion", "resolution", "options", name="votekind", native_enum=False, length=16)
_RULE = sa.Enum("resolution", "discipline", "expulsion", name="rule", native_enum=False, length=16)
_METHOD = sa.Enum("phones", "hands", name="method", native_enum=False, length=16)
_CHOICE = sa.Enum("yes", "no", "abstain", "option", name="choice", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", _KIND, nullable=False),
        sa.Column("rule", _RULE, nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("method", _METHOD, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("base", sa.Integer(), nullable=True),
        sa.Column("eligible_count", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_votes_agenda_item_id_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_votes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_votes_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_votes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    )
    op.create_index(op.f("ix_votes_meeting_id"), "votes", ["meeting_id"])
    op.create_table(
        "vote_eligibles",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_vote_eligibles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_vote_eligibles_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vote_id", "user_id", name=op.f("pk_vote_eligibles")),
    )
    op.create_table(
        "vote_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("choice", _CHOICE, nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("tally", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_vote_options_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_options")),
        sa.UniqueConstraint("vote_id", "position", name=op.f("uq_vote_options_vote_id_position")),
    )
    op.create_index(op.f("ix_vote_options_vote_id"), "vote_options", ["vote_id"])
    op.create_table(
        "voters",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["vote_options.id"],
            name=op.f("fk_voters_option_id_vote_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_voters_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_voters_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vote_id", "user_id", name=op.f("pk_voters")),
        # Stored in the key's order, not the ballots' (PostgreSQL ignores this option).
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("voters")
    op.drop_index(op.f("ix_vote_options_vote_id"), table_name="vote_options")
    op.drop_table("vote_options")
    op.drop_table("vote_eligibles")
    op.drop_index(op.f("ix_votes_meeting_id"), table_name="votes")
    op.drop_table("votes")
