"""Exam dates on sets: setting them, what they do to reviews, and the day's prediction.

The rule that moves reviews before an exam is ``domain.exams``; ``scheduling.review``
applies it to every answer of a set with an exam coming. Setting a date applies it to
the cards already scheduled past it, spread over the days left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from qbank.domain import exams as rules
from qbank.domain.scheduling import REVIEW
from qbank.extensions import db
from qbank.models import (
    CardState,
    Cohort,
    ExamDate,
    Membership,
    Question,
    QuestionSet,
    User,
    cohort_sets,
)
from qbank.services import access
from qbank.services.study.cards import calendar_of, exam_day_for, preferences_of

MAX_DAYS_AHEAD = 730


class ExamError(ValueError):
    """An exam date that cannot be set; the message is for the user."""


def _check_day(day: date, today: date) -> None:
    if day <= today:
        raise ExamError("Choose a day after today for the exam.")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ExamError("Choose an exam day within the next two years.")


def _upsert(set_id: int, day: date, by: User, now: datetime, **owner: int) -> None:
    exam = db.session.scalar(sa.select(ExamDate).filter_by(set_id=set_id, **owner))
    if exam is None:
        db.session.add(ExamDate(set_id=set_id, day=day, set_by_id=by.id, set_at=now, **owner))
    else:
        exam.day, exam.set_by_id, exam.set_at = day, by.id, now
    db.session.flush()


def set_exam(user: User, question_set: QuestionSet, day: date, now: datetime) -> int:
    """Give one of the student's sets an exam day; return how many reviews moved before it."""
    today = calendar_of(user).day_of(now)
    _check_day(day, today)
    if question_set.id not in db.session.scalars(access.studied_set_ids(user)).all():
        raise ExamError("You can set an exam date only on a set you study.")
    _upsert(question_set.id, day, user, now, user_id=user.id)
    return reschedule_for_exam(user, question_set.id, day, now)


def clear_exam(user: User, question_set: QuestionSet) -> None:
    """Forget the student's own exam date (a cohort's date, if any, applies again)."""
    db.session.execute(
        sa.delete(ExamDate).where(ExamDate.set_id == question_set.id, ExamDate.user_id == user.id)
    )
    db.session.flush()


def set_cohort_exam(
    rep: User, cohort: Cohort, question_set: QuestionSet, day: date, now: datetime
) -> int:
    """A rep gives a set assigned to the cohort an exam day for every member; return how
    many of the members' reviews moved before it."""
    today = calendar_of(rep).day_of(now)
    _check_day(day, today)
    assigned = db.session.scalar(
        sa.select(cohort_sets.c.set_id).where(
            cohort_sets.c.cohort_id == cohort.id, cohort_sets.c.set_id == question_set.id
        )
    )
    if assigned is None:
        raise ExamError("Assign the set to the cohort before giving it an exam date.")
    _upsert(question_set.id, day, rep, now, cohort_id=cohort.id)
    members = db.session.scalars(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id)
    ).all()
    moved = 0
    for member in members:
        exam_day = exam_day_for(member, question_set.id, calendar_of(member).day_of(now))
        if exam_day is not None:  # their own date, if they set one, comes first
            moved += reschedule_for_exam(member, question_set.id, exam_day, now)
    return moved


def clear_cohort_exam(cohort: Cohort, question_set: QuestionSet) -> None:
    db.session.execute(
        sa.delete(ExamDate).where(
            ExamDate.set_id == question_set.id, ExamDate.cohort_id == cohort.id
        )
    )
    db.session.flush()


def cohort_exam_days(cohort: Cohort) -> dict[int, date]:
    """The exam day of each of the cohort's sets that has one."""
    rows = db.session.execute(
        sa.select(ExamDate.set_id, ExamDate.day).where(ExamDate.cohort_id == cohort.id)
    )
    return {set_id: day for set_id, day in rows}


def _review_cards(user: User, set_id: int) -> list[CardState]:
    return list(
        db.session.scalars(
            sa.select(CardState)
            .join(Question, Question.id == CardState.question_id)
            .where(
                CardState.user_id == user.id,
                Question.set_id == set_id,
                Question.retired_at.is_(None),
                CardState.state == REVIEW,
                CardState.suspended.is_(False),
            )
        )
    )


def _recall_on(card: CardState, day: date, decay: float) -> float:
    last_day = card.last_review_day or day
    return rules.recall_after(card.stability, (day - last_day).days, decay)


