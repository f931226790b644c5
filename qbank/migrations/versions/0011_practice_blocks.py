"""practice blocks: blocks and their items, review_logs.mode 'practice', users.practice_into_review

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:01:21

"""
from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

MODES = "mode IN ({})"


def upgrade():
    op.create_table('practice_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('ordering', sa.String(length=8), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('seconds_per_question', sa.Integer(), nullable=True),
    sa.Column('time_limit_s', sa.Integer(), nullable=True),
    sa.Column('time_used_ms', sa.Integer(), nullable=False),
    sa.Column('running_since', qbank.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', qbank.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("mode IN ('tutor', 'timed')", name=op.f('ck_practice_blocks_mode')),
    sa.CheckConstraint("ordering IN ('random', 'by_tag')", name=op.f('ck_practice_blocks_ordering')),
    sa.CheckConstraint('time_used_ms >= 0', name=op.f('ck_practice_blocks_time_used_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_blocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_blocks'))
    )
    with op.batch_alter_table('practice_blocks', schema=None) as batch_op:
        batch_op.create_index('ix_practice_blocks_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('uq_practice_blocks_one_open', ['user_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('block_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('chosen', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=True),
    sa.Column('guessed', sa.Boolean(), nullable=False),
    sa.Column('marked', sa.Boolean(), nullable=False),
    sa.Column('struck', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('time_ms', sa.Integer(), nullable=False),
    sa.Column('answered_at', qbank.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_log_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('time_ms >= 0', name=op.f('ck_block_items_time_positive')),
    sa.ForeignKeyConstraint(['block_id'], ['practice_blocks.id'], name=op.f('fk_block_items_block_id_practice_blocks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_block_items_question_id_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_versions.id'], name=op.f('fk_block_items_question_version_id_question_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['review_log_id'], ['review_logs.id'], name=op.f('fk_block_items_review_log_id_review_logs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_block_items')),
    sa.UniqueConstraint('block_id', 'position', name=op.f('uq_block_items_block_id_position')),
    sa.UniqueConstraint('block_id', 'question_id', name=op.f('uq_block_items_block_id_question_id'))
    )
    with op.batch_alter_table('block_items', schema=None) as batch_op:
        batch_op.create_index('ix_block_items_question_answered', ['question_id', 'answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_block_items_question_version_id'), ['question_version_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('practice_into_review', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('practice_into_review', server_default=None)

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_review_logs_mode'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_logs_mode'), MODES.format("'review', 'practice', 'cram', 'preview'"))



def downgrade():
    op.execute("DELETE FROM review_logs WHERE mode = 'practice'")
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_review_logs_mode'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_logs_mode'), MODES.format("'review', 'cram', 'preview'"))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('practice_into_review')

    with op.batch_alter_table('block_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_block_items_question_version_id'))
        batch_op.drop_index('ix_block_items_question_answered')

    op.drop_table('block_items')
    with op.batch_alter_table('practice_blocks', schema=None) as batch_op:
        batch_op.drop_index('uq_practice_blocks_one_open', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_practice_blocks_user_created')

    op.drop_table('practice_blocks')
