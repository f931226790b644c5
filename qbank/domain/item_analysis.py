"""Item analysis: how hard each question is and whether it tells strong students from weak.

Classical test theory on first answers only: a student's first answer to a question
shows what they knew before qbank taught it to them; later answers are spaced reviews.

- Difficulty is the share of first answers that were right.
- Discrimination is the point-biserial correlation between being right on this question
  and the share of the student's other first answers in the set that were right. A good
  question is answered right more often by students who do well on the rest; a negative
  value usually means a wrong key or an ambiguous stem.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

# Fewer first answers than this and the figures say more about chance than the question.
MIN_ANSWERS = 10
TOO_HARD = 0.30  # right first time below this share
TOO_EASY = 0.90  # right first time above this share
LOW_DISCRIMINATION = 0.0  # below this, stronger students do worse on it than weaker ones


class Flag(StrEnum):
    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"
    DISTRACTOR_BEATS_KEY = "distractor_beats_key"


FLAG_TEXT = {
    Flag.TOO_HARD: f"Too hard: fewer than {TOO_HARD:.0%} right first time.",
    Flag.TOO_EASY: f"Too easy: more than {TOO_EASY:.0%} right first time.",
    Flag.NEGATIVE_DISCRIMINATION: (
        "Possibly faulty: students who do well on the rest of the set get it wrong more "
        "often. Check the key and the wording."
    ),
    Flag.DISTRACTOR_BEATS_KEY: (
        "Possibly faulty: a wrong option drew more first answers than the right one. Check the key."
    ),
}


class FirstAnswer(NamedTuple):  # a tuple: a large set has tens of thousands of them
    user_id: int
    question_id: int
    correct: bool
    chosen: tuple[str, ...]  # option keys; empty for flashcards


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    answers: int
    correct: int
    discrimination: float | None  # None with too few answers or no spread to correlate
    chosen: dict[str, int] = field(default_factory=dict)  # option key -> first answers

    @property
    def judged(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def difficulty(self) -> float | None:
        """Share right first time (higher is easier); None before any answer."""
        return self.correct / self.answers if self.answers else None


def flags(stats: ItemStats, correct_keys: Iterable[str]) -> list[Flag]:
    """What a question's figures suggest looking at; nothing until they are judged."""
    if not stats.judged or stats.difficulty is None:
        return []
    found = []
    if stats.difficulty < TOO_HARD:
        found.append(Flag.TOO_HARD)
    elif stats.difficulty > TOO_EASY:
        found.append(Flag.TOO_EASY)
    if stats.discrimination is not None and stats.discrimination < LOW_DISCRIMINATION:
        found.append(Flag.NEGATIVE_DISCRIMINATION)
    keys = set(correct_keys)
    if len(keys) == 1 and stats.chosen:
        (key,) = keys
        best_distractor = max((n for k, n in stats.chosen.items() if k not in keys), default=0)
        if best_distractor > stats.chosen.get(key, 0):
            found.append(Flag.DISTRACTOR_BEATS_KEY)
    return found


def analyse(answers: Iterable[FirstAnswer]) -> dict[int, ItemStats]:
    """Difficulty, discrimination and option counts for every question answered."""
    answers = list(answers)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # user -> [right, answered]
    by_question: dict[int, list[FirstAnswer]] = defaultdict(list)
    for a in answers:
        totals[a.user_id][0] += a.correct
        totals[a.user_id][1] += 1
        by_question[a.question_id].append(a)
    result = {}
    for question_id, given in by_question.items():
        chosen: dict[str, int] = defaultdict(int)
        pairs = []
        for a in given:
            for key in a.chosen:
                chosen[key] += 1
            right, answered = totals[a.user_id]
            if answered > 1:  # the rest of the set, this question left out
                pairs.append((float(a.correct), (right - a.correct) / (answered - 1)))
        result[question_id] = ItemStats(
            question_id=question_id,
            answers=len(given),
            correct=sum(a.correct for a in given),
            discrimination=_correlation(pairs) if len(pairs) >= MIN_ANSWERS else None,
            chosen=dict(chosen),
        )
    return result


def _correlation(pairs: list[tuple[float, float]]) -> float | None:
    """Pearson's r; None when either side does not vary."""
    n = len(pairs)
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    var_x = sum((x - mean_x) ** 2 for x, _ in pairs)
    var_y = sum((y - mean_y) ** 2 for _, y in pairs)
    if var_x == 0 or var_y == 0:
        return None
    return cov / math.sqrt(var_x * var_y)
