"""documents, their pages, read receipts, notifications, full-text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name=op.f('uq_notifications_user_id_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('reach', sa.Enum('self', 'subtree', name='reach', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'processing', 'ready', 'failed', name='documentstatus', native_enum=False, length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('error_message', sa.String(length=500), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_documents_agenda_item_id_agenda_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_documents_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_documents_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_documents_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_blob_sha256'), ['blob_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_publish_at'), ['publish_at'], unique=False)

    op.create_table('document_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('blocks', sa.JSON(), nullable=False),
    sa.Column('ocr', sa.Boolean(), nullable=False),
    sa.Column('folded', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_pages_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_pages')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_document_pages_document_id_number'))
    )
    with op.batch_alter_table('document_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_pages_document_id'), ['document_id'], unique=False)

    op.create_table('read_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('first_read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_read_receipts_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_read_receipts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_read_receipts')),
    sa.UniqueConstraint('user_id', 'document_id', name=op.f('uq_read_receipts_user_id_document_id'))
    )
    with op.batch_alter_table('read_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_receipts_document_id'), ['document_id'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reach', sa.Enum('self', 'subtree', name='reach', native_enum=False, length=16), nullable=False, server_default='self'))
        batch_op.add_column(sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=False, server_default=''))
    # Meetings published before this migration were announced by hand.
    op.execute("UPDATE meetings SET notified_at = publish_at WHERE publish_at IS NOT NULL")

    # Full-text search over the folded (no diacritics, lower case) text of each page.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE document_pages_fts USING fts5("
            "folded, content='document_pages', content_rowid='id', tokenize='unicode61')"
        )
        op.execute(
            "CREATE TRIGGER document_pages_fts_ai AFTER INSERT ON document_pages BEGIN "
            "INSERT INTO document_pages_fts(rowid, folded) VALUES (new.id, new.folded); END"
        )
        op.execute(
            "CREATE TRIGGER document_pages_fts_ad AFTER DELETE ON document_pages BEGIN "
            "INSERT INTO document_pages_fts(document_pages_fts, rowid, folded) "
            "VALUES ('delete', old.id, old.folded); END"
        )
        op.execute(
            "CREATE TRIGGER document_pages_fts_au AFTER UPDATE ON document_pages BEGIN "
            "INSERT INTO document_pages_fts(document_pages_fts, rowid, folded) "
            "VALUES ('delete', old.id, old.folded); "
            "INSERT INTO document_pages_fts(rowid, folded) VALUES (new.id, new.folded); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_document_pages_search ON document_pages "
            "USING gin (to_tsvector('simple', folded))"
        )



def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS document_pages_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS document_pages_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_document_pages_search")
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('notified_at')
        batch_op.drop_column('reach')

    with op.batch_alter_table('read_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_receipts_document_id'))

    op.drop_table('read_receipts')
    with op.batch_alter_table('document_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_pages_document_id'))

    op.drop_table('document_pages')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_publish_at'))
        batch_op.drop_index(batch_op.f('ix_documents_organization_id'))
        batch_op.drop_index(batch_op.f('ix_documents_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_documents_blob_sha256'))

    op.drop_table('documents')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')