def reschedule_for_exam(user: User, set_id: int, exam_day: date, now: datetime) -> int:
    """Bring the set's reviews due on or after the exam, whose recall on exam day would be
    under the target, before it, weakest first, spread from tomorrow to the exam's eve."""
    calendar, prefs = calendar_of(user), preferences_of(user)
    today = calendar.day_of(now)
    decay = prefs.parameters[20]
    short = [
        (recall, card.id, card)
        for card in _review_cards(user, set_id)
        if card.due_day is not None
        and card.due_day >= exam_day
        and (recall := _recall_on(card, exam_day, decay)) < prefs.desired_retention
    ]
    short.sort(key=lambda item: (item[0], item[1]))
    days = rules.spread_before(len(short), today, exam_day)
    for (_, _, card), day in zip(short, days, strict=False):
        card.due_day, card.due = day, calendar.start_of(day)
    db.session.flush()
    return len(days)


@dataclass(frozen=True)
class ExamLine:
    question_set: QuestionSet
    day: date | None  # the coming exam, if any
    own: bool  # the student's own date (else their cohort's)
    studied: int  # cards of the set the student has studied
    questions: int  # live questions in the set
    predicted: float | None  # mean chance of recall on exam day of the studied cards
    reviews_before: int  # reviews due from today to the exam's eve


def exam_plan(user: User, now: datetime) -> list[ExamLine]:
    """Each set the student studies, with its exam (if any) and the prediction for it.

    The prediction assumes the reviews due before the exam are done on their day: such a
    card counts from its due day with the memory it has now (a floor: a review only makes
    it stronger), others from their last review; an unstudied question counts nowhere, and
    ``studied`` out of ``questions`` says how much that leaves out. Five queries, however
    many sets.
    """
    calendar, prefs = calendar_of(user), preferences_of(user)
    today = calendar.day_of(now)
    decay = prefs.parameters[20]
    studied = access.studied_set_ids(user)
    sets = db.session.scalars(
        sa.select(QuestionSet)
        .where(QuestionSet.id.in_(studied))
        .order_by(QuestionSet.title, QuestionSet.id)
    ).all()
    own = {
        set_id: day
        for set_id, day in db.session.execute(
            sa.select(ExamDate.set_id, ExamDate.day).where(ExamDate.user_id == user.id)
        )
    }
    cohorts = {
        set_id: day
        for set_id, day in db.session.execute(
            sa.select(ExamDate.set_id, sa.func.min(ExamDate.day))
            .join(Membership, Membership.cohort_id == ExamDate.cohort_id)
            .where(Membership.user_id == user.id, ExamDate.day > today)
            .group_by(ExamDate.set_id)
        )
    }
    live = sa.and_(Question.set_id.in_(studied), Question.retired_at.is_(None))
    questions = {
        set_id: n
        for set_id, n in db.session.execute(
            sa.select(Question.set_id, sa.func.count(Question.id))
            .where(live)
            .group_by(Question.set_id)
        )
    }
    cards: dict[int, list[CardState]] = {}
    for card, set_id in db.session.execute(
        sa.select(CardState, Question.set_id)
        .join(Question, Question.id == CardState.question_id)
        .where(CardState.user_id == user.id, live)
    ):
        cards.setdefault(set_id, []).append(card)

    def recall_on_exam(card: CardState, day: date) -> float:
        if card.due_day is None:  # in a learning step: reviewed again today
            return rules.recall_after(card.stability, (day - today).days, decay)
        if card.due_day < day:  # reviewed on its due day, before the exam
            return rules.recall_after(card.stability, (day - max(card.due_day, today)).days, decay)
        return _recall_on(card, day, decay)

    lines = []
    for question_set in sets:
        day = rules.coming_exam(own.get(question_set.id), cohorts.get(question_set.id), today)
        mine = cards.get(question_set.id, [])
        predicted = None
        if day is not None and mine:
            predicted = sum(recall_on_exam(card, day) for card in mine) / len(mine)
        lines.append(
            ExamLine(
                question_set=question_set,
                day=day,
                own=day is not None and own.get(question_set.id) == day,
                studied=len(mine),
                questions=questions.get(question_set.id, 0),
                predicted=predicted,
                reviews_before=sum(
                    1 for c in mine if day and c.due_day is not None and c.due_day < day
                ),
            )
        )
    return lines
