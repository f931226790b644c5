"""Throttling rules: how long a key must wait before its next attempt, from what it counted.

Two shapes. A backoff (per account, per known device) lets a few failures through, then
doubles the wait after each further one up to a cap, and forgets a key left quiet long
enough. A window limit (per address) allows so many hits in a fixed window, then refuses
until the window ends. Both are pure: they take the tally and ``now``, and return a new
tally or a wait.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

NO_WAIT = timedelta(0)
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_RE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Tally:
    """What one key counted: hits since ``started_at``, the latest at ``last_at``."""

    hits: int
    started_at: datetime
    last_at: datetime


def _one_more(tally: Tally | None, now: datetime) -> Tally:
    """The tally with one more hit at ``now`` (None: the first of a new count)."""
    if tally is None:
        return Tally(1, now, now)
    return Tally(tally.hits + 1, tally.started_at, now)


@dataclass(frozen=True)
class Backoff:
    """A few free failures, then a wait that doubles with each failure, up to a cap."""

    free_failures: int = 5
    first_wait: timedelta = timedelta(seconds=2)
    max_wait: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)

    def current(self, tally: Tally | None, now: datetime) -> Tally | None:
        """Return the tally, or None once the key has been quiet long enough to forget."""
        if tally is None or now - tally.last_at >= self.forget_after:
            return None
        return tally

    def delay(self, failures: int) -> timedelta:
        """How long after the latest of ``failures`` failures the next attempt may come."""
        free = max(1, self.free_failures)  # nothing to wait for before a first failure
        if failures < free:
            return NO_WAIT
        doublings = min(failures - free, 40)  # 2**40 s is far past any cap
        return min(self.first_wait * 2**doublings, self.max_wait)

    def wait(self, tally: Tally | None, now: datetime) -> timedelta:
        """How long the key must still wait before its next attempt is checked."""
        tally = self.current(tally, now)
        if tally is None:
            return NO_WAIT
        return max(NO_WAIT, tally.last_at + self.delay(tally.hits) - now)

    def hit(self, tally: Tally | None, now: datetime) -> Tally:
        """Count one more failure."""
        return _one_more(self.current(tally, now), now)

    def give_back(self, tally: Tally | None, now: datetime) -> Tally | None:
        """Undo the count after a success: a success forgets every failure before it."""
        return None

    @property
    def keeps_for(self) -> timedelta:
        return self.forget_after


@dataclass(frozen=True)
class WindowLimit:
    """At most ``limit`` hits in a fixed window that starts with the first hit."""

    limit: int
    window: timedelta

    def current(self, tally: Tally | None, now: datetime) -> Tally | None:
        """Return the tally, or None once its window has passed."""
        if tally is None or now >= tally.started_at + self.window:
            return None
        return tally

    def wait(self, tally: Tally | None, now: datetime) -> timedelta:
        """How long until the window that is full ends; no wait while it has room."""
        tally = self.current(tally, now)
        if tally is None or tally.hits < self.limit:
            return NO_WAIT
        return tally.started_at + self.window - now

    def hit(self, tally: Tally | None, now: datetime) -> Tally:
        """Count one more hit in the current window."""
        return _one_more(self.current(tally, now), now)

    def give_back(self, tally: Tally | None, now: datetime) -> Tally | None:
        """Take back one hit (a login that succeeded was no failure)."""
        tally = self.current(tally, now)
        if tally is None or tally.hits <= 1:
            return None
        return Tally(tally.hits - 1, tally.started_at, tally.last_at)

    @property
    def keeps_for(self) -> timedelta:
        return self.window


def parse_limit(text: str) -> WindowLimit:
    """Read a limit such as "100 per 15 minutes" or "200 per hour"."""
    match = _LIMIT_RE.match(text.lower())
    if not match or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ValueError(f"{text!r} is not a limit like '100 per 15 minutes' or '200 per hour'.")
    count, amount, unit = match.groups()
    return WindowLimit(int(count), timedelta(seconds=int(amount or 1) * _UNITS[unit]))


def say_wait(wait: timedelta) -> str:
    """Say a wait in whole units, rounded up so that trying again then works."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{math.ceil(minutes / 60)} hours"
