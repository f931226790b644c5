"""A student's study settings."""

from __future__ import annotations

from dataclasses import dataclass

from qbank.domain.days import is_known_timezone
from qbank.extensions import db
from qbank.models import User


@dataclass(frozen=True)
class StudySettings:
    timezone: str
    rollover_hour: int
    desired_retention: float
    new_cards_per_day: int
    max_reviews_per_day: int
    confirm_rating: bool


def update_study_settings(user: User, settings: StudySettings) -> None:
    """Store the student's choices; the database checks the ranges too."""
    if not is_known_timezone(settings.timezone):
        raise ValueError(f"unknown time zone {settings.timezone!r}")
    user.timezone = settings.timezone
    user.timezone_confirmed = True
    user.rollover_hour = settings.rollover_hour
    user.desired_retention = round(settings.desired_retention, 2)
    user.new_cards_per_day = settings.new_cards_per_day
    user.max_reviews_per_day = settings.max_reviews_per_day
    user.confirm_rating = settings.confirm_rating
    db.session.flush()
