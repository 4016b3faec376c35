"""comments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('paragraph', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('disposition', sa.Enum('none', 'accepted', 'explain', name='disposition', native_enum=False, length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('document_id IS NOT NULL OR agenda_item_id IS NOT NULL', name=op.f('ck_comments_has_target')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_comments_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_comments_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_comments_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_comments_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('author_id', 'client_id', name=op.f('uq_comments_author_id_client_id'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_meeting_id'), ['meeting_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_comments_document_id'))
        batch_op.drop_index(batch_op.f('ix_comments_agenda_item_id'))

    op.drop_table('comments')

