"""review logs by question version

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 15:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Item statistics read a set's answers by version; editing asks if a version has any.
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.create_index('ix_review_logs_question_version', ['question_version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_review_logs_question_version')
