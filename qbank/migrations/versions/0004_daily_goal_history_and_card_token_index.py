"""daily goal history and card token index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:35:40.926963

"""
from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # Goals a student had before changing them, so past days keep the goal they had.
    op.create_table('past_daily_goals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('until_day', sa.Date(), nullable=False),
    sa.Column('goal', sa.String(length=16), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.CheckConstraint("goal IN ('all_due', 'answers')", name=op.f('ck_past_daily_goals_goal_known')),
    sa.CheckConstraint('answers BETWEEN 1 AND 1000', name=op.f('ck_past_daily_goals_answers_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_past_daily_goals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'until_day', name=op.f('pk_past_daily_goals'))
    )
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.create_index('ix_review_logs_user_question', ['user_id', 'question_id', 'id'], unique=False)

    # No form could set it before this revision; clamp anything written by hand.
    op.execute("UPDATE users SET daily_goal_answers = 20 WHERE daily_goal_answers NOT BETWEEN 1 AND 1000")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_users_daily_goal_answers_range'), 'daily_goal_answers BETWEEN 1 AND 1000'
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_daily_goal_answers_range'), type_='check')
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_review_logs_user_question')

    op.drop_table('past_daily_goals')
