"""search reads a stored text vector on PostgreSQL (issue #14 item 4)

Ranked search (exact phrase, then all the words, then some) asks PostgreSQL for phrases, and a
phrase is checked against each candidate page's words and positions. The GIN index was on the
expression ``to_tsvector('simple', folded)``, so every check parsed the page's text again:
about 2 ms a page, a second for a member whose branch has 400 pages. The vector is now a stored
generated column, ``document_pages_fts`` (PostgreSQL keeps it up to date; the name is that of
SQLite's FTS5 table, and like it the models do not describe it: ``core.db._HAND_MADE``), and
``ix_document_pages_search`` indexes the column instead of the expression. SQLite is unchanged:
its FTS5 table already stores positions.

Adding the column rewrites ``document_pages`` once (every page's text parsed, the table locked
meanwhile): on the province bench's 1.5 million pages, expect the time the old index took to
build (about 15 min).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_document_pages_search")
    op.execute(
        "ALTER TABLE document_pages ADD COLUMN document_pages_fts tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED"
    )
    op.execute(
        "CREATE INDEX ix_document_pages_search ON document_pages USING gin (document_pages_fts)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_document_pages_search")
    op.execute("ALTER TABLE document_pages DROP COLUMN IF EXISTS document_pages_fts")
    op.execute(
        "CREATE INDEX ix_document_pages_search ON document_pages "
        "USING gin (to_tsvector('simple', folded))"
    )
