"""Projections of the review log that drive the daily habit: activity, totals, badges."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qbank.extensions import Model
from qbank.models.types import UTCDateTime


class DailyActivity(Model):
    """One student's activity on one local study day (their zone and rollover hour)."""

    __tablename__ = "daily_activity"
    __table_args__ = (sa.Index("ix_daily_activity_day", "day"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    reviews: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    xp: Mapped[int] = mapped_column(default=0)
    time_ms: Mapped[int] = mapped_column(default=0)
    first_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # goal met at
    last_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for ties
    goal_met: Mapped[bool] = mapped_column(default=False)
    due_cleared: Mapped[bool] = mapped_column(default=False)
    freeze_used: Mapped[bool] = mapped_column(default=False)


class UserStats(Model):
    """One student's running totals."""

    __tablename__ = "user_stats"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    xp: Mapped[int] = mapped_column(default=0)
    reviews: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    current_streak: Mapped[int] = mapped_column(default=0)
    longest_streak: Mapped[int] = mapped_column(default=0)
    streak_freezes: Mapped[int] = mapped_column(default=0)
    last_goal_day: Mapped[date | None]
    last_goal_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for ties
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Badge(Model):
    """A badge from the catalogue, awarded to a student once."""

    __tablename__ = "badges"
    __table_args__ = (sa.UniqueConstraint("user_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime)
