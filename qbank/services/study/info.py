"""A card's info page: what the scheduler knows of one student's memory of one question,
its forgetting curve, and every answer the student gave it.

Four queries, however long the history: access, the question, the card state, the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.domain.modes import Projection, counts
from qbank.domain.scheduling import Memory
from qbank.extensions import db
from qbank.models import Question, QuestionSet, QuestionVersion, ReviewLog, User
from qbank.services import access
from qbank.services.study.cards import (
    calendar_of,
    exam_day_for,
    memory_of,
    preferences_of,
    state_of,
)

CURVE_SAMPLES = 60  # points along the forgetting curve
CURVE_STABILITIES = 2  # the curve runs this many stabilities past the last review


@dataclass(frozen=True)
class PastAnswer:
    """One answer to the card, as its history lists it."""

    day: date  # the study day it was given on
    rating: int
    correct: bool
    time_taken_ms: int
    interval: timedelta  # the wait it scheduled: whole study days, or a learning step
    undone: bool
    mode: str

    @property
    def moved_the_schedule(self) -> bool:
        return not self.undone and counts(Projection.CARD_STATE, self.mode)


@dataclass(frozen=True)
class Recall:
    """The chance of recall at one moment, and where that moment lies on the curve."""

    day: date
    chance: float
    days_after_review: float


@dataclass(frozen=True)
class CardInfo:
    question_id: int
    version: QuestionVersion  # the current one
    set_title: str
    retired: bool  # the question no longer comes up
    asked_at: datetime  # the ``now`` the figures are for
    today: date
    memory: Memory | None  # None for a new card: never answered, or every answer undone
    suspended: bool
    buried_until: datetime | None
    flagged: bool
    desired_retention: float
    due_day: date | None  # the study day it comes up; for a learning step, the step's day
    now: Recall | None  # None until the card has a stability
    at_due: Recall | None
    on_exam: Recall | None  # on the set's coming exam day, if it has one
    curve: list[tuple[float, float]]  # (days after the last review, chance of recall)
    answers: list[PastAnswer]  # newest first, undone ones included

    @property
    def is_new(self) -> bool:
        return self.memory is None

    @property
    def state_name(self) -> str:
        if self.memory is None:
            return "New"
        return {
            scheduling.LEARNING: "Learning",
            scheduling.REVIEW: "Review",
            scheduling.RELEARNING: "Relearning",
        }[self.memory.state]

    @property
    def in_learning_step(self) -> bool:
        return self.memory is not None and self.memory.state != scheduling.REVIEW

    @property
    def days_until_due(self) -> int | None:
        """Study days from today to the due day: 0 today, negative when overdue."""
        return (self.due_day - self.today).days if self.due_day else None

    @property
    def step_wait(self) -> timedelta | None:
        """For a learning step, the time left until it is due (zero once it is)."""
        if self.memory is None or not self.in_learning_step:
            return None
        return max(self.memory.due - self.asked_at, timedelta(0))

    @property
    def last_review_day(self) -> date | None:
        return self.memory.last_day if self.memory else None

    @property
    def undone_answers(self) -> int:
        return sum(answer.undone for answer in self.answers)


def card_info(user: User, question_id: int, now: datetime) -> CardInfo | None:
    """Gather the card info page for ``user``'s card of a question; None if they may not see it."""
    if not access.can_see_question(user, question_id):
        return None
    version, set_id, set_title, retired_at = db.session.execute(
        sa.select(QuestionVersion, QuestionSet.id, QuestionSet.title, Question.retired_at)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(QuestionSet, QuestionSet.id == Question.set_id)
        .where(Question.id == question_id, QuestionVersion.number == Question.current_version)
    ).one()
    state = state_of(user, question_id)
    logs = db.session.scalars(
        sa.select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.question_id == question_id)
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
    ).all()

    calendar, prefs = calendar_of(user), preferences_of(user)
    # Suspending, burying or flagging a new card gives it a state but no review: still new.
    memory = None
    if state is not None and state.last_review is not None:
        memory = scheduling.with_study_days(memory_of(state), calendar)

    def recall(moment: datetime) -> Recall | None:
        if memory is None or memory.last_review is None or not memory.stability:
            return None
        return Recall(
            day=calendar.day_of(moment),
            chance=scheduling.retrievability(memory, moment, prefs),
            days_after_review=max(0.0, (moment - memory.last_review) / timedelta(days=1)),
        )

    exam_day = exam_day_for(user, set_id, calendar.day_of(now))
    at_now = recall(now)
    at_due = recall(memory.due) if memory else None
    on_exam = recall(calendar.start_of(exam_day)) if exam_day else None
    return CardInfo(
        question_id=question_id,
        version=version,
        set_title=set_title,
        retired=retired_at is not None,
        asked_at=now,
        today=calendar.day_of(now),
        memory=memory,
        suspended=bool(state and state.suspended),
        buried_until=_later(state.buried_until if state else None, now),
        flagged=bool(state and state.flagged),
        desired_retention=user.desired_retention,
        due_day=(memory.due_day or calendar.day_of(memory.due)) if memory else None,
        now=at_now,
        at_due=at_due,
        on_exam=on_exam,
        curve=_curve(memory, prefs, [r for r in (at_now, at_due, on_exam) if r]),
        answers=[_past_answer(log) for log in logs],
    )


def _later(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment > now else None


def _curve(
    memory: Memory | None, prefs: scheduling.Preferences, marked: list[Recall]
) -> list[tuple[float, float]]:
    """Sample the chance of recall from the last review over two stabilities, or further
    when a marked moment (today, the due day, the exam) lies beyond."""
    if memory is None or memory.last_review is None or not memory.stability:
        return []
    furthest = max((r.days_after_review for r in marked), default=0.0)
    span = max(CURVE_STABILITIES * memory.stability, furthest * 1.1)
    points = []
    for i in range(CURVE_SAMPLES + 1):
        days = span * i / CURVE_SAMPLES
        moment = memory.last_review + timedelta(days=days)
        points.append((days, scheduling.retrievability(memory, moment, prefs)))
    return points


def _past_answer(log: ReviewLog) -> PastAnswer:
    after = Memory.from_json(log.state_after)
    # The wait as the rating button showed it: study days from the day it was given (the
    # student's zone then), or the learning step's minutes.
    if after.due_day is not None:
        interval = timedelta(days=(after.due_day - log.day).days)
    else:
        interval = after.due - log.reviewed_at
    return PastAnswer(
        day=log.day,
        rating=log.rating,
        correct=log.correct,
        time_taken_ms=log.time_taken_ms,
        interval=interval,
        undone=log.undone_at is not None,
        mode=log.mode,
    )
