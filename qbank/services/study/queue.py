"""Today's queue: learning steps due, due reviews and new cards, with the daily limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.domain.days import day_bounds, study_day
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import CardState, Enrollment, Question, ReviewLog, User
from qbank.services import access
from qbank.services.study.cards import memory_of, preferences_of


def _card_states(user: User, now: datetime) -> sa.Select[CardState]:
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


@dataclass(frozen=True)
class Today:
    day: object
    start: datetime
    end: datetime
    new_done: int
    reviews_done: int

    @property
    def done(self) -> int:
        return self.new_done + self.reviews_done


def today_for(user: User, now: datetime) -> Today:
    """The student's study day and what they have answered in it."""
    day = study_day(now, user.timezone, user.rollover_hour)
    start, end = day_bounds(day, user.timezone, user.rollover_hour)
    new_done, reviews_done = db.session.execute(
        sa.select(
            sa.func.count(ReviewLog.id).filter(ReviewLog.state_before.is_(None)),
            sa.func.count(ReviewLog.id).filter(ReviewLog.state_before.is_not(None)),
        ).where(
            ReviewLog.user_id == user.id,
            ReviewLog.reviewed_at >= start,
            ReviewLog.reviewed_at < end,
            ReviewLog.counted_in(Projection.CARD_STATE),
        )
    ).one()
    return Today(day, start, end, new_done, reviews_done)


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
    reviews: list[CardState]  # due today, lowest retrievability first, capped
    new: list[int]  # question ids, capped by the daily new limit
    later: datetime | None  # when the next card falls due if nothing is left now

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


def _review_due(day_end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(CardState.state == scheduling.REVIEW, CardState.due < day_end)


def _reviews_left(user: User, today: Today) -> int:
    return max(0, user.max_reviews_per_day - today.reviews_done)


def _new_left(user: User, today: Today) -> int:
    return max(0, user.new_cards_per_day - today.new_done)


def queue_for(user: User, now: datetime) -> Queue:
    """Today's queue: learning steps due, due reviews, new cards; limits applied."""
    today = today_for(user, now)
    cards = _card_states(user, now)
    learning = db.session.scalars(
        cards.where(_learning_due(now)).order_by(CardState.due, CardState.id)
    ).all()
    prefs = preferences_of(user)
    due_reviews = sorted(
        db.session.scalars(cards.where(_review_due(today.end))).all(),
        key=lambda s: (scheduling.retrievability(memory_of(s), now, prefs), s.id),
    )[: _reviews_left(user, today)]
    new_left = _new_left(user, today)
    new = list(db.session.scalars(_new_questions(user).limit(new_left))) if new_left else []
    later = None
    if not (learning or due_reviews or new):
        waiting = cards.where(CardState.due > now).subquery()
        later = db.session.scalar(sa.select(sa.func.min(waiting.c.due)))
    return Queue(today, list(learning), due_reviews, new, later)


def queue_size(user: User, now: datetime) -> QueueSize:
    """What ``queue_for`` would hold, counted in the database: no rows loaded or sorted."""
    today = today_for(user, now)

    def count(statement: sa.Select[*tuple[Any, ...]]) -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(statement.subquery())
        ).scalar_one()

    cards = _card_states(user, now).with_only_columns(CardState.id)
    new_left = _new_left(user, today)
    return QueueSize(
        today,
        learning=count(cards.where(_learning_due(now))),
        reviews=min(count(cards.where(_review_due(today.end))), _reviews_left(user, today)),
        new=count(_new_questions(user).order_by(None).limit(new_left)) if new_left else 0,
    )


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
    _, end = day_bounds(day, user.timezone, user.rollover_hour)
    due = _card_states(user, now).where(sa.or_(_learning_due(now), _review_due(end)))
    return db.session.execute(sa.select(sa.func.count()).select_from(due.subquery())).scalar_one()
