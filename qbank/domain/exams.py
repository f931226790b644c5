"""Studying for an exam: what a card will be worth on the day, and reviews before it.

A student (or their cohort) gives a set an exam date. Whenever a review would fall after
the exam although the card's chance of recall on exam day would be under the desired
retention, the review comes before the exam instead, on the lightest day between
tomorrow and the eve of the exam, so the work is spread rather than crammed into the last
day. A card reviewed early may fall under again by the exam; its next review applies the
same rule. After the exam the normal schedule resumes by itself: each interval grows from
the memory the reviews built.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta


def coming_exam(own: date | None, cohorts: date | None, today: date) -> date | None:
    """The exam that counts for a student: their own date (None once it has passed), else
    the earliest coming one of their cohorts'."""
    if own is not None:
        return own if own > today else None
    return cohorts if cohorts is not None and cohorts > today else None


def recall_after(stability: float | None, days: float, decay: float) -> float:
    """FSRS's chance of recall ``days`` after a review of a card of this ``stability``."""
    if not stability:
        return 0.0
    factor = 0.9 ** (1 / -decay) - 1
    return float((1 + factor * max(days, 0.0) / stability) ** -decay)


def review_day_before_exam(
    due_day: date,
    today: date,
    exam_day: date,
    recall_on_exam_day: float,
    desired_retention: float,
    seed: str,
    load: Mapping[date, int] | None = None,
) -> date:
    """The day a review falls on, given the exam: ``due_day`` unless it lands on or after
    the exam with recall on exam day under the target and a day is left before it."""
    first, last = today + timedelta(days=1), exam_day - timedelta(days=1)
    if due_day < exam_day or recall_on_exam_day >= desired_retention or last < first:
        return due_day
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    lightest = min((load or {}).get(day, 0) for day in days)
    return random.Random(seed).choice([d for d in days if (load or {}).get(d, 0) == lightest])


def spread_before(count: int, today: date, exam_day: date) -> list[date]:
    """Days for ``count`` cards to review before the exam (weakest first), evenly from
    tomorrow to the eve of the exam; empty when no day is left."""
    first, last = today + timedelta(days=1), exam_day - timedelta(days=1)
    if last < first:
        return []
    span = (last - first).days + 1
    return [first + timedelta(days=(n * span) // max(count, 1)) for n in range(count)]
