"""Points, levels, daily goals, streaks and badges: pure rules over answers and days.

Everything here is a fold over the review log in time order, so the projections kept
up to date on each answer and the ones ``flask rebuild-stats`` computes from scratch
are the same numbers by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

# --- points ---------------------------------------------------------------------------

XP_ANSWER = 1  # for showing up
XP_CORRECT = 4
XP_DUE_REVIEW = 2  # a correct answer on a card that was due: the heart of spaced repetition
XP_HARD_MAX = 3  # up to 3 more for a correct answer on a hard card (FSRS difficulty 7-10)
CRAM_WINDOW = timedelta(minutes=5)  # the same card again this soon earns nothing
MASH_MS = 2000  # answers faster than this earn nothing
DAILY_XP_CAP = 400


@dataclass(frozen=True)
class AnswerFacts:
    """What the point rules need to know about one answer."""

    correct: bool
    was_review: bool  # the card was in FSRS review state (not new, not learning)
    difficulty: float | None  # FSRS difficulty before the answer, 1 to 10
    time_taken_ms: int
    since_same_card: timedelta | None  # since this card was last answered
    # Answered in a practice block earlier the same study day: a block repeated for
    # points earns nothing.
    repeat_in_blocks: bool = False


def answer_xp(facts: AnswerFacts) -> int:
    """The points one answer earns before the daily cap."""
    if facts.time_taken_ms < MASH_MS:
        return 0
    if facts.since_same_card is not None and facts.since_same_card < CRAM_WINDOW:
        return 0
    if facts.repeat_in_blocks:
        return 0
    xp = XP_ANSWER
    if facts.correct:
        xp += XP_CORRECT
        if facts.was_review:
            xp += XP_DUE_REVIEW
        if facts.difficulty is not None:
            xp += max(0, min(XP_HARD_MAX, round(facts.difficulty) - 6))
    return xp


def capped(xp: int, earned_today: int) -> int:
    """What is left of ``xp`` under the daily cap."""
    return max(0, min(xp, DAILY_XP_CAP - earned_today))


LEVEL_BASE = 100
LEVEL_GROWTH = 1.25


@dataclass(frozen=True)
class Level:
    number: int
    into: int  # XP earned inside this level
    needed: int  # XP this level takes in all


def level_for(total_xp: int) -> Level:
    """Levels on a geometric curve: level 1 takes 100 XP, each next one 25% more."""
    number, needed, remaining = 1, LEVEL_BASE, total_xp
    while remaining >= needed:
        remaining -= needed
        number += 1
        needed = round(LEVEL_BASE * LEVEL_GROWTH ** (number - 1))
    return Level(number, remaining, needed)


# --- daily goal and streaks ----------------------------------------------------------

MAX_FREEZES = 2
FREEZE_EVERY = 7  # streak days per freeze earned
# A local date skipped only because the student flew east is not a missed day.
TIMEZONE_JUMP = timedelta(hours=36)


@dataclass(frozen=True)
class Streak:
    current: int = 0
    longest: int = 0
    freezes: int = 0
    last_day: date | None = None
    last_met_at: datetime | None = None
    freezes_used: tuple[date, ...] = ()


@dataclass(frozen=True)
class Goal:
    kind: str  # "all_due" or "answers"
    target: int  # answers needed when kind is "answers"


@dataclass(frozen=True)
class GoalHistory:
    """A student's daily goals over time.

    ``past`` holds (first day it no longer held, goal), so every day is judged by the
    goal it began with, by the answers as they come and by a rebuild alike.
    """

    current: Goal
    past: tuple[tuple[date, Goal], ...] = ()

    def __post_init__(self) -> None:
        # Sorted once here: a rebuild asks ``on`` for every answer in the log.
        object.__setattr__(self, "past", tuple(sorted(self.past, key=lambda c: c[0])))

    def on(self, day: date) -> Goal:
        for until, goal in self.past:
            if day < until:
                return goal
        return self.current


def goal_met(kind: str, answers: int, target: int, due_cleared: bool) -> bool:
    """A day meets the goal with N answers, or by clearing every due card."""
    if kind == "answers":
        return answers >= target
    return answers > 0 and due_cleared


def extend(streak: Streak, day: date, met_at: datetime) -> Streak:
    """The streak after the goal is met on ``day`` (at ``met_at``).

    Missed days between are covered by freezes while they last; a freeze is earned
    every 7 streak days, 2 at most. A day already counted, or an earlier date (a move
    west), changes nothing; a date skipped by a move east is not a missed day.
    """
    if streak.last_day is None:
        return _earn(replace(streak, current=1, last_day=day, last_met_at=met_at))
    if day <= streak.last_day:
        return streak
    missed = (day - streak.last_day).days - 1
    if missed == 1 and streak.last_met_at and met_at - streak.last_met_at < TIMEZONE_JUMP:
        missed = 0
    used: tuple[date, ...] = ()
    if missed == 0:
        current = streak.current + 1
        freezes = streak.freezes
    elif missed <= streak.freezes:
        current = streak.current + 1
        freezes = streak.freezes - missed
        used = tuple(streak.last_day + timedelta(days=n) for n in range(1, missed + 1))
    else:
        current, freezes = 1, streak.freezes
    return _earn(
        replace(
            streak,
            current=current,
            freezes=freezes,
            last_day=day,
            last_met_at=met_at,
            freezes_used=streak.freezes_used + used,
        )
    )


def _earn(streak: Streak) -> Streak:
    freezes = streak.freezes
    if streak.current % FREEZE_EVERY == 0:
        freezes = min(MAX_FREEZES, freezes + 1)
    return replace(streak, freezes=freezes, longest=max(streak.longest, streak.current))


def alive(streak: Streak, today: date) -> int:
    """The streak as shown today: still alive while today's goal may yet be met."""
    if streak.last_day is None:
        return 0
    missed = (today - streak.last_day).days - 1
    return streak.current if missed <= streak.freezes else 0


