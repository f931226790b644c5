from datetime import UTC, datetime, timedelta

import pytest

from qbank.domain import scheduling as s

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PREFS = s.preferences(0.90, None)


def walk(ratings, start=NOW, prefs=PREFS, seed="1:1"):
    memory, now = s.first_memory(start), start
    for rating in ratings:
        memory = s.review(memory, rating, now, prefs, seed)
        now = memory.due
    return memory


def test_a_new_card_goes_through_the_learning_steps():
    good = s.review(s.first_memory(NOW), s.GOOD, NOW, PREFS, "1:1")
    again = s.review(s.first_memory(NOW), s.AGAIN, NOW, PREFS, "1:1")
    assert (good.state, good.step, good.due - NOW) == (s.LEARNING, 1, timedelta(minutes=10))
    assert (again.state, again.due - NOW) == (s.LEARNING, timedelta(minutes=1))
    graduated = s.review(good, s.GOOD, good.due, PREFS, "1:1")
    assert graduated.state == s.REVIEW
    assert graduated.due - good.due >= timedelta(days=1)


def test_a_lapse_sends_a_review_card_to_relearning_and_counts():
    reviewed = walk([s.GOOD, s.GOOD, s.GOOD])
    lapsed = s.review(reviewed, s.AGAIN, reviewed.due, PREFS, "1:1")
    assert lapsed.state == s.RELEARNING
    assert lapsed.lapses == 1
    assert lapsed.due - reviewed.due == timedelta(minutes=10)


@pytest.mark.parametrize("ratings", [[], [3], [3, 3], [3, 3, 3, 2], [1, 3, 3, 4, 1, 3]])
def test_intervals_shown_equal_intervals_given(ratings):
    memory = walk(ratings)
    now = memory.due + timedelta(hours=3)
    shown = s.intervals(memory, now, PREFS, "7:42")
    for rating, wait in shown.items():
        assert s.review(memory, rating, now, PREFS, "7:42").due - now == wait


def test_fuzz_is_the_same_for_the_same_card_and_stays_near_the_interval():
    assert s.fuzz_days(30, "a:1") == s.fuzz_days(30, "a:1")
    spread = {s.fuzz_days(30, f"card:{n}") for n in range(200)}
    assert len(spread) > 1
    assert min(spread) >= 27 and max(spread) <= 33
    assert s.fuzz_days(2, "x") == 2


def test_higher_desired_retention_gives_shorter_intervals():
    memory = walk([s.GOOD, s.GOOD, s.GOOD])
    relaxed = s.preferences(0.80, None)
    strict = s.preferences(0.95, None)
    relaxed_wait = s.review(memory, s.GOOD, memory.due, relaxed, "1:1").due - memory.due
    strict_wait = s.review(memory, s.GOOD, memory.due, strict, "1:1").due - memory.due
    assert strict_wait < relaxed_wait


def test_memory_survives_json():
    memory = walk([s.GOOD, s.HARD])
    assert s.Memory.from_json(memory.as_json()) == memory


def test_retrievability_falls_with_time():
    memory = walk([s.GOOD, s.GOOD])
    assert s.retrievability(memory, memory.last_review, PREFS) == pytest.approx(1.0)
    at_due = s.retrievability(memory, memory.due, PREFS)
    later = s.retrievability(memory, memory.due + timedelta(days=30), PREFS)
    assert 0.8 < at_due < 0.97 and later < at_due
    assert s.retrievability(s.first_memory(NOW), NOW, PREFS) == 0.0


def test_review_needs_a_known_rating():
    with pytest.raises(ValueError, match="rating must be 1 to 4"):
        s.review(s.first_memory(NOW), 5, NOW, PREFS, "1:1")


@pytest.mark.parametrize(
    ("wait", "text"),
    [
        (timedelta(seconds=20), "1 min"),
        (timedelta(minutes=10), "10 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(days=4), "4 d"),
        (timedelta(days=75), "2.5 mo"),
        (timedelta(days=730), "2 y"),
    ],
)
def test_waits_are_described_briefly(wait, text):
    assert s.describe_interval(wait) == text
