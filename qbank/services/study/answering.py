"""Recording an answer, and taking it back.

Each answer writes one append-only ``ReviewLog`` row and updates the ``CardState``
projection (and the gamification projections) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from qbank.domain import answers, modes, scheduling
from qbank.domain.days import study_day
from qbank.domain.gamification import GoalHistory
from qbank.domain.scheduling import Memory
from qbank.extensions import db
from qbank.models import CardState, QuestionKind, ReviewLog, ReviewMode, User
from qbank.services import access, gamification
from qbank.services.gamification import apply_answer, goal_history, rebuild_user, store_projection
from qbank.services.study.cards import (
    answer_token,
    apply_memory,
    balance_of,
    calendar_of,
    card_seed,
    exam_day_for,
    last_log,
    memory_of,
    preferences_of,
    state_of,
)
from qbank.services.study.errors import StaleCard, StudyError
from qbank.services.study.queue import due_count


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
    guessed: bool = False,
) -> tuple[ReviewLog, bool]:
    """Record one answer; return the review and whether it is new (False: already recorded).

    Multiple choice: wrong is Again; right is Good, or the student's Hard/Good/Easy when
    they confirm ratings. Flashcards: the student's rating.
    """
    last_id, last_token = last_log(user, question_id)
    if token == last_token:  # a double submit or a retry of the card's latest answer
        return db.session.get_one(ReviewLog, last_id), False
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
        rating = answers.rating_for(correct, rating, user.confirm_rating, guessed)

    state = state_of(user, question_id)
    before = memory_of(state) if state else scheduling.first_memory(now)
    after = scheduling.review(
        before,
        rating,
        now,
        preferences_of(user),
        card_seed(user, question_id),
        calendar_of(user),
        balance_of(user, now),
        exam_day_for(user, version.question.set_id, calendar_of(user).day_of(now)),
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
    if modes.counts(modes.Projection.CARD_STATE, mode):
        if state is None:
            state = CardState(user_id=user.id, question_id=question_id)
            db.session.add(state)
        apply_memory(state, after)
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
    if modes.counts(modes.Projection.POINTS, mode):
        apply_answer(user, log, now)
    return log, True


@dataclass(frozen=True)
class UndoPlan:
    """The slow half of an undo, done before the write lock: the log replayed without it."""

    log_id: int
    projection: gamification.Projection
    goals: GoalHistory


def _last_answer(user: User) -> ReviewLog | None:
    """The student's last answer, if the daily review's undo may take it back: a practice
    block's answers stand (the block's report shows them)."""
    log = db.session.scalar(
        sa.select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.undone_at.is_(None))
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
    )
    return log if log is not None and modes.counts(modes.Projection.CARD_STATE, log.mode) else None


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
    state = state_of(user, log.question_id)
    if log.state_before is None:
        if state is not None:
            db.session.delete(state)
    elif state is not None:
        before = Memory.from_json(log.state_before)
        apply_memory(state, scheduling.with_study_days(before, calendar_of(user)))
    log.undone_at = now
    db.session.flush()
    if plan is not None and plan.log_id == log.id and plan.goals == goal_history(user):
        store_projection(user, plan.projection, now)
    else:
        rebuild_user(user, now)
    return log
