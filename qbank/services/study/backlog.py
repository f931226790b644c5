"""A student's backlog of due reviews: how many days it takes, and spreading it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from qbank.domain import backlog as rules
from qbank.extensions import db
from qbank.models import CardState, User
from qbank.services.study.cards import calendar_of
from qbank.services.study.queue import overdueness, review_due, studied_cards, today_for

FORECAST_DAYS = 30
MAX_SPREAD_DAYS = 14


@dataclass(frozen=True)
class Backlog:
    due: int  # reviews due now, overdue included, before today's answers are done
    limit: int  # the student's reviews a day
    days: int | None  # study days to clear it at the limit (None: over FORECAST_DAYS)


@dataclass(frozen=True)
class PlanDay:
    day: date
    backlog: int  # spread cards due that day
    already_due: int  # cards already due that day (later reviews, untouched)


def _due_now(user: User, now: datetime) -> list[CardState]:
    today = today_for(user, now).day
    cards = db.session.scalars(studied_cards(user, now).where(review_due(today))).all()
    return sorted(cards, key=lambda s: (-overdueness(s, today), s.id))


def _scheduled(user: User, now: datetime, first: date, last: date) -> dict[date, int]:
    """Review cards due on each day from ``first`` to ``last``, as now scheduled."""
    rows = db.session.execute(
        studied_cards(user, now)
        .with_only_columns(CardState.due_day, sa.func.count())
        .where(CardState.due_day >= first, CardState.due_day <= last)
        .group_by(CardState.due_day)
    ).all()
    return {day: count for day, count in rows if day is not None}


def backlog_of(user: User, now: datetime) -> Backlog:
    """The reviews due now and how many days they take at the student's limit."""
    today = today_for(user, now)
    due = len(_due_now(user, now))
    later = _scheduled(
        user, now, today.day + timedelta(days=1), today.day + timedelta(days=FORECAST_DAYS)
    )
    by_day = [due] + [
        later.get(today.day + timedelta(days=n), 0) for n in range(1, FORECAST_DAYS + 1)
    ]
    limit = user.max_reviews_per_day
    return Backlog(due=due, limit=limit, days=rules.days_to_clear(by_day, limit))


def plan_spread(user: User, now: datetime, days: int) -> list[PlanDay]:
    """What spreading today's due reviews over ``days`` days would give, day by day."""
    today = today_for(user, now).day
    planned = rules.spread(len(_due_now(user, now)), days, today)
    later = _scheduled(user, now, today + timedelta(days=1), today + timedelta(days=days))
    return [
        PlanDay(
            day=today + timedelta(days=n),
            backlog=planned.count(today + timedelta(days=n)),
            already_due=later.get(today + timedelta(days=n), 0),
        )
        for n in range(days)
    ]


def spread_backlog(user: User, now: datetime, days: int) -> int:
    """Move today's due reviews onto the next ``days`` days, most overdue first; return how
    many moved off today. Their memory is unchanged: only the day they come back."""
    calendar = calendar_of(user)
    cards = _due_now(user, now)
    today = today_for(user, now).day
    moved = 0
    for card, day in zip(cards, rules.spread(len(cards), days, today), strict=True):
        if day != today:
            card.due_day, card.due = day, calendar.start_of(day)
            moved += 1
    db.session.flush()
    return moved
