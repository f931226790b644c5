"""The modes an answer is given in, and which answers each projection of the log counts.

Every answer is one ``ReviewLog`` row with its mode. A projection (card state, points,
statistics, fitting) counts the answers not undone whose mode it lists here, and a
rebuild from the log counts the same ones. ARCHITECTURE.md shows this table; a test
keeps the two alike. A new mode (practice blocks, case stages) adds itself to the
projections it counts, and says why in the table.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class ReviewMode(enum.StrEnum):
    REVIEW = "review"  # the daily review: due cards and new ones, on the schedule
    PRACTICE = "practice"  # a practice block's answer, written when the block ends
    CRAM = "cram"  # reserved: answering ahead of the schedule (not written yet)
    PREVIEW = "preview"  # reserved: looking at a card before learning it (not written yet)


class Projection(enum.StrEnum):
    CARD_STATE = "card state and today's limits"
    POINTS = "points, daily activity, streaks, badges, boards"
    STATS = "the student's statistics"
    ITEM_STATS = "item statistics"
    FSRS_FITTING = "FSRS parameter fitting"
    PRACTICE_POOLS = "practice pools (unused, incorrect last time)"


COUNTED_MODES: Mapping[Projection, frozenset[ReviewMode]] = MappingProxyType(
    {
        Projection.CARD_STATE: frozenset({ReviewMode.REVIEW}),
        Projection.POINTS: frozenset({ReviewMode.REVIEW, ReviewMode.PRACTICE}),
        Projection.STATS: frozenset({ReviewMode.REVIEW}),
        Projection.ITEM_STATS: frozenset({ReviewMode.REVIEW, ReviewMode.PRACTICE}),
        Projection.FSRS_FITTING: frozenset({ReviewMode.REVIEW}),
        Projection.PRACTICE_POOLS: frozenset({ReviewMode.REVIEW, ReviewMode.PRACTICE}),
    }
)


def counts(projection: Projection, mode: str) -> bool:
    return mode in COUNTED_MODES[projection]
