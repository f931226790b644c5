from datetime import UTC, date, datetime, timedelta

import pytest

from qbank.domain.days import day_bounds, is_known_timezone, study_day


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_answer_before_rollover_counts_for_previous_day():
    # 03:30 in London (winter, UTC+0) is before the 4 a.m. rollover.
    assert study_day(at(2026, 1, 10, 3, 30), "Europe/London") == date(2026, 1, 9)
    assert study_day(at(2026, 1, 10, 4, 0), "Europe/London") == date(2026, 1, 10)


def test_same_instant_is_a_different_day_in_different_zones():
    instant = at(2026, 1, 10, 20, 0)
    assert study_day(instant, "Asia/Tokyo") == date(2026, 1, 11)  # 05:00 next morning
    assert study_day(instant, "America/Los_Angeles") == date(2026, 1, 10)


def test_rollover_hour_zero_is_midnight():
    assert study_day(at(2026, 1, 10, 0, 30), "UTC", rollover_hour=0) == date(2026, 1, 10)


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 3, 28), 23),  # the night clocks go forward in Europe/Berlin
        (date(2026, 10, 24), 25),  # the night clocks go back
        (date(2026, 6, 1), 24),
    ],
)
def test_day_bounds_follow_dst(day, hours):
    start, end = day_bounds(day, "Europe/Berlin")
    assert end - start == timedelta(hours=hours)
    assert study_day(start, "Europe/Berlin") == day
    assert study_day(end - timedelta(microseconds=1), "Europe/Berlin") == day
    assert study_day(end, "Europe/Berlin") == day + timedelta(days=1)


def test_day_bounds_are_utc():
    start, _ = day_bounds(date(2026, 7, 1), "America/New_York")
    assert start.tzinfo is UTC
    assert start == at(2026, 7, 1, 8, 0)  # 04:00 EDT


def test_known_timezones():
    assert is_known_timezone("Europe/London")
    assert not is_known_timezone("Mars/Olympus_Mons")
