from datetime import UTC, datetime, timedelta

import pytest

from qbank.domain.throttle import NO_WAIT, Backoff, Tally, WindowLimit, parse_limit, say_wait

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def failures(rule, n, start=NOW, every=timedelta(0)):
    tally = None
    for k in range(n):
        tally = rule.hit(tally, start + k * every)
    return tally


def test_five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes():
    rule = Backoff()
    assert [rule.delay(n).total_seconds() for n in range(4, 16)] == [
        *(0, 2, 4, 8, 16, 32, 64, 128, 256, 512),
        *(900, 900),
    ]
    assert rule.delay(10_000) == timedelta(minutes=15)


def test_the_wait_counts_from_the_latest_failure():
    rule = Backoff()
    tally = failures(rule, 7)  # waits 8 s after the seventh
    assert rule.wait(tally, NOW + timedelta(seconds=3)) == timedelta(seconds=5)
    assert rule.wait(tally, NOW + timedelta(seconds=8)) == NO_WAIT


def test_a_quiet_day_forgets_the_failures():
    rule = Backoff()
    tally = failures(rule, 12)
    assert rule.wait(tally, NOW + timedelta(hours=23)) == NO_WAIT  # past the 15-minute cap
    assert rule.hit(tally, NOW + timedelta(hours=23)).hits == 13
    assert rule.hit(tally, NOW + timedelta(days=1)).hits == 1


def test_a_success_forgets_every_failure_of_a_backoff():
    rule = Backoff()
    assert rule.give_back(failures(rule, 4), NOW) is None


def test_a_window_refuses_once_full_until_it_ends():
    rule = WindowLimit(3, timedelta(minutes=15))
    tally = failures(rule, 3, every=timedelta(minutes=1))
    assert rule.wait(failures(rule, 2), NOW) == NO_WAIT
    assert rule.wait(tally, NOW + timedelta(minutes=5)) == timedelta(minutes=10)
    assert rule.wait(tally, NOW + timedelta(minutes=15)) == NO_WAIT
    assert rule.hit(tally, NOW + timedelta(minutes=15)) == Tally(
        1, NOW + timedelta(minutes=15), NOW + timedelta(minutes=15)
    )


def test_a_window_gives_back_one_hit():
    rule = WindowLimit(3, timedelta(minutes=15))
    assert rule.give_back(failures(rule, 3), NOW).hits == 2
    assert rule.give_back(failures(rule, 1), NOW) is None


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("100 per 15 minutes", WindowLimit(100, timedelta(minutes=15))),
        ("200 per hour", WindowLimit(200, timedelta(hours=1))),
        ("5/1 day", WindowLimit(5, timedelta(days=1))),
        (" 10 PER 30 Seconds ", WindowLimit(10, timedelta(seconds=30))),
    ],
)
def test_limits_read_as_written(text, limit):
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["lots", "0 per hour", "10 per 0 minutes", "10 per fortnight"])
def test_malformed_limits_are_refused(text):
    with pytest.raises(ValueError, match="is not a limit like"):
        parse_limit(text)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.2, "1 second"),
        (30, "30 seconds"),
        (59.5, "1 minute"),
        (61, "2 minutes"),
        (900, "15 minutes"),
        (7300, "3 hours"),
    ],
)
def test_waits_are_said_rounded_up(seconds, said):
    assert say_wait(timedelta(seconds=seconds)) == said


def test_with_no_free_failures_the_first_attempt_is_still_checked():
    rule = Backoff(free_failures=0)
    assert rule.wait(None, NOW) == NO_WAIT
    assert rule.delay(0) == NO_WAIT
    assert rule.wait(rule.hit(None, NOW), NOW) == timedelta(seconds=2)
