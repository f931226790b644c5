"""A block in progress: its clock, the student's work on each question, and its end.

The server's clock is the truth. Every call that changes a block first settles it: a
timed block whose deadline has passed (beyond ``rules.GRACE``) is ended at its deadline,
that end is kept, and the change is not made (the call says so by its result: the
caller's transaction commits the end, and the student goes to the report). Work is
saved per question and can be sent again (a double submit, a second tab, a retry after
a restart) without being counted twice: answers enter the review log once, when the
block ends, each under a token of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from qbank.domain import answers, scheduling
from qbank.domain import practice as rules
from qbank.domain.answers import TIME_CAP_MS
from qbank.domain.days import study_day
from qbank.domain.modes import ReviewMode
from qbank.extensions import db
from qbank.models import (
    BlockItem,
    CardState,
    PracticeBlock,
    Question,
    QuestionKind,
    QuestionVersion,
    ReviewLog,
    User,
)
from qbank.services import gamification, study
from qbank.services.practice.errors import PracticeError

MAX_NOTES = 2000


def timing_of(block: PracticeBlock) -> rules.Timing:
    limit = timedelta(seconds=block.time_limit_s) if block.time_limit_s is not None else None
    return rules.Timing(
        limit=limit,
        used=timedelta(milliseconds=block.time_used_ms),
        running_since=block.running_since,
    )


def _store(block: PracticeBlock, timing: rules.Timing) -> None:
    block.time_used_ms = int(timing.used / timedelta(milliseconds=1))
    block.running_since = timing.running_since


def block_of(user: User, block_id: int) -> PracticeBlock | None:
    """The student's own block, or None (another student's is as good as missing)."""
    block = db.session.get(PracticeBlock, block_id)
    return block if block is not None and block.user_id == user.id else None


def lock(user: User, block: PracticeBlock) -> None:
    """Serialise changes to the block (PostgreSQL: its row; SQLite: the write lock), then
    read it afresh: another tab may have changed it a moment ago."""
    study.lock_student(user)
    db.session.refresh(block)


def settle(user: User, block: PracticeBlock, now: datetime) -> bool:
    """End a block whose time ran out; return whether it has ended (now or before)."""
    if block.ended_at is not None:
        return True
    if timing_of(block).expired(now):
        end(user, block, now)
        return True
    return False


def _still_open(user: User, block: PracticeBlock, now: datetime) -> bool:
    lock(user, block)
    return not settle(user, block, now)


def show(user: User, block: PracticeBlock, position: int, now: datetime) -> bool:
    """The student opens a question of the block: the clock runs again if it was paused.
    False: the block has ended."""
    if not _still_open(user, block, now):
        return False
    block.position = min(max(position, 1), len(block.items))
    _store(block, timing_of(block).resume(now))
    db.session.flush()
    return True


def pause(user: User, block: PracticeBlock, now: datetime) -> bool:
    """Stop the clock until the student comes back. False: the block has ended."""
    if not _still_open(user, block, now):
        return False
    _store(block, timing_of(block).pause(now))
    db.session.flush()
    return True


@dataclass(frozen=True)
class Work:
    """What the student sends from one question of the block."""

    chosen: tuple[str, ...] = ()  # empty: no answer sent (a move, a mark)
    guessed: bool = False
    marked: bool = False
    struck: tuple[str, ...] = ()
    notes: str = ""
    time_ms: int = 0  # time on the question since it was shown, as the server measured it


def item_at(block: PracticeBlock, position: int) -> BlockItem:
    if not 1 <= position <= len(block.items):
        raise PracticeError(f"This block has questions 1 to {len(block.items)}.")
    return block.items[position - 1]


def save(
    user: User, block: PracticeBlock, position: int, work: Work, now: datetime
) -> BlockItem | None:
    """Keep the student's work on one question; None: the block has ended, nothing kept.

    In tutor mode the first answer is final (its explanation has been shown); in timed
    mode the answer may change until the block ends. Marks, struck options, notes and the
    guess toggle may always change. Time adds up over visits, each capped.
    """
    if not _still_open(user, block, now):
        return None
    item = item_at(block, position)
    version = db.session.get_one(QuestionVersion, item.question_version_id)
    keys = {o["key"] for o in version.options}
    chosen = sorted(set(work.chosen) & keys)
    if len(chosen) != len(set(work.chosen)):
        raise PracticeError("That answer is not one of this question's options.")
    if chosen and version.kind != QuestionKind.MULTIPLE and len(chosen) > 1:
        raise PracticeError("Choose one answer.")
    locked = block.mode == rules.Mode.TUTOR and item.chosen is not None
    if chosen and not locked:
        item.chosen = chosen
        item.correct = answers.is_correct(version.options, chosen)
        item.answered_at = now
    item.guessed = work.guessed if not locked else item.guessed or work.guessed
    item.marked = work.marked
    item.struck = sorted(set(work.struck) & keys)
    item.notes = work.notes[:MAX_NOTES]
    item.time_ms += min(max(work.time_ms, 0), TIME_CAP_MS)
    block.position = position
    db.session.flush()
    return item


def end(user: User, block: PracticeBlock, now: datetime) -> PracticeBlock:
    """End the block: stop its clock (at the deadline if that came first), write each
    answer to the review log, and hand misses and guesses to the daily review.

    Ending an ended block changes nothing, so a double click or two tabs end it once.
    """
    if block.ended_at is not None:
        return block
    timing = timing_of(block)
    closed = timing.closed_at(now)
    _store(block, timing.pause(closed))
    block.ended_at = closed
    db.session.flush()
    pending = [i for i in block.items if i.chosen is not None and i.review_log_id is None]
    if pending:
        for item, log in zip(pending, _into_log(user, block, pending, now), strict=True):
            item.review_log_id = log.id
    db.session.flush()
    return block


def _into_log(
    user: User, block: PracticeBlock, items: list[BlockItem], now: datetime
) -> list[ReviewLog]:
    """The block's answers as ``practice`` rows of the log, and what each changes in the
    daily review (``rules.review_rating``), all stamped ``now``: the log stays in time
    order for the projections kept from it, which take the answers in one batch.

    What every answer shares (the calendar, the preferences, the review load, the exam
    days) is read once; the load is kept up to date as the cards are scheduled, as
    reading it again after each would.
    """
    question_ids = [i.question_id for i in items]
    states = {
        s.question_id: s
        for s in db.session.scalars(
            sa.select(CardState).where(
                CardState.user_id == user.id, CardState.question_id.in_(question_ids)
            )
        )
    }
    calendar = study.calendar_of(user)
    preferences = study.preferences_of(user)
    balance = study.balance_of(user, now)
    load = dict(balance.load)
    balance = scheduling.Balance(load, balance.weekday_weights)
    today = calendar.day_of(now)
    set_of = dict(
        db.session.execute(
            sa.select(Question.id, Question.set_id).where(Question.id.in_(question_ids))
        ).all()
    )
    exam_days: dict[int, date | None] = {}

    horizon = today + timedelta(days=study.BALANCE_DAYS)

    def _move_load(state: CardState, change: int) -> None:
        """Keep ``load`` as ``balance_of`` would count it: review cards due ahead."""
        day = state.due_day
        counted = state.state == scheduling.REVIEW and not state.suspended
        if counted and day is not None and today < day <= horizon:
            load[day] = load.get(day, 0) + change

    logs = []
    for item in items:
        correct = bool(item.correct)
        state = states.get(item.question_id)
        rating = (
            rules.review_rating(correct, item.guessed, state is not None)
            if user.practice_into_review
            else None
        )
        before = study.memory_of(state) if state is not None else None
        after = before
        if rating is not None:
            set_id = set_of[item.question_id]
            if set_id not in exam_days:
                exam_days[set_id] = study.exam_day_for(user, set_id, today)
            after = scheduling.review(
                before or scheduling.first_memory(now),
                rating,
                now,
                preferences,
                study.card_seed(user, item.question_id),
                calendar,
                balance,
                exam_days[set_id],
            )
            if state is None:
                state = CardState(user_id=user.id, question_id=item.question_id)
                db.session.add(state)
            else:
                _move_load(state, -1)
            study.apply_memory(state, after)
            _move_load(state, +1)
        logs.append(
            ReviewLog(
                user_id=user.id,
                question_id=item.question_id,
                question_version_id=item.question_version_id,
                reviewed_at=now,
                day=study_day(now, user.timezone, user.rollover_hour),
                answer_token=f"block:{block.id}:{item.position}",
                chosen=list(item.chosen or ()),
                correct=correct,
                rating=rating or _recorded_rating(correct, item.guessed),
                time_taken_ms=item.time_ms,
                mode=ReviewMode.PRACTICE.value,
                state_before=before.as_json() if before is not None else None,
                state_after=after.as_json() if after is not None else {},
            )
        )
    db.session.add_all(logs)
    db.session.flush()
    gamification.apply_answers(user, logs, now, set_of)
    return logs


def _recorded_rating(correct: bool, guessed: bool) -> int:
    """The rating a block answer would have had in review, kept for the record."""
    if not correct:
        return scheduling.AGAIN
    return scheduling.HARD if guessed else scheduling.GOOD


def unanswered_and_marked(block: PracticeBlock) -> tuple[list[int], list[int]]:
    """Positions not answered, and positions marked: what "end block" warns about."""
    unanswered = [i.position for i in block.items if i.chosen is None]
    marked = [i.position for i in block.items if i.marked]
    return unanswered, marked
