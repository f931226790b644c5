"""A student's projections as plain values, to compare incremental against rebuilt."""

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Badge, DailyActivity, User, UserStats


def snapshot(user: User):
    stats = db.session.get(UserStats, user.id)
    days = db.session.scalars(
        sa.select(DailyActivity).where(DailyActivity.user_id == user.id).order_by(DailyActivity.day)
    ).all()
    badges = db.session.execute(
        sa.select(Badge.code, Badge.awarded_at).where(Badge.user_id == user.id).order_by(Badge.code)
    ).all()
    return (
        stats
        and (
            stats.xp,
            stats.reviews,
            stats.correct,
            stats.current_streak,
            stats.longest_streak,
            stats.streak_freezes,
            stats.last_goal_day,
        ),
        [
            (
                d.day,
                d.reviews,
                d.correct,
                d.xp,
                d.time_ms,
                d.goal_met,
                d.due_cleared,
                d.freeze_used,
                d.first_reached_at,
                d.last_scored_at,
            )
            for d in days
        ],
        badges,
    )
