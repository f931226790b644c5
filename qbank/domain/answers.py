"""Grading an answer and the order a student sees the options in: pure rules."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from qbank.domain.scheduling import AGAIN, GOOD, HARD

# A question has 2 to 10 options, keyed (and shown) A to J in their stored order.
MIN_OPTIONS = 2
MAX_OPTIONS = 10
OPTION_KEYS = "ABCDEFGHIJ"

# Study time counts an answer for a minute at most: a longer one was a break.
TIME_CAP_MS = 60_000


def shuffled_options(
    options: Sequence[dict[str, Any]], student_id: int, question_id: int
) -> list[dict[str, Any]]:
    """The options in this student's order: shuffled the same way on every visit.

    Options marked fixed ("All of the above") stay last, in their own order.
    """
    movable = [o for o in options if not o.get("fixed")]
    random.Random(f"options:{student_id}:{question_id}").shuffle(movable)
    return movable + [o for o in options if o.get("fixed")]


def correct_keys(options: Sequence[dict[str, Any]]) -> set[str]:
    return {o["key"] for o in options if o.get("correct")}


def is_correct(options: Sequence[dict[str, Any]], chosen: Sequence[str]) -> bool:
    """Right when exactly the correct options were chosen (one, or all of several)."""
    return set(chosen) == correct_keys(options)


def awaits_rating(
    confirm_rating: bool,
    is_choice: bool,
    options: Sequence[dict[str, Any]],
    chosen: Sequence[str],
    rating: int | None,
    guessed: bool = False,
) -> bool:
    """Whether to show right-or-wrong first, before recording the answer.

    A student who confirms ratings sees a right answer to a choice question first and then
    picks Hard, Good or Easy; a wrong answer is Again at once, and a guess is Hard, so
    those are recorded as sent.
    """
    if not (confirm_rating and is_choice and chosen) or rating is not None or guessed:
        return False
    return is_correct(options, chosen)


def rating_for(
    correct: bool, chosen_rating: int | None, confirm_rating: bool, guessed: bool = False
) -> int:
    """The rating a choice answer records.

    | answer                         | rating                                  |
    |--------------------------------|-----------------------------------------|
    | wrong                          | Again                                   |
    | right, "I guessed" ticked      | Hard: a lucky guess is not recall       |
    | right, confirming ratings      | the student's Hard, Good or Easy        |
    | right                          | Good                                    |

    On a five-option question one blind guess in five is right; rated Good, those guesses
    would tell the scheduler the card is known and stretch its interval.
    """
    if not correct:
        return AGAIN
    if guessed:
        return HARD
    if confirm_rating and chosen_rating in (2, 3, 4):
        return chosen_rating
    return GOOD
