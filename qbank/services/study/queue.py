"""Today's queue: learning steps due, due reviews and new cards, with the daily limits.

The review limit counts answers to review-state cards: learning and relearning steps on
the day are the same card again, not more reviews. While more reviews are due than the
limit leaves, new cards wait (unless the student chose otherwise), so a backlog shrinks
instead of growing. Overdue reviews come most overdue first, relative to their interval.
When only learning steps remain and the next is due within ``LEARN_AHEAD``, it is shown
now rather than ending the session a minute before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.domain.days import day_bounds, study_day
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import CardState, Enrollment, Question, ReviewLog, User
from qbank.services import access


def studied_cards(user: User, now: datetime) -> sa.Select[CardState]:
    return (
        sa.select(CardState)
        .join(Question, Question.id == CardState.question_id)
        .where(
            CardState.user_id == user.id,
            CardState.suspended.is_(False),
            sa.or_(CardState.buried_until.is_(None), CardState.buried_until <= now),
            access.studied_questions(user),
        )
    )


def _new_questions(user: User) -> sa.Select[int]:
    seen = sa.select(CardState.id).where(
        CardState.user_id == user.id, CardState.question_id == Question.id
    )
    return (
        sa.select(Question.id)
        .join(
            Enrollment,
            sa.and_(
                Enrollment.set_id == Question.set_id,
                Enrollment.user_id == user.id,
                Enrollment.unenrolled_at.is_(None),
            ),
        )
        .where(access.studied_questions(user), ~seen.exists())
        .order_by(Enrollment.enrolled_at, Enrollment.id, Question.position, Question.id)
    )


# --- today's queue ----------------------------------------------------------------------


LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True)
class Today:
    day: date
    start: datetime
    end: datetime
    new_done: int  # first answers to new cards
    reviews_done: int  # answers to review-state cards: what the review limit counts
    steps_done: int = 0  # answers to learning and relearning steps

    @property
    def done(self) -> int:
        return self.new_done + self.reviews_done + self.steps_done


def today_for(user: User, now: datetime) -> Today:
    """The student's study day and what they have answered in it."""
    day = study_day(now, user.timezone, user.rollover_hour)
    start, end = day_bounds(day, user.timezone, user.rollover_hour)
    state_before = ReviewLog.state_before["state"].as_integer()
    new_done, reviews_done, steps_done = db.session.execute(
        sa.select(
            sa.func.count(ReviewLog.id).filter(ReviewLog.state_before.is_(None)),
            sa.func.count(ReviewLog.id).filter(state_before == scheduling.REVIEW),
            sa.func.count(ReviewLog.id).filter(state_before != scheduling.REVIEW),
        ).where(
            ReviewLog.user_id == user.id,
            ReviewLog.reviewed_at >= start,
            ReviewLog.reviewed_at < end,
            ReviewLog.counted_in(Projection.CARD_STATE),
        )
    ).one()
    return Today(day, start, end, new_done, reviews_done, steps_done)


@dataclass(frozen=True)
class QueueSize:
    """Today's queue counted rather than listed: what a progress bar needs."""

    today: Today
    learning: int
    reviews: int
    new: int

    @property
    def remaining(self) -> int:
        return self.learning + self.reviews + self.new

    @property
    def total(self) -> int:
        return self.today.done + self.remaining


@dataclass(frozen=True)
class Queue:
    today: Today
    learning: list[CardState]  # learning/relearning steps due now
    reviews: list[CardState]  # due today, most overdue (for its interval) first, capped
    new: list[int]  # question ids, capped by the daily new limit; none while behind
    later: datetime | None  # when the next card falls due if nothing is left now
    behind: int = 0  # due reviews beyond today's limit: the backlog after today

    @property
    def size(self) -> QueueSize:
        return QueueSize(self.today, len(self.learning), len(self.reviews), len(self.new))

    @property
    def remaining(self) -> int:
        return self.size.remaining

    @property
    def total(self) -> int:
        return self.size.total


def _learning_due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        CardState.state.in_((scheduling.LEARNING, scheduling.RELEARNING)), CardState.due <= now
    )


