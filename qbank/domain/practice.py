"""Practice blocks: which questions a block may hold, its clock, its score, and what it
hands on to the daily review.

A block is a fixed list of questions answered in one of two modes: *tutor* shows right or
wrong and the explanation after each question; *timed* reveals nothing until the block
ends and runs against a clock. The server's clock is the truth: a timed block has a
deadline, and an answer that arrives after it (beyond a few seconds' grace for the
request in flight) is refused and the block closed at the deadline.

Everything here is pure: services gather the facts and store the results.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from qbank.domain.scheduling import AGAIN, HARD

MIN_SIZE = 1
MAX_SIZE = 120
DEFAULT_SECONDS_PER_QUESTION = 90
MIN_SECONDS_PER_QUESTION = 10
MAX_SECONDS_PER_QUESTION = 600
# A request sent as the countdown reaches zero still counts if it arrives this soon after.
GRACE = timedelta(seconds=5)


class Mode(enum.StrEnum):
    TUTOR = "tutor"  # right or wrong and the explanation after each question
    TIMED = "timed"  # nothing revealed until the end; a clock, or untimed


class Pool(enum.StrEnum):
    UNUSED = "unused"  # never answered, in a block or in review
    INCORRECT = "incorrect"  # the last answer was wrong
    MARKED = "marked"  # marked for review in a block
    FLAGGED = "flagged"  # flagged on the review card
    ALL = "all"


class Order(enum.StrEnum):
    RANDOM = "random"  # shuffled with the block's seed: the same seed, the same block
    BY_TAG = "by_tag"  # the same questions, grouped by their first tag


@dataclass(frozen=True)
class History:
    """What a student has done with one question, as the pools ask it."""

    answered: bool = False
    last_correct: bool | None = None
    marked: bool = False
    flagged: bool = False


def in_pools(history: History, pools: Collection[Pool]) -> bool:
    """Whether a question belongs to any of the chosen pools (they combine as "or")."""
    return any(
        pool == Pool.ALL
        or (pool == Pool.UNUSED and not history.answered)
        or (pool == Pool.INCORRECT and history.answered and history.last_correct is False)
        or (pool == Pool.MARKED and history.marked)
        or (pool == Pool.FLAGGED and history.flagged)
        for pool in pools
    )


def tag_includes(chosen: str, name: str) -> bool:
    """Whether the tag ``name`` is ``chosen`` or below it in the tree (``::`` levels)."""
    return name == chosen or name.startswith(chosen + "::")


def tag_level(name: str, level: int) -> str:
    """The tag at ``level`` (1: top) of ``name``: "Cardio::Valves::Aortic", 2 is
    "Cardio::Valves"; a shorter tag is itself."""
    return "::".join(name.split("::")[:level])


def choose(candidates: Sequence[tuple[int, str]], size: int, order: Order, seed: int) -> list[int]:
    """Pick ``size`` questions from (question id, first tag) pairs and put them in order.

    The pick is a seeded sample, so the same seed over the same candidates gives the same
    block; grouped by tag keeps the sample and sorts it by tag (untagged last), each
    group in the sample's order.
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"a block holds {MIN_SIZE} to {MAX_SIZE} questions, not {size}")
    ordered = sorted(set(candidates))
    picked = random.Random(seed).sample(ordered, min(size, len(ordered)))
    if order == Order.BY_TAG:
        picked.sort(key=lambda pair: (pair[1] == "", pair[1]))  # stable: sample order within
    return [question_id for question_id, _ in picked]


# --- the clock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """A block's clock: its limit (None: untimed), time used, and when it last started."""

    limit: timedelta | None
    used: timedelta = timedelta(0)
    running_since: datetime | None = None

    @classmethod
    def start(cls, limit: timedelta | None, now: datetime) -> Timing:
        return cls(limit=limit, running_since=now)

    def used_at(self, now: datetime) -> timedelta:
        """Time used so far, the running stretch included."""
        running = now - self.running_since if self.running_since is not None else timedelta(0)
        return self.used + max(running, timedelta(0))

    def deadline(self) -> datetime | None:
        """When the time runs out, if the block is timed and running."""
        if self.limit is None or self.running_since is None:
            return None
        return self.running_since + max(self.limit - self.used, timedelta(0))

    def remaining(self, now: datetime) -> timedelta | None:
        if self.limit is None:
            return None
        return max(self.limit - self.used_at(now), timedelta(0))

    def expired(self, now: datetime) -> bool:
        """Whether the time ran out (the grace for a request in flight included)."""
        deadline = self.deadline()
        if deadline is None:
            return self.limit is not None and self.used >= self.limit
        return now > deadline + GRACE

    def pause(self, now: datetime) -> Timing:
        """Stop the clock; pausing a paused block changes nothing. Time is capped at the limit."""
        if self.running_since is None:
            return self
        used = self.used_at(now)
        if self.limit is not None:
            used = min(used, self.limit)
        return replace(self, used=used, running_since=None)

    def resume(self, now: datetime) -> Timing:
        return self if self.running_since is not None else replace(self, running_since=now)

    def closed_at(self, now: datetime) -> datetime:
        """When a block ended now really ended: at its deadline, if that passed first."""
        deadline = self.deadline()
        return min(now, deadline) if deadline is not None else now


