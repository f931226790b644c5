"""card_states count in study days: due_day and last_review_day; new cards wait for reviews

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00

"""
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

import qbank.models.types


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

REVIEW = 2  # fsrs.State.Review
BATCH = 5000


def _study_day(moment, zone, rollover_hour):
    return (moment.astimezone(zone) - timedelta(hours=rollover_hour)).date()


def upgrade():
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_review_day', sa.Date(), nullable=True))
        batch_op.create_index('ix_card_states_user_due_day', ['user_id', 'due_day'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('new_cards_wait_for_reviews', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('new_cards_wait_for_reviews', server_default=None)

    # Every card keeps the day it was due: a review card scheduled N days after its last
    # review is due N study days after the study day of that review, in the student's zone.
    bind = op.get_bind()
    users = sa.table(
        'users', sa.column('id', sa.Integer), sa.column('timezone', sa.String),
        sa.column('rollover_hour', sa.Integer),
    )
    cards = sa.table(
        'card_states', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
        sa.column('state', sa.Integer), sa.column('due', qbank.models.types.UTCDateTime()),
        sa.column('last_review', qbank.models.types.UTCDateTime()),
        sa.column('due_day', sa.Date), sa.column('last_review_day', sa.Date),
    )
    calendars = {
        uid: (ZoneInfo(tz or 'UTC'), rollover)
        for uid, tz, rollover in bind.execute(sa.select(users.c.id, users.c.timezone, users.c.rollover_hour))
    }
    update = (
        cards.update()
        .where(cards.c.id == sa.bindparam('card'))
        .values(due_day=sa.bindparam('due_day'), last_review_day=sa.bindparam('last_day'))
    )
    rows = bind.execute(
        sa.select(cards.c.id, cards.c.user_id, cards.c.state, cards.c.due, cards.c.last_review)
        .where(cards.c.last_review.is_not(None))
        .order_by(cards.c.id)
    ).all()
    batch = []
    for card, user_id, state, due, last_review in rows:
        zone, rollover = calendars[user_id]
        last_day = _study_day(last_review.astimezone(UTC), zone, rollover)
        due_day = None
        if state == REVIEW:
            due_day = last_day + timedelta(days=max(1, round((due - last_review) / timedelta(days=1))))
        batch.append({'card': card, 'due_day': due_day, 'last_day': last_day})
        if len(batch) >= BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('new_cards_wait_for_reviews')
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.drop_index('ix_card_states_user_due_day')
        batch_op.drop_column('last_review_day')
        batch_op.drop_column('due_day')
