"""server-side sessions and throttle counters; users.login_id goes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # One row per signed-in browser: logging out ends it on the server, not only in the cookie.
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('device', sa.String(length=120), nullable=False),
    sa.Column('revoked_at', qbank.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    # Failed logins and sign-ups, shared by every worker instead of counted in each one.
    op.create_table('throttle_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=24), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('started_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', qbank.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_counters')),
    sa.UniqueConstraint('scope', 'key_hash', name=op.f('uq_throttle_counters_scope_key_hash'))
    )
    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_counters_last_at'), ['last_at'], unique=False)

    # Sessions replace it: everyone signed in before this release logs in again.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_login_id'), type_='unique')
        batch_op.drop_column('login_id')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_id', sa.String(length=64), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('login_id', sa.String()))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(login_id=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login_id', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_login_id'), ['login_id'])

    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_counters_last_at'))
    op.drop_table('throttle_counters')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
