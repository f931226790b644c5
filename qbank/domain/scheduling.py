"""FSRS scheduling for one card, as plain values in and out.

The ``fsrs`` scheduler does the memory model. Three things are ours: the card's
history-independent snapshot (``Memory``, stored in ``CardState`` and in each review's
``state_before``/``state_after``); time counted in the student's **study days**; and fuzz.

Study days: FSRS's parameters, its optimiser and Anki count the time between two reviews
in days of the student's calendar (zone and rollover hour), not in 24-hour periods. A card
due tomorrow and answered 23 hours later is a review one day later, not a same-day one;
two answers on one study day are same-day answers however far apart. So a review-state
card is due on a study day (``due_day``; ``due`` is when that day starts), and fsrs is
shown the review as if each study day began at midnight UTC. Learning steps stay minutes.

Fuzz spreads review dates so that cards learnt together do not all fall due together;
ours is seeded by the card and its review count, so the interval shown beside a rating
button is the interval given.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

from qbank.domain import exams
from qbank.domain.days import Calendar

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
    due_day: date | None = None  # a review-state card's study day; None while learning
    last_day: date | None = None  # the study day of the last review

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("due", "last_review", "due_day", "last_day"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Memory:
        """Read a snapshot; those written before study days lack the two days (None)."""

        def day(key: str) -> date | None:
            return date.fromisoformat(data[key]) if data.get(key) else None

        return cls(
            **{
                **data,
                "due": datetime.fromisoformat(data["due"]),
                "last_review": (
                    datetime.fromisoformat(data["last_review"]) if data["last_review"] else None
                ),
                "due_day": day("due_day"),
                "last_day": day("last_day"),
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


@dataclass(frozen=True)
class Balance:
    """What load balancing knows when it picks a review's day within the fuzz range.

    ``load``: review cards already due on each coming study day (days not given count 0).
    ``weekday_weights``: the share of a normal day's reviews each weekday takes, Monday
    first; 0.5 makes an easy day, which gets about half the reviews of the others.
    """

    load: Mapping[date, int] = field(default_factory=dict)
    weekday_weights: tuple[float, ...] = (1.0,) * 7


def fuzz_range(interval_days: int) -> tuple[int, int]:
    """The days an interval may be moved to, as FSRS fuzzes (none under 2.5 days)."""
    if interval_days < 2.5:
        return interval_days, interval_days
    delta = 1.0
    for band in FUZZ_RANGES:
        delta += band["factor"] * max(min(float(interval_days), band["end"]) - band["start"], 0.0)
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), MAXIMUM_INTERVAL_DAYS)
    return min(low, high), high


# Load balancing: a day's weight falls steeply with the reviews already due on it (for
# its weekday's share), and the draw is tilted so that each card's expected interval
# stays the one plain fuzz gives. Without the tilt the balancer lengthens intervals:
# days further out always hold fewer reviews so far (cards are not scheduled that far
# yet), so the lightest day is most often the last of the range, and recall falls short.
LOAD_EXPONENT = 4.0
MAX_BALANCED_INTERVAL_DAYS = 90  # further out, the load so far says little


def _tilted(choices: Sequence[int], weights: Sequence[float], mean: float) -> list[float]:
    """The weights times exp(-t * day), with t chosen so the weighted mean day is ``mean``."""
    top = max(weights)
    base = [w / top for w in weights]

    def tilt(t: float) -> list[float]:
        return [w * math.exp(-t * (d - mean)) for d, w in zip(choices, base, strict=True)]

    def mean_at(t: float) -> float:
        tilted = tilt(t)
        return sum(d * w for d, w in zip(choices, tilted, strict=True)) / sum(tilted)

    low, high = -20.0, 20.0  # mean_at falls as t rises; these reach the range's ends
    for _ in range(60):
        middle = (low + high) / 2
        if mean_at(middle) > mean:
            low = middle
        else:
            high = middle
    return tilt((low + high) / 2)


def fuzz_days(
    interval_days: int, seed: str, today: date | None = None, balance: Balance | None = None
) -> int:
    """Spread an interval as FSRS does, the same way every time for the same seed.

    With a ``balance``, a day of the fuzz range is drawn with the seed, lighter days (for
    their weekday's share) far likelier, so reviews even out over the days instead of
    piling up on some; the draw keeps the card's expected interval that of plain fuzz.
    """
    low, high = fuzz_range(interval_days)
    rng = random.Random(seed)
    if balance is None or today is None or low == high or low > MAX_BALANCED_INTERVAL_DAYS:
        return rng.randint(low, high)

    def weight(days: int) -> float:
        day = today + timedelta(days=days)
        share = max(balance.weekday_weights[day.weekday()], 0.05)
        return (share / (balance.load.get(day, 0) + 1)) ** LOAD_EXPONENT

    choices = list(range(low, high + 1))
    weights = _tilted(choices, [weight(d) for d in choices], (low + high) / 2)
    return rng.choices(choices, weights=weights)[0]


def _utc(moment: datetime) -> datetime:
    # fsrs insists on the timezone.utc object itself.
    return moment.astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def review(
    memory: Memory,
    rating: int,
    now: datetime,
    prefs: Preferences,
    seed: str,
    calendar: Calendar,
    balance: Balance | None = None,
    exam_day: date | None = None,
) -> Memory:
    """Return the memory after answering with ``rating`` at ``now``, on the study day
    ``calendar`` puts ``now`` in."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1 to 4, not {rating!r}")
    now = _utc(now)
    today = calendar.day_of(now)
    last_day = memory.last_day
    if last_day is None and memory.last_review is not None:
        last_day = calendar.day_of(memory.last_review)
    # fsrs counts whole days between its two datetimes: show it each study day starting
    # at midnight, the last review at the start of its day and this one into today.
    into_today = min(now - calendar.start_of(today), timedelta(hours=23, minutes=59))
    shown_now = _midnight(today) + into_today
    card = Card(
        card_id=1,  # fsrs sleeps to make an id when none is given; ours is not needed
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=shown_now,
        last_review=_midnight(last_day) if last_day else None,
    )
    after, _ = _scheduler(prefs).review_card(card, Rating(rating), shown_now)
    if after.state == State.Review:
        days = max(1, round((after.due - shown_now) / timedelta(days=1)))
        day = today + timedelta(days=fuzz_days(days, f"{seed}:{memory.reps}", today, balance))
        if exam_day is not None:
            recall = exams.recall_after(
                after.stability, (exam_day - today).days, prefs.parameters[20]
            )
            day = exams.review_day_before_exam(
                day,
                today,
                exam_day,
                recall,
                prefs.desired_retention,
                f"{seed}:{memory.reps}:exam",
                balance.load if balance else None,
            )
        due_day: date | None = day
        due = calendar.start_of(day)
    else:  # a learning or relearning step: minutes from now
        due_day, due = None, now + (after.due - shown_now)
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
        due_day=due_day,
        last_day=today,
    )


