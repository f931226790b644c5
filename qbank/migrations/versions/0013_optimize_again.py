"""users: when they last optimized FSRS parameters (kept or not), and their reviews then

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 02:58:00

"""
from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fsrs_optimized_at', qbank.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('fsrs_optimized_reviews', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('fsrs_optimized_reviews', server_default=None)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('fsrs_optimized_reviews')
        batch_op.drop_column('fsrs_optimized_at')
