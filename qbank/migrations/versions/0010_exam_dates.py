"""exam_dates: a student's or a cohort's exam day on a set

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(user_id IS NULL) != (cohort_id IS NULL)', name=op.f('ck_exam_dates_one_owner')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_exam_dates_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_exam_dates_set_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['set_id'], ['question_sets.id'], name=op.f('fk_exam_dates_set_id_question_sets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exam_dates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_dates')),
    sa.UniqueConstraint('set_id', 'cohort_id', name=op.f('uq_exam_dates_set_id_cohort_id')),
    sa.UniqueConstraint('set_id', 'user_id', name=op.f('uq_exam_dates_set_id_user_id'))
    )
    with op.batch_alter_table('exam_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_dates_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_dates_set_id'), ['set_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_dates_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exam_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_dates_user_id'))
        batch_op.drop_index(batch_op.f('ix_exam_dates_set_id'))
        batch_op.drop_index(batch_op.f('ix_exam_dates_cohort_id'))
    op.drop_table('exam_dates')
