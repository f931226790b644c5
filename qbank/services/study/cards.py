"""One student's card: its memory, the page that shows it, and the tokens on that page.

The card page carries a one-time token derived from the card's last review, so a double
submit, a retry and a second tab all record one review; and a signed stamp of when the
server showed it, so the server times the answer.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from qbank.domain import answers, exams, scheduling
from qbank.domain.days import Calendar
from qbank.domain.scheduling import Memory
from qbank.extensions import db
from qbank.models import CardState, ExamDate, Membership, Question, QuestionVersion, ReviewLog, User
from qbank.services import access
from qbank.services.study.errors import StudyError

MAX_TIME_MS = 10 * 60 * 1000  # an answer's recorded time at most: the student left the page


def preferences_of(user: User) -> scheduling.Preferences:
    return scheduling.preferences(user.desired_retention, user.fsrs_parameters)


def calendar_of(user: User) -> Calendar:
    return Calendar(user.timezone, user.rollover_hour)


def exam_day_for(user: User, set_id: int, today: date) -> date | None:
    """The coming exam on this set for the student: their own date, else their cohorts'."""
    own = sa.select(ExamDate.day).where(ExamDate.set_id == set_id, ExamDate.user_id == user.id)
    cohorts = (
        sa.select(sa.func.min(ExamDate.day))
        .join(Membership, Membership.cohort_id == ExamDate.cohort_id)
        .where(ExamDate.set_id == set_id, Membership.user_id == user.id, ExamDate.day > today)
    )
    row = db.session.execute(sa.select(own.scalar_subquery(), cohorts.scalar_subquery())).one()
    return exams.coming_exam(row[0], row[1], today)


# Load balancing looks this far ahead; a review due later is fuzzed without it.
BALANCE_DAYS = 200


def balance_of(user: User, now: datetime) -> scheduling.Balance:
    """The student's review load on each coming study day, and their easy days."""
    today = calendar_of(user).day_of(now)
    rows = db.session.execute(
        sa.select(CardState.due_day, sa.func.count())
        .where(
            CardState.user_id == user.id,
            CardState.state == scheduling.REVIEW,
            CardState.suspended.is_(False),
            CardState.due_day > today,
            CardState.due_day <= today + timedelta(days=BALANCE_DAYS),
        )
        .group_by(CardState.due_day)
    ).all()
    weights = tuple(p / 100 for p in user.easy_days) if user.easy_days else (1.0,) * 7
    return scheduling.Balance({day: n for day, n in rows if day is not None}, weights)


def card_seed(user: User, question_id: int) -> str:
    return f"{user.id}:{question_id}"


def memory_of(state: CardState) -> Memory:
    return Memory(
        state=state.state,
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
        reps=state.reps,
        lapses=state.lapses,
        due_day=state.due_day,
        last_day=state.last_review_day,
    )


def apply_memory(state: CardState, memory: Memory) -> None:
    state.state = memory.state
    state.step = memory.step
    state.stability = memory.stability
    state.difficulty = memory.difficulty
    state.due = memory.due
    state.last_review = memory.last_review
    state.reps = memory.reps
    state.lapses = memory.lapses
    state.due_day = memory.due_day
    state.last_review_day = memory.last_day


def last_log_id(user: User, question_id: int) -> int:
    return last_log(user, question_id)[0]


def last_log(user: User, question_id: int) -> tuple[int, str | None]:
    """The id and token of the card's latest review (undone ones too), or (0, None)."""
    row = db.session.execute(
        sa.select(ReviewLog.id, ReviewLog.answer_token)
        .where(ReviewLog.user_id == user.id, ReviewLog.question_id == question_id)
        .order_by(ReviewLog.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, None)


def answer_token(secret: str, user: User, question_id: int, last_log: int) -> str:
    """The one-time token for answering this card now; it changes once it is answered."""
    message = f"answer:{user.id}:{question_id}:{last_log}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def issue_stamp(secret: str, user: User, question_id: int, now: datetime) -> str:
    """When the server showed this card, signed, for the answer to be timed from."""
    return _stamp(secret, user, question_id, int(now.timestamp() * 1000))


def _stamp(secret: str, user: User, question_id: int, shown_ms: int) -> str:
    message = f"shown:{user.id}:{question_id}:{shown_ms}".encode()
    return f"{shown_ms}.{hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]}"


def time_since_issue(secret: str, user: User, question_id: int, stamp: str, now: datetime) -> int:
    """Milliseconds from the card's showing to ``now``, capped; 0 for a stamp we did not sign.

    The server's clock times answers, never the browser's: a script that answers at once
    cannot claim it thought for seconds, and so earns no points for it.
    """
    shown = stamp.partition(".")[0]
    if not shown.isdigit() or len(shown) > 15:
        return 0
    if not hmac.compare_digest(stamp, _stamp(secret, user, question_id, int(shown))):
        return 0
    return min(max(int(now.timestamp() * 1000) - int(shown), 0), MAX_TIME_MS)


@dataclass(frozen=True)
class CardView:
    """A card as the student sees it before answering."""

    question: Question
    version: QuestionVersion
    options: list[dict[str, Any]]
    memory: Memory
    is_new: bool
    token: str
    stamp: str  # when it was shown, signed (``issue_stamp``)
    intervals: dict[int, timedelta]


def card_view(user: User, question_id: int, now: datetime, secret: str) -> CardView:
    version = access.studyable_version(user, question_id)
    if version is None:
        raise StudyError("That card is not in your sets. Go back to today's study.")
    question = version.question
    state = state_of(user, question_id)
    memory = memory_of(state) if state else scheduling.first_memory(now)
    return CardView(
        question=question,
        version=version,
        options=answers.shuffled_options(version.options, user.id, question.id),
        memory=memory,
        is_new=state is None,
        token=answer_token(secret, user, question_id, last_log_id(user, question_id)),
        stamp=issue_stamp(secret, user, question_id, now),
        intervals=scheduling.intervals(
            memory,
            now,
            preferences_of(user),
            card_seed(user, question_id),
            calendar_of(user),
            balance_of(user, now),
            exam_day_for(user, question.set_id, calendar_of(user).day_of(now)),
        ),
    )


@dataclass(frozen=True)
class AnsweredCard:
    """An answered card as its result page shows it: the version answered, the options in
    the student's order, and what each rating would have scheduled from the memory before."""

    review: ReviewLog
    version: QuestionVersion
    options: list[dict[str, Any]]
    intervals: dict[int, timedelta]


def answered_card(user: User, review: ReviewLog) -> AnsweredCard:
    version = db.session.get(QuestionVersion, review.question_version_id)
    assert version is not None  # the log's foreign key keeps it
    before = (
        Memory.from_json(review.state_before)
        if review.state_before
        else scheduling.first_memory(review.reviewed_at)
    )
    calendar = calendar_of(user)
    intervals = scheduling.intervals(
        before,
        review.reviewed_at,
        preferences_of(user),
        card_seed(user, review.question_id),
        calendar,
    )
    # The rating given shows the wait it gave (load balancing may have moved it within the
    # fuzz range); the others, what they would have given without the load of that moment.
    after = Memory.from_json(review.state_after)
    intervals[review.rating] = scheduling.wait(after, review.reviewed_at, calendar)
    return AnsweredCard(
        review=review,
        version=version,
        options=answers.shuffled_options(version.options, user.id, review.question_id),
        intervals=intervals,
    )


def state_of(user: User, question_id: int) -> CardState | None:
    return db.session.scalar(
        sa.select(CardState).where(
            CardState.user_id == user.id, CardState.question_id == question_id
        )
    )
