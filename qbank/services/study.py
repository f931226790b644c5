"""The daily review: what to study next, recording answers, undo, and card actions.

Each answer writes one append-only ``ReviewLog`` row and updates the ``CardState``
projection in the same transaction. The card page carries a one-time token derived from
the card's last review, so a double submit, a retry and a second tab all record one
review.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from qbank.domain import answers, scheduling
from qbank.domain.days import day_bounds, study_day
from qbank.domain.gamification import GoalHistory
from qbank.domain.scheduling import Memory
from qbank.extensions import db
from qbank.models import (
    CardState,
    Enrollment,
    Question,
    QuestionKind,
    QuestionReport,
    QuestionVersion,
    ReviewLog,
    ReviewMode,
    User,
)
from qbank.services import access, gamification
from qbank.services.gamification import (
    apply_answer,
    goal_history,
    rebuild_user,
    store_projection,
)
from qbank.services.question_bank import current_version

TIME_CAP_MS = 60_000  # longer answers count as 60 s in statistics
MAX_TIME_MS = 10 * 60 * 1000  # an answer's recorded time at most: the student left the page


class StudyError(ValueError):
    """An answer or action that cannot be taken; the message is for the student."""


class StaleCard(StudyError):
    """The card changed since the page was shown (answered in another tab, or undone)."""


def preferences_of(user: User) -> scheduling.Preferences:
    return scheduling.preferences(user.desired_retention, user.fsrs_parameters)


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
    )


def _apply(state: CardState, memory: Memory) -> None:
    state.state = memory.state
    state.step = memory.step
    state.stability = memory.stability
    state.difficulty = memory.difficulty
    state.due = memory.due
    state.last_review = memory.last_review
    state.reps = memory.reps
    state.lapses = memory.lapses


# --- what is studyable (decided in services.access) ------------------------------------


def _card_states(user: User, now: datetime) -> sa.Select[tuple[CardState]]:
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


def _new_questions(user: User) -> sa.Select[tuple[int]]:
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
            ReviewLog.undone_at.is_(None),
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

    def count(statement: sa.Select[Any]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))

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


# --- the card page ---------------------------------------------------------------------


def last_log_id(user: User, question_id: int) -> int:
    return _last_log(user, question_id)[0]


def _last_log(user: User, question_id: int) -> tuple[int, str | None]:
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
    options: list[dict]
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
    state = _state(user, question_id)
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
            memory, now, preferences_of(user), card_seed(user, question_id)
        ),
    )


def _state(user: User, question_id: int) -> CardState | None:
    return db.session.scalar(
        sa.select(CardState).where(
            CardState.user_id == user.id, CardState.question_id == question_id
        )
    )


# --- answering -------------------------------------------------------------------------


def lock_student(user: User) -> None:
    """Serialise this student's answers: a row lock (PostgreSQL) or the write lock (SQLite).

    Call it first in the answer's write transaction (``database.write_transaction``), so
    that the token check that follows sees any answer another tab committed a moment
    before. On SQLite that transaction already holds the database's one write lock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())


def find_answer(user: User, token: str) -> ReviewLog | None:
    return db.session.scalar(
        sa.select(ReviewLog).where(ReviewLog.user_id == user.id, ReviewLog.answer_token == token)
    )


def record_answer(
    user: User,
    question_id: int,
    token: str,
    chosen: list[str],
    rating: int | None,
    time_taken_ms: int,
    now: datetime,
    secret: str,
    mode: ReviewMode = ReviewMode.REVIEW,
) -> tuple[ReviewLog, bool]:
    """Record one answer; return the review and whether it is new (False: already recorded).

    Multiple choice: wrong is Again; right is Good, or the student's Hard/Good/Easy when
    they confirm ratings. Flashcards: the student's rating.
    """
    last_id, last_token = _last_log(user, question_id)
    if token == last_token:  # a double submit or a retry of the card's latest answer
        return db.session.get(ReviewLog, last_id), False
    if token != answer_token(secret, user, question_id, last_id):
        existing = find_answer(user, token)  # a retry of an older answer
        if existing is not None:
            return existing, False
        raise StaleCard(
            "This card was already answered (perhaps in another tab). Here is the next one."
        )
    version = access.studyable_version(user, question_id)
    if version is None:
        raise StudyError("That card is not in your sets any more. Go on to the next one.")
    if version.kind == QuestionKind.FLASHCARD:
        if rating not in scheduling.RATINGS:
            raise StudyError("Choose how well you knew it: Again, Hard, Good or Easy.")
        correct, chosen = rating > scheduling.AGAIN, []
    else:
        keys = {o["key"] for o in version.options}
        chosen = sorted(set(chosen) & keys)
        if not chosen:
            raise StudyError("Choose an answer first.")
        if version.kind != QuestionKind.MULTIPLE and len(chosen) > 1:
            raise StudyError("Choose one answer.")
        correct = answers.is_correct(version.options, chosen)
        rating = answers.rating_for(correct, rating, user.confirm_rating)

    state = _state(user, question_id)
    before = memory_of(state) if state else scheduling.first_memory(now)
    after = scheduling.review(
        before, rating, now, preferences_of(user), card_seed(user, question_id)
    )
    log = ReviewLog(
        user_id=user.id,
        question_id=question_id,
        question_version_id=version.id,
        reviewed_at=now,
        day=study_day(now, user.timezone, user.rollover_hour),
        answer_token=token,
        chosen=chosen,
        correct=correct,
        rating=rating,
        time_taken_ms=max(0, time_taken_ms),
        mode=mode.value,
        state_before=before.as_json() if state else None,
        state_after=after.as_json(),
    )
    if state is None:
        state = CardState(user_id=user.id, question_id=question_id)
        db.session.add(state)
    _apply(state, after)
    db.session.add(log)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another request recorded this token between our check and our insert.
        existing = find_answer(user, token)
        if existing is None:
            raise
        return existing, False
    log.due_left = due_count(user, now)
    apply_answer(user, log, now)
    return log, True


