"""A student's study settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from qbank.domain.days import is_known_timezone, study_day
from qbank.domain.gamification import Goal
from qbank.extensions import db
from qbank.models import User
from qbank.services.gamification import change_daily_goal


@dataclass(frozen=True)
class StudySettings:
    timezone: str
    rollover_hour: int
    desired_retention: float
    new_cards_per_day: int
    max_reviews_per_day: int
    confirm_rating: bool
    daily_goal: Goal


def update_study_settings(user: User, settings: StudySettings, now: datetime) -> date | None:
    """Store the student's choices; return the day a new daily goal starts, if it changed.

    The database checks the ranges too.
    """
    if not is_known_timezone(settings.timezone):
        raise ValueError(f"unknown time zone {settings.timezone!r}")
    # Today as the student knew it when they chose: a new zone must not move the change.
    today = study_day(now, user.timezone, user.rollover_hour)
    goal_starts = change_daily_goal(user, settings.daily_goal, today)
    user.timezone = settings.timezone
    user.timezone_confirmed = True
    user.rollover_hour = settings.rollover_hour
    user.desired_retention = round(settings.desired_retention, 2)
    user.new_cards_per_day = settings.new_cards_per_day
    user.max_reviews_per_day = settings.max_reviews_per_day
    user.confirm_rating = settings.confirm_rating
    db.session.flush()
    return goal_starts