def time_limit(mode: Mode, questions: int, seconds_per_question: int | None) -> timedelta | None:
    """A block's time: seconds per question times questions in timed mode, None otherwise."""
    if mode != Mode.TIMED or seconds_per_question is None:
        return None
    if not MIN_SECONDS_PER_QUESTION <= seconds_per_question <= MAX_SECONDS_PER_QUESTION:
        raise ValueError(
            f"time per question is {MIN_SECONDS_PER_QUESTION} to {MAX_SECONDS_PER_QUESTION} "
            f"seconds, not {seconds_per_question}"
        )
    return timedelta(seconds=seconds_per_question * questions)


# --- the score ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    correct: int
    answered: int
    questions: int

    @property
    def share(self) -> float:
        """Right answers out of all the block's questions: an unanswered one is wrong."""
        return self.correct / self.questions if self.questions else 0.0


def score(outcomes: Iterable[bool | None]) -> Score:
    """Score a block from each question's outcome: True right, False wrong, None unanswered."""
    listed = list(outcomes)
    return Score(
        correct=sum(1 for o in listed if o is True),
        answered=sum(1 for o in listed if o is not None),
        questions=len(listed),
    )


MIN_COMMON_QUESTIONS = 5  # a peer counts when they answered this many of the block's questions
MIN_PEERS = 5  # fewer peers than this, and no percentile is shown


@dataclass(frozen=True)
class Percentile:
    rank: int  # 0 to 100: the share of students (this one included) scoring lower, ties halved
    students: int  # how many it rests on, this one included


@dataclass(frozen=True)
class Comparison:
    """The student and one peer on the questions both answered first in a block."""

    common: int  # questions both answered
    own: int  # of those, the student's right answers
    theirs: int  # of those, the peer's


def compare(mine: Mapping[int, bool], peer: Mapping[int, bool]) -> Comparison:
    common = mine.keys() & peer.keys()
    return Comparison(
        common=len(common),
        own=sum(mine[q] for q in common),
        theirs=sum(peer[q] for q in common),
    )


def percentile(mine: Mapping[int, bool], peers: Iterable[Mapping[int, bool]]) -> Percentile | None:
    """The student's percentile among peers, each compared on the questions both answered.

    ``mine`` and each peer map question ids to whether the first answer (in a block) was
    right. See ``percentile_of``.
    """
    return percentile_of(compare(mine, peer) for peer in peers)


def percentile_of(comparisons: Iterable[Comparison]) -> Percentile | None:
    """The percentile from each peer's comparison with the student.

    A peer who shares fewer than ``MIN_COMMON_QUESTIONS`` questions with the student is
    left out; with fewer than ``MIN_PEERS`` peers left there is no percentile. Each
    comparison is of the two shares right on the common questions: the student scores
    above, level with (half) or below the peer. The student counts once, level with
    themself, as in the usual percentile rank (B + E/2) / N.
    """
    below = level = 0
    compared = 0
    for comparison in comparisons:
        if comparison.common < MIN_COMMON_QUESTIONS:
            continue
        compared += 1
        if comparison.theirs < comparison.own:
            below += 1
        elif comparison.theirs == comparison.own:
            level += 1
    if compared < MIN_PEERS:
        return None
    students = compared + 1
    rank = round(100 * (below + (level + 1) / 2) / students)
    return Percentile(rank=min(max(rank, 0), 100), students=students)


# --- a class's scores on an assigned block ------------------------------------------------

BANDS = 10  # a class's scores are shown in tenths: 0-9%, 10-19%, ..., 90-100%


@dataclass(frozen=True)
class ClassScores:
    students: int
    mean: float
    median: float
    bands: tuple[int, ...]  # students scoring in each tenth; a perfect score in the last


def class_scores(shares: Sequence[float]) -> ClassScores | None:
    """Summarise the shares right (0 to 1) of every student who finished a block; None
    for none. Whether there are enough students to show it is the caller's rule."""
    if not shares:
        return None
    bands = [0] * BANDS
    for share in shares:
        bands[min(int(share * BANDS), BANDS - 1)] += 1
    ordered = sorted(shares)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return ClassScores(
        students=len(shares),
        mean=sum(shares) / len(shares),
        median=median,
        bands=tuple(bands),
    )


# --- into the daily review ----------------------------------------------------------------


def review_rating(correct: bool, guessed: bool, has_card: bool) -> int | None:
    """The rating a block answer hands to the student's reviews, or None for none.

    A question answered wrong, or right but guessed, becomes a card if the student has
    none, rated as answered (wrong: Again; guessed: Hard). A question the student already
    reviews keeps its schedule unless it was missed, which counts as a lapse (Again).
    A right answer the student was sure of changes nothing.
    """
    if not correct:
        return AGAIN
    if guessed and not has_card:
        return HARD
    return None


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ... for "72nd percentile"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
