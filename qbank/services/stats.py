"""The reads behind a student's statistics page: five queries, whatever the history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from fsrs import State

from qbank.domain.answers import TIME_CAP_MS
from qbank.domain.days import day_bounds, study_day
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import CardState, Question, ReviewLog, ReviewMode, Tag, User, question_tags
from qbank.services import access
from qbank.services.access import Columns

HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_WINDOW_DAYS = 30
RECENT_TIME_DAYS = 7
TOP_TAGS = 15
MATURE_STABILITY_DAYS = 21
# A card left open over lunch is not an hour of study.
# Every study day starts and ends on a quarter hour in UTC: rollover hours are whole
# local hours and every zone's offset is a multiple of 15 minutes. Counting answers per
# quarter hour in SQL and naming the days in Python is exact, and returns few rows.
QUARTER_HOUR_SECONDS = 900


@dataclass(frozen=True)
class Retention:
    """Answers to cards in review, and how many of them were recalled."""

    answers: int
    recalled: int

    @property
    def rate(self) -> float | None:
        return self.recalled / self.answers if self.answers else None


@dataclass(frozen=True)
class CardCounts:
    new: int
    learning: int
    young: int
    mature: int
    suspended: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended


@dataclass(frozen=True)
class TimeSpent:
    """Milliseconds answering, each answer counted for at most a minute."""

    today_ms: int
    last_7_days_ms: int
    all_time_ms: int


class TagAccuracy(NamedTuple):
    tag: str
    correct: int
    answered: int


@dataclass(frozen=True)
class StudentStats:
    today: date
    # Answers per study day over the last HEATMAP_DAYS days; days without any are absent.
    daily_reviews: dict[date, int]
    # Reviews due per study day from today, overdue counted today.
    due_forecast: list[int]
    retention_30_days: Retention
    retention_all_time: Retention
    # All time, by how long the card lasts (FSRS stability before the answer): young cards
    # run below the target while FSRS is still learning them; mature ones show the promise.
    retention_young: Retention
    retention_mature: Retention
    desired_retention: float
    tags: list[TagAccuracy]
    cards: CardCounts
    time: TimeSpent

    @property
    def reviews_last_year(self) -> int:
        return sum(self.daily_reviews.values())

    @property
    def days_studied(self) -> int:
        return len(self.daily_reviews)


def student_stats(user: User, now: datetime) -> StudentStats:
    """Gather what the statistics page shows for ``user`` as of ``now``."""
    tz, rollover = user.timezone, user.rollover_hour
    today = study_day(now, tz, rollover)

    def start_of(days_ago: int) -> datetime:
        return day_bounds(today - timedelta(days=days_ago), tz, rollover)[0]

    retention_30_days, retention_all_time, young, mature, time = _answer_totals(
        user,
        today_start=start_of(0),
        week_start=start_of(RECENT_TIME_DAYS - 1),
        month_start=start_of(RETENTION_WINDOW_DAYS - 1),
    )
    return StudentStats(
        today=today,
        daily_reviews=_daily_reviews(user, today),
        due_forecast=_due_forecast(user, today),
        retention_30_days=retention_30_days,
        retention_all_time=retention_all_time,
        retention_young=young,
        retention_mature=mature,
        desired_retention=user.desired_retention,
        tags=_tag_accuracy(user),
        cards=_card_counts(user),
        time=time,
    )


def _count_if(condition: Any) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _counted_answers(user: User) -> sa.ColumnElement[bool]:
    return sa.and_(ReviewLog.user_id == user.id, ReviewLog.counted_in(Projection.STATS))


def _quarter_hour(column: Any) -> sa.ColumnElement[int]:
    """The quarter hour a UTC instant falls in, as whole seconds since the epoch."""
    epoch = sa.extract("epoch", column)
    return sa.cast(epoch - epoch % QUARTER_HOUR_SECONDS, sa.Integer)


def _per_quarter_hour(query: sa.Select[int]) -> list[tuple[int, int]]:
    """Count the rows of ``query`` (one column, a quarter hour) per quarter hour."""
    # Grouped outside a subquery: PostgreSQL wants GROUP BY to repeat the selected
    # expression exactly, bound parameters included.
    inner = query.subquery()
    bucket = inner.c[0]
    rows = db.session.execute(sa.select(bucket, sa.func.count()).group_by(bucket)).all()
    return [(int(quarter), count) for quarter, count in rows]


def _daily_reviews(user: User, today: date) -> dict[date, int]:
    tz, rollover = user.timezone, user.rollover_hour
    start = day_bounds(today - timedelta(days=HEATMAP_DAYS - 1), tz, rollover)[0]
    end = day_bounds(today, tz, rollover)[1]
    counts: dict[date, int] = defaultdict(int)
    query = sa.select(_quarter_hour(ReviewLog.reviewed_at)).where(
        _counted_answers(user), ReviewLog.reviewed_at >= start, ReviewLog.reviewed_at < end
    )
    for quarter, count in _per_quarter_hour(query):
        counts[study_day(datetime.fromtimestamp(quarter, UTC), tz, rollover)] += count
    return dict(counts)


def _studied_questions(select: sa.Select[*Columns], user: User) -> sa.Select[*Columns]:
    """Keep questions the student studies now (``access.studied_questions``)."""
    return select.where(access.studied_questions(user))


def _due_forecast(user: User, today: date) -> list[int]:
    """Cards due on each of the next days: reviews by their study day, learning steps by
    the day their minute falls in; overdue reviews count today."""
    tz, rollover = user.timezone, user.rollover_hour
    last_day = today + timedelta(days=FORECAST_DAYS - 1)
    horizon = day_bounds(last_day, tz, rollover)[1]
    stepping = CardState.due_day.is_(None)
    query = _studied_questions(
        sa.select(
            CardState.due_day.label("day"),
            sa.case((stepping, _quarter_hour(CardState.due)), else_=None).label("quarter"),
        )
        .select_from(CardState)
        .join(Question, Question.id == CardState.question_id)
        .where(
            CardState.user_id == user.id,
            CardState.suspended.is_(False),
            sa.or_(
                sa.and_(~stepping, CardState.due_day <= last_day),
                sa.and_(stepping, CardState.due < horizon),
            ),
        ),
        user,
    ).subquery()
    # Grouped outside the subquery, as in _per_quarter_hour.
    rows = db.session.execute(
        sa.select(query.c.day, query.c.quarter, sa.func.count()).group_by(
            query.c.day, query.c.quarter
        )
    )
    forecast = [0] * FORECAST_DAYS
    for day, quarter, count in rows:
        if day is None:
            day = study_day(datetime.fromtimestamp(int(quarter), UTC), tz, rollover)
        forecast[max(0, (day - today).days)] += count
    return forecast


def _card_counts(user: User) -> CardCounts:
    studying = CardState.suspended.is_(False)
    in_review = sa.and_(studying, CardState.state == State.Review.value)
    stability = sa.func.coalesce(CardState.stability, 0)
    query = _studied_questions(
        sa.select(
            _count_if(CardState.id.is_(None)),
            _count_if(
                sa.and_(
                    studying, CardState.state.in_([State.Learning.value, State.Relearning.value])
                )
            ),
            _count_if(sa.and_(in_review, stability < MATURE_STABILITY_DAYS)),
            _count_if(sa.and_(in_review, stability >= MATURE_STABILITY_DAYS)),
            _count_if(CardState.suspended.is_(True)),
        )
        .select_from(Question)
        .outerjoin(
            CardState,
            sa.and_(CardState.question_id == Question.id, CardState.user_id == user.id),
        ),
        user,
    )
    new, learning, young, mature, suspended = db.session.execute(query).one()
    return CardCounts(new, learning, young, mature, suspended)


def _answer_totals(
    user: User, today_start: datetime, week_start: datetime, month_start: datetime
) -> tuple[Retention, Retention, Retention, Retention, TimeSpent]:
    capped = sa.case(
        (ReviewLog.time_taken_ms > TIME_CAP_MS, TIME_CAP_MS), else_=ReviewLog.time_taken_ms
    )
    # True retention, as Anki counts it: scheduled answers to cards already in review.
    # Answers ahead of the schedule say nothing about recall on time.
    in_review = sa.and_(
        ReviewLog.state_before["state"].as_integer() == State.Review.value,
        ReviewLog.mode == ReviewMode.REVIEW,
    )
    recalled = sa.and_(in_review, ReviewLog.rating > 1)
    recent = ReviewLog.reviewed_at >= month_start
    mature = ReviewLog.state_before["stability"].as_float() >= MATURE_STABILITY_DAYS

    def time_since(start: datetime) -> sa.ColumnElement[int]:
        return sa.func.coalesce(
            sa.func.sum(sa.case((ReviewLog.reviewed_at >= start, capped), else_=0)), 0
        )

    row = db.session.execute(
        sa.select(
            _count_if(sa.and_(in_review, recent)),
            _count_if(sa.and_(recalled, recent)),
            _count_if(in_review),
            _count_if(recalled),
            _count_if(sa.and_(in_review, mature)),
            _count_if(sa.and_(recalled, mature)),
            time_since(today_start),
            time_since(week_start),
            sa.func.coalesce(sa.func.sum(capped), 0),
        ).where(_counted_answers(user))
    ).one()
    all_time, mature_answers = Retention(row[2], row[3]), Retention(row[4], row[5])
    young = Retention(all_time.answers - mature_answers.answers, all_time.recalled - row[5])
    return (
        Retention(row[0], row[1]),
        all_time,
        young,
        mature_answers,
        TimeSpent(int(row[6]), int(row[7]), int(row[8])),
    )


def _tag_accuracy(user: User) -> list[TagAccuracy]:
    answered = sa.func.count(ReviewLog.id)
    rows = db.session.execute(
        sa.select(Tag.name, _count_if(ReviewLog.correct.is_(True)), answered)
        .join(question_tags, question_tags.c.tag_id == Tag.id)
        .join(ReviewLog, ReviewLog.question_id == question_tags.c.question_id)
        .where(_counted_answers(user))
        .group_by(Tag.id, Tag.name)
        .order_by(answered.desc(), Tag.name)
        .limit(TOP_TAGS)
    )
    return [TagAccuracy(name, int(correct), int(count)) for name, correct, count in rows]