def due_count(user: User, now: datetime) -> int:
    """Cards due today that are still waiting: learning steps due now and due reviews."""
    day = study_day(now, user.timezone, user.rollover_hour)
    _, end = day_bounds(day, user.timezone, user.rollover_hour)
    due = _card_states(user, now).where(sa.or_(_learning_due(now), _review_due(end)))
    return db.session.scalar(sa.select(sa.func.count()).select_from(due.subquery()))


@dataclass(frozen=True)
class UndoPlan:
    """The slow half of an undo, done before the write lock: the log replayed without it."""

    log_id: int
    projection: gamification.Projection
    goals: GoalHistory


def _last_answer(user: User) -> ReviewLog | None:
    return db.session.scalar(
        sa.select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.undone_at.is_(None))
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
    )


def plan_undo(user: User) -> UndoPlan | None:
    """Replay the student's log without their last answer, reading only.

    A student with years of answers takes a while to replay; doing it here keeps the
    write lock (SQLite's, for everyone) for the few rows the undo writes.
    """
    log = _last_answer(user)
    if log is None:
        return None
    projection, goals = gamification.replay_user(user, without=log.id)
    return UndoPlan(log.id, projection, goals)


def undo_last_answer(user: User, now: datetime, plan: UndoPlan | None = None) -> ReviewLog | None:
    """Take back the student's last answer: the card returns to where it was.

    The review stays in the log, marked undone; every projection ignores it. A plan
    made before the lock is used if it still holds (the same last answer, the same
    goals); otherwise the log is replayed here.
    """
    log = _last_answer(user)
    if log is None:
        return None
    state = _state(user, log.question_id)
    if log.state_before is None:
        if state is not None:
            db.session.delete(state)
    elif state is not None:
        _apply(state, Memory.from_json(log.state_before))
    log.undone_at = now
    db.session.flush()
    if plan is not None and plan.log_id == log.id and plan.goals == goal_history(user):
        store_projection(user, plan.projection, now)
    else:
        rebuild_user(user, now)
    return log


# --- card actions ----------------------------------------------------------------------


def _state_for_action(user: User, question_id: int, now: datetime) -> CardState:
    if not access.can_study(user, question_id):
        raise StudyError("That card is not in your sets.")
    state = _state(user, question_id)
    if state is None:  # acting on a new card starts its state, due now
        state = CardState(user_id=user.id, question_id=question_id)
        _apply(state, scheduling.first_memory(now))
        db.session.add(state)
    return state


def set_suspended(user: User, question_id: int, suspended: bool, now: datetime) -> None:
    _state_for_action(user, question_id, now).suspended = suspended
    db.session.flush()


def bury(user: User, question_id: int, now: datetime) -> datetime:
    """Hide a card until the student's next study day begins."""
    day = study_day(now, user.timezone, user.rollover_hour)
    _, tomorrow = day_bounds(day, user.timezone, user.rollover_hour)
    _state_for_action(user, question_id, now).buried_until = tomorrow
    db.session.flush()
    return tomorrow


def set_flagged(user: User, question_id: int, flagged: bool, now: datetime) -> None:
    _state_for_action(user, question_id, now).flagged = flagged
    db.session.flush()


REPORT_REASONS = {
    "wrong_key": "The marked answer is wrong",
    "ambiguous": "More than one answer could be right",
    "typo": "Typo or unclear wording",
    "outdated": "Out of date with current guidelines",
    "broken": "Missing image or broken formatting",
    "other": "Something else",
}


def report_question(
    user: User, question_id: int, reason: str, comment: str, now: datetime
) -> QuestionReport:
    """File a student's report on a faulty question for the set's owner."""
    if reason not in REPORT_REASONS:
        raise StudyError("Choose a reason from the list.")
    question = db.session.get(Question, question_id)
    if question is None or not access.can_study(user, question_id):
        raise StudyError("That card is not in your sets.")
    report = QuestionReport(
        question_id=question_id,
        question_version_id=current_version(question).id,
        user_id=user.id,
        reason=reason,
        comment=comment.strip()[:2000],
        created_at=now,
    )
    db.session.add(report)
    db.session.flush()
    return report
