"""FSRS scheduling for one card, as plain values in and out.

The ``fsrs`` scheduler does the memory model. Two things are ours: the card's
history-independent snapshot (``Memory``, stored in ``CardState`` and in each review's
``state_before``/``state_after``), and fuzz. Fuzz spreads review dates so that cards
learnt together do not all fall due together; ours is seeded by the card and its
review count, so the interval shown beside a rating button is the interval given.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)
MAXIMUM_INTERVAL_DAYS = 36500
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(Scheduler().parameters)

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATINGS = (AGAIN, HARD, GOOD, EASY)
RATING_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}

LEARNING, REVIEW, RELEARNING = State.Learning.value, State.Review.value, State.Relearning.value


@dataclass(frozen=True)
class Memory:
    """What FSRS knows about one student's memory of one question."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["due"] = self.due.isoformat()
        data["last_review"] = self.last_review.isoformat() if self.last_review else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Memory:
        return cls(
            **{
                **data,
                "due": datetime.fromisoformat(data["due"]),
                "last_review": (
                    datetime.fromisoformat(data["last_review"]) if data["last_review"] else None
                ),
            }
        )


@dataclass(frozen=True)
class Preferences:
    """A student's scheduling choices."""

    desired_retention: float = 0.90
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS


@lru_cache(maxsize=512)
def _scheduler(preferences: Preferences) -> Scheduler:
    return Scheduler(
        parameters=preferences.parameters,
        desired_retention=preferences.desired_retention,
        learning_steps=LEARNING_STEPS,
        relearning_steps=RELEARNING_STEPS,
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=False,  # fuzz is ours, seeded: see fuzz_days
    )


def preferences(desired_retention: float, parameters: Sequence[float] | None) -> Preferences:
    return Preferences(
        desired_retention=round(desired_retention, 4),
        parameters=tuple(parameters) if parameters else DEFAULT_PARAMETERS,
    )


def first_memory(now: datetime) -> Memory:
    """The memory of a card never studied: learning, first step, due now."""
    return Memory(
        state=LEARNING, step=0, stability=None, difficulty=None, due=now, last_review=None
    )


def fuzz_days(interval_days: int, seed: str) -> int:
    """Spread an interval as FSRS does, but the same way every time for the same seed."""
    if interval_days < 2.5:
        return interval_days
    delta = 1.0
    for band in FUZZ_RANGES:
        delta += band["factor"] * max(min(float(interval_days), band["end"]) - band["start"], 0.0)
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), MAXIMUM_INTERVAL_DAYS)
    low = min(low, high)
    return random.Random(seed).randint(low, high)


def _utc(moment: datetime) -> datetime:
    # fsrs insists on the timezone.utc object itself.
    return moment.astimezone(UTC)


def review(memory: Memory, rating: int, now: datetime, prefs: Preferences, seed: str) -> Memory:
    """Return the memory after answering with ``rating`` at ``now``."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1 to 4, not {rating!r}")
    now = _utc(now)
    card = Card(
        card_id=1,  # fsrs sleeps to make an id when none is given; ours is not needed
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due),
        last_review=_utc(memory.last_review) if memory.last_review else None,
    )
    after, _ = _scheduler(prefs).review_card(card, Rating(rating), now)
    due = after.due
    if after.state == State.Review:
        days = max(1, round((after.due - now) / timedelta(days=1)))
        due = now + timedelta(days=fuzz_days(days, f"{seed}:{memory.reps}"))
    lapsed = memory.state == REVIEW and rating == AGAIN
    return replace(
        memory,
        state=after.state.value,
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=due,
        last_review=now,
        reps=memory.reps + 1,
        lapses=memory.lapses + int(lapsed),
    )


def intervals(memory: Memory, now: datetime, prefs: Preferences, seed: str) -> dict[int, timedelta]:
    """The wait each rating would give, exactly as ``review`` would give it."""
    return {rating: review(memory, rating, now, prefs, seed).due - now for rating in RATINGS}


def retrievability(memory: Memory, now: datetime, prefs: Preferences) -> float:
    """The chance of recall at ``now`` (1.0 for a card never reviewed is meaningless: 0)."""
    if memory.last_review is None or not memory.stability:
        return 0.0
    decay = -prefs.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    elapsed = max(0.0, (now - memory.last_review) / timedelta(days=1))
    return (1 + factor * elapsed / memory.stability) ** decay


def describe_interval(wait: timedelta) -> str:
    """Say a wait the way a rating button does: "1 min", "10 min", "3 h", "4 d", "2.5 mo"."""
    seconds = wait.total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)} d"
    if days < 365:
        return f"{days / 30:.1f} mo".replace(".0 mo", " mo")
    return f"{days / 365:.1f} y".replace(".0 y", " y")
