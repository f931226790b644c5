"""Simulated students whose memory follows a model of their own, not qbank's FSRS.

Nothing here imports qbank or fsrs: the scheduler never sees these parameters, so a
scheduler that is wrong about memory shows it in the recall they measure.

The model (README.md gives the equations): each item has a true difficulty; each
student/item pair a half-life that recall decays from by a power law, in real elapsed
time; a successful retrieval multiplies the half-life, the more the harder recall was
(the spacing effect); a failure cuts it, and the feedback shown after it restudies the
item.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class Profile:
    """One kind of student: how their memory forms, grows and fails.

    Half-lives are in days, for an item of average difficulty.
    """

    name: str
    first_recall: float  # chance of knowing an average item at first sight
    forgetting_shape: float  # beta: the power law's exponent; large is near exponential
    initial_half_life: float  # after the first study of an item (the feedback page)
    growth: float  # g: how much a hard-won retrieval multiplies the half-life
    growth_shape: float  # gamma: (1 - p) ** gamma, the spacing effect's curve
    saturation: float  # kappa: strong memories grow less, by (h / 1 day) ** -kappa
    lapse_keep: float  # lambda: share of the half-life a failure keeps
    relearn_half_life: float  # the floor the feedback after a failure restores


AVERAGE = Profile(
    name="average",
    first_recall=0.25,
    forgetting_shape=0.4,
    initial_half_life=12.0,
    growth=6.0,
    growth_shape=0.7,
    saturation=0.05,
    lapse_keep=0.3,
    relearn_half_life=8.0,
)

# Forms memories a quarter as strong and strengthens them half as much: FSRS's default
# parameters describe a student like this badly, so without optimising the scheduler
# overestimates their memory.
FAST_FORGETTER = Profile(
    name="fast forgetter",
    first_recall=0.15,
    forgetting_shape=0.4,
    initial_half_life=3.0,
    growth=3.0,
    growth_shape=0.7,
    saturation=0.05,
    lapse_keep=0.3,
    relearn_half_life=2.0,
)

PROFILES = {p.name: p for p in (AVERAGE, FAST_FORGETTER)}


class ItemBank:
    """The items' true difficulties: the same for every student with the same seed.

    Difficulty ``b`` is normal around 0, with standard deviation ``spread``; an item's
    ease is ``exp(-b)``, which scales both its first half-life and its growth. Items
    numbered 0, 1, 2 ... take the normal's quantiles along a golden-ratio sequence rather
    than independent draws, so that even a deck of 30 has the spread the model intends
    (stratified sampling: a small deck is not by chance an easy one).
    """

    GOLDEN = (5**0.5 - 1) / 2

    def __init__(self, seed: object, spread: float = 0.5) -> None:
        self.spread = spread
        self.offset = random.Random(f"items:{seed}").random()
        self._difficulty: dict[int, float] = {}

    def difficulty(self, item: int) -> float:
        if item not in self._difficulty:
            quantile = (self.offset + item * self.GOLDEN) % 1.0
            quantile = min(max(quantile, 1e-6), 1 - 1e-6)
            self._difficulty[item] = self.spread * NormalDist().inv_cdf(quantile)
        return self._difficulty[item]

    def ease(self, item: int) -> float:
        return math.exp(-self.difficulty(item))


@dataclass
class Trace:
    """One student's memory of one item."""

    half_life: float  # days
    last: datetime  # the last time the item was studied or retrieved


@dataclass(frozen=True)
class Retrieval:
    """One attempt to recall an item, and the memory it left."""

    recalled: bool
    chance: float  # the model's probability of recall at that moment
    first_sight: bool
    elapsed_days: float | None  # real time since the last study, None at first sight
    half_life_after: float


def recall_chance(half_life: float, elapsed_days: float, shape: float) -> float:
    """p = (1 + c * elapsed / half-life) ** -shape, with c such that p is 1/2 at the half-life.

    A power law in real elapsed time; the smaller ``shape``, the longer its tail.
    """
    c = 2.0 ** (1.0 / shape) - 1.0
    return (1.0 + c * max(0.0, elapsed_days) / half_life) ** -shape


class Student:
    """A simulated student: a profile, a seeded random stream, and a memory per item."""

    def __init__(self, profile: Profile, items: ItemBank, seed: object) -> None:
        self.profile = profile
        self.items = items
        self.rng = random.Random(f"student:{profile.name}:{seed}")
        self.memory: dict[int, Trace] = {}

    def chance(self, item: int, now: datetime) -> float:
        """The probability of recalling ``item`` at ``now`` (first sight included)."""
        trace = self.memory.get(item)
        if trace is None:
            return min(1.0, self.profile.first_recall * self.items.ease(item))
        return recall_chance(
            trace.half_life, _days(now - trace.last), self.profile.forgetting_shape
        )

    def attempt(self, item: int, now: datetime) -> Retrieval:
        """Try to recall ``item`` at ``now``; then learn from the feedback shown after."""
        trace = self.memory.get(item)
        chance = self.chance(item, now)
        recalled = self.rng.random() < chance
        ease = self.items.ease(item)
        profile = self.profile
        if trace is None:
            half_life = profile.initial_half_life * ease * (1.5 if recalled else 1.0)
            self.memory[item] = Trace(half_life, now)
            return Retrieval(recalled, chance, True, None, half_life)
        elapsed = _days(now - trace.last)
        if recalled:
            gain = (
                profile.growth
                * ease
                * (1.0 - chance) ** profile.growth_shape
                * max(trace.half_life, 1.0) ** -profile.saturation
            )
            half_life = trace.half_life * (1.0 + gain)
        else:
            half_life = max(trace.half_life * profile.lapse_keep, profile.relearn_half_life * ease)
        trace.half_life, trace.last = half_life, now
        return Retrieval(recalled, chance, False, elapsed, half_life)


def choose_answer(
    recalled: bool, keys: Sequence[str], correct: Sequence[str], rng: random.Random
) -> list[str]:
    """What a student picks on a choice question: the key if recalled, else a guess.

    A guess is uniform over the options, so it is right one time in ``len(keys)``.
    """
    if recalled:
        return sorted(correct)
    return [rng.choice(list(keys))]


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / DAY_SECONDS