def with_study_days(memory: Memory, calendar: Calendar) -> Memory:
    """A snapshot written before study days, given its days: the last review's study day,
    and for a review card the day as many days after it as it was scheduled."""
    if memory.last_review is None or memory.last_day is not None:
        return memory
    last_day = calendar.day_of(memory.last_review)
    if memory.state != REVIEW:
        return replace(memory, last_day=last_day)
    days = max(1, round((memory.due - memory.last_review) / timedelta(days=1)))
    due_day = last_day + timedelta(days=days)
    return replace(memory, last_day=last_day, due_day=due_day, due=calendar.start_of(due_day))


def wait(after: Memory, now: datetime, calendar: Calendar) -> timedelta:
    """How long a rating puts the card off, as its button says it: whole study days for a
    review ("4 d" from today, whatever the hour), minutes for a step."""
    if after.due_day is not None:
        return timedelta(days=(after.due_day - calendar.day_of(now)).days)
    return after.due - now


def intervals(
    memory: Memory,
    now: datetime,
    prefs: Preferences,
    seed: str,
    calendar: Calendar,
    balance: Balance | None = None,
    exam_day: date | None = None,
) -> dict[int, timedelta]:
    """The wait each rating would give, exactly as ``review`` would give it."""
    return {
        rating: wait(
            review(memory, rating, now, prefs, seed, calendar, balance, exam_day), now, calendar
        )
        for rating in RATINGS
    }


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