def _learning_ahead(now: datetime) -> sa.ColumnElement[bool]:
    return _learning_due(now + LEARN_AHEAD)


def review_due(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(CardState.state == scheduling.REVIEW, CardState.due_day <= today)


def _reviews_left(user: User, today: Today) -> int:
    return max(0, user.max_reviews_per_day - today.reviews_done)


def _new_left(user: User, today: Today, due_reviews: int) -> int:
    if user.new_cards_wait_for_reviews and due_reviews > _reviews_left(user, today):
        return 0
    return max(0, user.new_cards_per_day - today.new_done)


def overdueness(state: CardState, today: date) -> float:
    """How late a due review is for its interval: 3 days late on a 2-day interval is later
    than 3 days on a 60-day one (a card's memory fades in proportion to its interval)."""
    due_day = state.due_day or today
    last_day = state.last_review_day or due_day
    return (today - due_day).days / max(1, (due_day - last_day).days)


def queue_for(user: User, now: datetime) -> Queue:
    """Today's queue: learning steps due, due reviews, new cards; limits applied."""
    today = today_for(user, now)
    cards = studied_cards(user, now)
    learning = db.session.scalars(
        cards.where(_learning_due(now)).order_by(CardState.due, CardState.id)
    ).all()
    due = sorted(
        db.session.scalars(cards.where(review_due(today.day))).all(),
        key=lambda s: (-overdueness(s, today.day), s.id),
    )
    limit = _reviews_left(user, today)
    reviews = due[:limit]
    new_left = _new_left(user, today, len(due))
    new = list(db.session.scalars(_new_questions(user).limit(new_left))) if new_left else []
    later = None
    if not (learning or reviews or new):
        soon = cards.where(_learning_ahead(now)).order_by(CardState.due, CardState.id)
        learning = db.session.scalars(soon).all()
    if not (learning or reviews or new):
        # Reviews over today's limit wait for tomorrow: not "next review in a moment".
        waiting = cards.where(CardState.due > now, ~review_due(today.day)).subquery()
        later = db.session.scalar(sa.select(sa.func.min(waiting.c.due)))
    return Queue(today, list(learning), reviews, new, later, len(due) - len(reviews))


def queue_size(user: User, now: datetime) -> QueueSize:
    """What ``queue_for`` would hold, counted in the database: no rows loaded or sorted."""
    today = today_for(user, now)

    def count(statement: sa.Select[*tuple[Any, ...]]) -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(statement.subquery())
        ).scalar_one()

    cards = studied_cards(user, now).with_only_columns(CardState.id)
    due = count(cards.where(review_due(today.day)))
    new_left = _new_left(user, today, due)
    learning = count(cards.where(_learning_due(now)))
    reviews = min(due, _reviews_left(user, today))
    new = count(_new_questions(user).order_by(None).limit(new_left)) if new_left else 0
    if not (learning or reviews or new):
        learning = count(cards.where(_learning_ahead(now)))
    return QueueSize(today, learning, reviews, new)


def pick_next(queue: Queue) -> tuple[str, int] | None:
    """Choose the next card: learning steps first, then reviews and new cards interleaved."""
    if queue.learning:
        return "learning", queue.learning[0].question_id
    reviews, new = len(queue.reviews), len(queue.new)
    if not reviews and not new:
        return None
    if not new:
        return "review", queue.reviews[0].question_id
    if not reviews:
        return "new", queue.new[0]
    # Spread the new cards evenly through the reviews left today.
    every = max(1, round((reviews + new) / new))
    if queue.today.done % every == every - 1:
        return "new", queue.new[0]
    return "review", queue.reviews[0].question_id


def due_count(user: User, now: datetime) -> int:
    """Cards due today that are still waiting: learning steps due now and due reviews."""
    day = study_day(now, user.timezone, user.rollover_hour)
    due = studied_cards(user, now).where(sa.or_(_learning_due(now), review_due(day)))
    return db.session.execute(sa.select(sa.func.count()).select_from(due.subquery())).scalar_one()
