"""A backlog of due reviews: how long it takes at a daily limit, and spreading it out.

After a break a student can find a hundred reviews or more due at once. Done at the daily
limit, the most overdue first (see services.study.queue), it clears by itself in a few
days; this module says how many, and plans an even spread over days the student chooses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from math import ceil


def days_to_clear(due_by_day: Sequence[int], limit: int) -> int | None:
    """Study days until no due review is left over at the end of the day, doing ``limit``
    reviews a day; ``due_by_day[0]`` is due today (overdue included), then one day each.

    None: not within the days given (or a limit of zero with reviews due).
    """
    left = 0
    for day, due in enumerate(due_by_day):
        left = max(0, left + due - limit)
        if left == 0:
            return day + 1 if day or due else 0
    return None


def spread(count: int, days: int, today: date) -> list[date]:
    """The study day of each of ``count`` cards (in the order they should come), spread
    evenly over ``days`` days from today: the first ones today."""
    if days < 1:
        raise ValueError("spread over one day or more")
    per_day = ceil(count / days) if count else 0
    return [today + timedelta(days=n // per_day) for n in range(count)]


def fill(count: int, today: date, load: Mapping[date, int], limit: int) -> list[date]:
    """The study day of each of ``count`` cards (in the order they should come), each on
    the first day from today with room: a day takes at most half of ``limit`` of them,
    and never more than the limit leaves beside the ``load`` already due that day."""
    per_day = max(1, limit // 2)
    days: list[date] = []
    day, placed = today, 0
    while len(days) < count:
        room = min(per_day, max(0, limit - load.get(day, 0))) - placed
        if room <= 0:
            day, placed = day + timedelta(days=1), 0
            continue
        days.append(day)
        placed += 1
    return days
