"""audio tracks and listening progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audio_tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'processing', 'ready', 'failed', name='audiostatus', native_enum=False, length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('requested_engine', sa.String(length=16), nullable=False),
    sa.Column('engine', sa.String(length=16), nullable=True),
    sa.Column('voice', sa.String(length=64), nullable=True),
    sa.Column('fell_back', sa.Boolean(), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=True),
    sa.Column('duration', sa.Double(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('timings', sa.JSON(), nullable=False),
    sa.Column('error_message', sa.String(length=500), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_audio_tracks_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audio_tracks')),
    sa.UniqueConstraint('document_id', name=op.f('uq_audio_tracks_document_id'))
    )
    op.create_table('listen_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Double(), nullable=False),
    sa.Column('heard', sa.Double(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_listen_progress_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_listen_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listen_progress')),
    sa.UniqueConstraint('user_id', 'document_id', name=op.f('uq_listen_progress_user_id_document_id'))
    )
    with op.batch_alter_table('listen_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listen_progress_document_id'), ['document_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('listen_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listen_progress_document_id'))

    op.drop_table('listen_progress')
    op.drop_table('audio_tracks')

