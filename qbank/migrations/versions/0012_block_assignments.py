"""block assignments: fixed blocks faculty set for a cohort, and each member's attempt;
block items' question index covers the percentile's columns

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 01:59:49

"""
from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('block_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('seconds_per_question', sa.Integer(), nullable=True),
    sa.Column('due_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('tutor', 'timed')", name=op.f('ck_block_assignments_mode')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_block_assignments_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_block_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['set_id'], ['question_sets.id'], name=op.f('fk_block_assignments_set_id_question_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_block_assignments'))
    )
    with op.batch_alter_table('block_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_block_assignments_cohort_due', ['cohort_id', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_block_assignments_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_block_assignments_set_id'), ['set_id'], unique=False)

    op.create_table('assignment_questions',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['block_assignments.id'], name=op.f('fk_assignment_questions_assignment_id_block_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_assignment_questions_question_id_questions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('assignment_id', 'position', name=op.f('pk_assignment_questions')),
    sa.UniqueConstraint('assignment_id', 'question_id', name=op.f('uq_assignment_questions_assignment_id_question_id'))
    )
    with op.batch_alter_table('assignment_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_questions_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('practice_blocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
        batch_op.create_index('uq_practice_blocks_one_attempt', ['assignment_id', 'user_id'], unique=True, sqlite_where=sa.text('assignment_id IS NOT NULL'), postgresql_where=sa.text('assignment_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_practice_blocks_assignment_id_block_assignments'), 'block_assignments', ['assignment_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('block_items', schema=None) as batch_op:
        batch_op.drop_index('ix_block_items_question_answered')
        batch_op.create_index('ix_block_items_question_first', ['question_id', 'answered_at', 'block_id', 'correct'], unique=False)



def downgrade():
    with op.batch_alter_table('block_items', schema=None) as batch_op:
        batch_op.drop_index('ix_block_items_question_first')
        batch_op.create_index('ix_block_items_question_answered', ['question_id', 'answered_at'], unique=False)

    with op.batch_alter_table('practice_blocks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_practice_blocks_assignment_id_block_assignments'), type_='foreignkey')
        batch_op.drop_index('uq_practice_blocks_one_attempt', sqlite_where=sa.text('assignment_id IS NOT NULL'), postgresql_where=sa.text('assignment_id IS NOT NULL'))
        batch_op.drop_column('assignment_id')

    with op.batch_alter_table('assignment_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_questions_question_id'))

    op.drop_table('assignment_questions')
    with op.batch_alter_table('block_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_block_assignments_set_id'))
        batch_op.drop_index(batch_op.f('ix_block_assignments_created_by_id'))
        batch_op.drop_index('ix_block_assignments_cohort_due')

    op.drop_table('block_assignments')
