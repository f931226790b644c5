"""Leaderboard rules: the window a board covers, ranking with ties, and pseudonyms."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class BoardWindow(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL_TIME = "all_time"
    CUSTOM = "custom"


class BoardMetric(enum.StrEnum):
    XP = "xp"
    CORRECT = "correct"
    STREAK = "streak"
    ACCURACY = "accuracy"


class BoardView(enum.StrEnum):
    FULL = "full"
    AROUND_ME = "around_me"


def window_days(
    window: str, now: datetime, tz: str, start: date | None = None, end: date | None = None
) -> tuple[date | None, date]:
    """The first and last study day a board counts (first None: since the beginning).

    Weeks start on Monday and months on the 1st, in the cohort's time zone.
    """
    today = now.astimezone(ZoneInfo(tz)).date()
    if window == BoardWindow.WEEK:
        return today - timedelta(days=today.weekday()), today
    if window == BoardWindow.MONTH:
        return today.replace(day=1), today
    if window == BoardWindow.CUSTOM and start and end:
        return start, min(end, today)
    return None, today


@dataclass(frozen=True)
class Entry:
    user_id: int
    name: str
    score: float
    reached_at: datetime | None  # when the score was reached: earlier wins a tie


@dataclass(frozen=True)
class Place:
    rank: int
    entry: Entry


def rank(entries: list[Entry]) -> list[Place]:
    """Order by score, then by who reached it first, then by id; equal keys share a rank."""
    far_future = datetime.max.replace(tzinfo=None)

    def key(e: Entry) -> tuple[float, datetime, int]:
        reached = e.reached_at.replace(tzinfo=None) if e.reached_at else far_future
        return (-e.score, reached, e.user_id)

    ordered = sorted(entries, key=key)
    return [Place(position, entry) for position, entry in enumerate(ordered, start=1)]


def seen_by(places: list[Place], view: str, user_id: int, is_rep: bool) -> list[Place]:
    """The places a member sees: the whole table, or those around them if the rep chose
    that; the rep, who runs the board, always sees it whole."""
    if view == BoardView.AROUND_ME and not is_rep:
        return around(places, user_id)
    return places


def around(places: list[Place], user_id: int, reach: int = 5) -> list[Place]:
    """The places within ``reach`` above and below the user (the top ones if absent)."""
    for index, place in enumerate(places):
        if place.entry.user_id == user_id:
            return places[max(0, index - reach) : index + reach + 1]
    return places[: 2 * reach + 1]


ADJECTIVES = [
    "Amber",
    "Brave",
    "Calm",
    "Clever",
    "Crimson",
    "Daring",
    "Eager",
    "Gentle",
    "Golden",
    "Happy",
    "Jade",
    "Keen",
    "Lively",
    "Lucky",
    "Mellow",
    "Nimble",
    "Quiet",
    "Rapid",
    "Silver",
    "Steady",
    "Swift",
    "Tidy",
    "Vivid",
    "Witty",
]
ANIMALS = [
    "Badger",
    "Beaver",
    "Crane",
    "Dolphin",
    "Falcon",
    "Ferret",
    "Gecko",
    "Heron",
    "Ibis",
    "Koala",
    "Lemur",
    "Lynx",
    "Marten",
    "Narwhal",
    "Otter",
    "Owl",
    "Panda",
    "Puffin",
    "Quokka",
    "Raven",
    "Seal",
    "Tapir",
    "Wombat",
    "Yak",
]


def pseudonym(cohort_id: int, user_id: int) -> str:
    """A stable name for anonymous boards: the same in one cohort, different across cohorts."""
    digest = hashlib.sha256(f"pseudonym:{cohort_id}:{user_id}".encode()).digest()
    adjective = ADJECTIVES[digest[0] % len(ADJECTIVES)]
    animal = ANIMALS[digest[1] % len(ANIMALS)]
    return f"{adjective} {animal} {int.from_bytes(digest[2:4], 'big') % 100:02d}"
