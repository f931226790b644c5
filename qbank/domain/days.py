"""A student's study day: their IANA time zone plus a rollover hour, as Anki counts days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_ROLLOVER_HOUR = 4


def is_known_timezone(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone this machine knows."""
    return name in _known_timezones()


_ZONES: frozenset[str] | None = None


def _known_timezones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def timezone_choices() -> list[str]:
    """Every known IANA zone name, sorted, for a settings form."""
    return sorted(_known_timezones())


def study_day(now: datetime, tz: str, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> date:
    """Return the study day that ``now`` falls in for a student in zone ``tz``.

    A day runs from the rollover hour to the same hour the next local day, so an answer
    at 1 a.m. still counts for the evening before.
    """
    local = now.astimezone(ZoneInfo(tz))
    return (local - timedelta(hours=rollover_hour)).date()


@dataclass(frozen=True)
class Calendar:
    """A student's days: their zone and rollover hour, as the scheduler counts time."""

    timezone: str = "UTC"
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR

    def day_of(self, moment: datetime) -> date:
        return study_day(moment, self.timezone, self.rollover_hour)

    def start_of(self, day: date) -> datetime:
        return day_bounds(day, self.timezone, self.rollover_hour)[0]


def day_bounds(
    day: date, tz: str, rollover_hour: int = DEFAULT_ROLLOVER_HOUR
) -> tuple[datetime, datetime]:
    """Return the UTC instants where study day ``day`` starts and ends (end exclusive).

    Across a DST change a day lasts 23 or 25 hours; both ends are real local instants.
    """
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(rollover_hour), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(rollover_hour), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
