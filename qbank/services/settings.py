"""A student's study settings."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from qbank.domain.days import is_known_timezone, study_day
from qbank.domain.gamification import Goal
from qbank.extensions import db
from qbank.models import User
from qbank.services.gamification import change_daily_goal

LIGHTER_DAY_PERCENT = 50


def lighter_weekdays(user: User) -> frozenset[int]:
    """The weekdays (0 Monday) the student chose to keep light."""
    return frozenset(d for d, p in enumerate(user.easy_days or ()) if p < 100)


class GoalStart(enum.StrEnum):
    """When a newly chosen daily goal starts counting."""

    TODAY = "today"  # nothing answered yet today
    TOMORROW = "tomorrow"  # today keeps the goal it began with
    LATER = "later"  # days already begun in a zone ahead of this one keep theirs too


@dataclass(frozen=True)
class StudySettings:
    timezone: str
    rollover_hour: int
    desired_retention: float
    new_cards_per_day: int
    max_reviews_per_day: int
    confirm_rating: bool
    daily_goal: Goal
    new_cards_wait_for_reviews: bool = True
    practice_into_review: bool = True
    lighter_weekdays: frozenset[int] = frozenset()  # 0 Monday to 6 Sunday: half the reviews


def update_study_settings(user: User, settings: StudySettings, now: datetime) -> GoalStart | None:
    """Store the student's choices; return when a new daily goal starts, if it changed.

    The database checks the ranges too.
    """
    if not is_known_timezone(settings.timezone):
        raise ValueError(f"unknown time zone {settings.timezone!r}")
    # Today as the student knew it when they chose: a new zone must not move the change.
    today = study_day(now, user.timezone, user.rollover_hour)
    starts = change_daily_goal(user, settings.daily_goal, today)
    user.timezone = settings.timezone
    user.timezone_confirmed = True
    user.rollover_hour = settings.rollover_hour
    user.desired_retention = round(settings.desired_retention, 2)
    user.new_cards_per_day = settings.new_cards_per_day
    user.max_reviews_per_day = settings.max_reviews_per_day
    user.confirm_rating = settings.confirm_rating
    user.new_cards_wait_for_reviews = settings.new_cards_wait_for_reviews
    user.practice_into_review = settings.practice_into_review
    user.easy_days = (
        [LIGHTER_DAY_PERCENT if day in settings.lighter_weekdays else 100 for day in range(7)]
        if settings.lighter_weekdays
        else None
    )
    db.session.flush()
    if starts is None:
        return None
    if starts == today:
        return GoalStart.TODAY
    return GoalStart.TOMORROW if starts == today + timedelta(days=1) else GoalStart.LATER


MIN_RETENTION, MAX_RETENTION = 0.70, 0.97


def choose_retention(user: User, retention: float) -> None:
    """Aim for ``retention`` from the next answer on (Help me decide's one click)."""
    if not MIN_RETENTION <= retention <= MAX_RETENTION:
        raise ValueError(f"desired retention must be {MIN_RETENTION} to {MAX_RETENTION}")
    user.desired_retention = round(retention, 2)
    db.session.flush()