# --- badges ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeSpec:
    code: str
    name: str
    description: str


BADGES: dict[str, BadgeSpec] = {
    b.code: b
    for b in (
        BadgeSpec("first-answer", "First answer", "Answered your first question."),
        BadgeSpec("answers-100", "Century", "Answered 100 questions."),
        BadgeSpec("answers-1000", "Thousand", "Answered 1,000 questions."),
        BadgeSpec("answers-10000", "Ten thousand", "Answered 10,000 questions."),
        BadgeSpec("streak-7", "One week", "Met your daily goal 7 days in a row."),
        BadgeSpec("streak-30", "One month", "Met your daily goal 30 days in a row."),
        BadgeSpec("streak-100", "Hundred days", "Met your daily goal 100 days in a row."),
        BadgeSpec(
            "sharp-week",
            "Sharp week",
            "90% or better over 7 days, with at least 100 answers.",
        ),
        BadgeSpec("due-7", "Clean slate", "Cleared every due card 7 days running."),
        BadgeSpec("set-finished", "Finisher", "Answered every question of a set."),
    )
}


@dataclass
class Totals:
    """A student's running totals, folded answer by answer."""

    xp: int = 0
    reviews: int = 0
    correct: int = 0
    streak: Streak = field(default_factory=Streak)
    badges: set[str] = field(default_factory=set)


def new_badges(
    totals: Totals, week: tuple[int, int], cleared_days_running: int, finished_set: bool = False
) -> list[str]:
    """Badges the totals now earn that the student does not hold yet.

    ``week`` is (answers, correct) over the last 7 study days; ``cleared_days_running``
    the study days in a row on which every due card was cleared; ``finished_set`` whether
    this answer completed a set (every question in it answered at least once).
    """
    earned = []
    if totals.reviews >= 1:
        earned.append("first-answer")
    for n in (100, 1000, 10000):
        if totals.reviews >= n:
            earned.append(f"answers-{n}")
    for n in (7, 30, 100):
        if totals.streak.current >= n:
            earned.append(f"streak-{n}")
    answers, correct = week
    if answers >= 100 and correct >= 0.9 * answers:
        earned.append("sharp-week")
    if cleared_days_running >= 7:
        earned.append("due-7")
    if finished_set:
        earned.append("set-finished")
    return [code for code in earned if code not in totals.badges]
