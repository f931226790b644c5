"""What a student does to a card besides answering it: suspend, bury, flag, reset."""

from __future__ import annotations

from datetime import datetime

from qbank.domain import scheduling
from qbank.domain.days import day_bounds, study_day
from qbank.extensions import db
from qbank.models import CardState, User
from qbank.services import access
from qbank.services.study.cards import apply_memory, state_of
from qbank.services.study.errors import StudyError


def _state_for_action(user: User, question_id: int, now: datetime) -> CardState:
    if not access.can_study(user, question_id):
        raise StudyError("That card is not in your sets.")
    state = state_of(user, question_id)
    if state is None:  # acting on a new card starts its state, due now
        state = CardState(user_id=user.id, question_id=question_id)
        apply_memory(state, scheduling.first_memory(now))
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


def unbury(user: User, question_id: int, now: datetime) -> None:
    """Bring a buried card back into today's queue."""
    _state_for_action(user, question_id, now).buried_until = None
    db.session.flush()


def reset(user: User, question_id: int) -> bool:
    """Make a card new again, as if never studied; return whether there was one to reset.

    The card's answers stay in the log (its info page still lists them), but the schedule
    forgets them: the card comes back among the new cards, and flags and suspension go
    with its state.
    """
    if not access.can_study(user, question_id):
        raise StudyError("That card is not in your sets.")
    state = state_of(user, question_id)
    if state is None:
        return False
    db.session.delete(state)
    db.session.flush()
    return True
