from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from qbank.domain import scheduling as s
from qbank.domain.days import Calendar

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PREFS = s.preferences(0.90, None)
BERLIN = Calendar("Europe/Berlin", 4)
BERLIN_ZONE = ZoneInfo("Europe/Berlin")


def walk(ratings, start=NOW, prefs=PREFS, seed="1:1"):
    memory, now = s.first_memory(start), start
    for rating in ratings:
        memory = s.review(memory, rating, now, prefs, seed, BERLIN)
        now = memory.due
    return memory


def test_a_new_card_goes_through_the_learning_steps():
    good = s.review(s.first_memory(NOW), s.GOOD, NOW, PREFS, "1:1", BERLIN)
    again = s.review(s.first_memory(NOW), s.AGAIN, NOW, PREFS, "1:1", BERLIN)
    assert (good.state, good.step, good.due - NOW) == (s.LEARNING, 1, timedelta(minutes=10))
    assert (again.state, again.due - NOW) == (s.LEARNING, timedelta(minutes=1))
    graduated = s.review(good, s.GOOD, good.due, PREFS, "1:1", BERLIN)
    assert graduated.state == s.REVIEW
    assert graduated.due_day >= BERLIN.day_of(good.due) + timedelta(days=1)
    assert graduated.due == BERLIN.start_of(graduated.due_day)


def test_a_lapse_sends_a_review_card_to_relearning_and_counts():
    reviewed = walk([s.GOOD, s.GOOD, s.GOOD])
    lapsed = s.review(reviewed, s.AGAIN, reviewed.due, PREFS, "1:1", BERLIN)
    assert lapsed.state == s.RELEARNING
    assert lapsed.lapses == 1
    assert lapsed.due - reviewed.due == timedelta(minutes=10)


@pytest.mark.parametrize("ratings", [[], [3], [3, 3], [3, 3, 3, 2], [1, 3, 3, 4, 1, 3]])
def test_intervals_shown_equal_intervals_given(ratings):
    memory = walk(ratings)
    now = memory.due + timedelta(hours=3)
    shown = s.intervals(memory, now, PREFS, "7:42", BERLIN)
    for rating, wait in shown.items():
        after = s.review(memory, rating, now, PREFS, "7:42", BERLIN)
        assert s.wait(after, now, BERLIN) == wait


def at(hour, day=2, minute=0):
    """A moment in Berlin in March 2026 (UTC+1)."""
    return datetime(2026, 3, day, hour - 1, minute, tzinfo=UTC)


def test_time_between_reviews_is_counted_in_study_days_not_hours():
    evening = s.review(s.first_memory(at(22)), s.EASY, at(22), PREFS, "1:1", BERLIN)
    assert evening.state == s.REVIEW and evening.last_day.isoformat() == "2026-03-02"
    # Due on a later study day: answered 11 hours later or 35 hours later, the gap is the
    # same number of study days, so the memory grows the same.
    next_morning = s.review(evening, s.GOOD, at(9, day=3), PREFS, "1:1", BERLIN)
    next_evening = s.review(evening, s.GOOD, at(22, day=3), PREFS, "1:1", BERLIN)
    assert next_morning.stability == pytest.approx(next_evening.stability)
    assert next_morning.stability > evening.stability * 1.5
    # Before the rollover (4 a.m.) it is still the same study day: a same-day review.
    small_hours = s.review(evening, s.GOOD, at(3, day=3), PREFS, "1:1", BERLIN)
    same_evening = s.review(evening, s.GOOD, at(23), PREFS, "1:1", BERLIN)
    assert small_hours.stability == pytest.approx(same_evening.stability)
    assert small_hours.stability < next_morning.stability


def test_a_review_is_due_on_a_study_day_from_its_start():
    memory = s.review(s.first_memory(at(22)), s.EASY, at(22), PREFS, "1:1", BERLIN)
    assert memory.due == BERLIN.start_of(memory.due_day)
    assert memory.due.astimezone(BERLIN_ZONE).hour == 4
    wait = s.wait(memory, at(22), BERLIN)
    assert wait == timedelta(days=(memory.due_day - BERLIN.day_of(at(22))).days)


def test_a_snapshot_written_before_study_days_still_reviews():
    memory = walk([s.GOOD, s.GOOD, s.GOOD])
    legacy = {k: v for k, v in memory.as_json().items() if k not in ("due_day", "last_day")}
    old = s.Memory.from_json(legacy)
    assert (old.due_day, old.last_day) == (None, None)
    now = memory.due + timedelta(hours=2)
    assert s.review(old, s.GOOD, now, PREFS, "1:1", BERLIN) == s.review(
        memory, s.GOOD, now, PREFS, "1:1", BERLIN
    )


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
    relaxed_wait = s.review(memory, s.GOOD, memory.due, relaxed, "1:1", BERLIN).due_day
    strict_wait = s.review(memory, s.GOOD, memory.due, strict, "1:1", BERLIN).due_day
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
        s.review(s.first_memory(NOW), 5, NOW, PREFS, "1:1", BERLIN)


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


def test_load_balancing_favours_the_lightest_day_in_the_fuzz_range():
    today = NOW.date()
    low, high = s.fuzz_range(30)
    assert (low, high) == (27, 33)
    load = {today + timedelta(days=d): 10 for d in range(low, high + 1)}
    load[today + timedelta(days=31)] = 2
    picked = [s.fuzz_days(30, f"card:{n}", today, s.Balance(load)) for n in range(200)]
    assert picked.count(31) > 0.5 * len(picked)  # the most likely by far
    assert max(picked.count(d) for d in range(low, high + 1) if d != 31) < 0.2 * len(picked)
    assert picked == [s.fuzz_days(30, f"card:{n}", today, s.Balance(load)) for n in range(200)]
    # Equal loads: spread like plain fuzz, over the whole range.
    even = {s.fuzz_days(30, f"card:{n}", today, s.Balance()) for n in range(200)}
    assert even == set(range(low, high + 1))


def test_load_balancing_does_not_lengthen_intervals():
    """Days further out hold fewer reviews so far; choosing the lightest day would then
    mostly choose the last of the range."""
    today = NOW.date()
    load = {today + timedelta(days=d): max(0, 120 - 3 * d) for d in range(1, 60)}
    balanced = [s.fuzz_days(30, f"card:{n}", today, s.Balance(load)) for n in range(2000)]
    plain = [s.fuzz_days(30, f"card:{n}") for n in range(2000)]
    assert abs(sum(balanced) / len(balanced) - sum(plain) / len(plain)) < 0.25


def test_an_easy_day_gets_about_half_the_reviews():
    """Cards of a deck come with intervals of many lengths (here 20 to 40 days), so a
    Sunday falls anywhere in their fuzz ranges: the days each range shares even out."""
    today = NOW.date()  # a Monday
    sunday_half = s.Balance(weekday_weights=(1, 1, 1, 1, 1, 1, 0.5))
    load: dict = {}
    for n in range(2100):  # schedule cards one by one, each seeing the load so far
        interval = 20 + n % 21
        balance = s.Balance(load, sunday_half.weekday_weights)
        day = today + timedelta(days=s.fuzz_days(interval, f"card:{n}", today, balance))
        load[day] = load.get(day, 0) + 1
    middle = [today + timedelta(days=d) for d in range(24, 38)]  # away from the ends
    sundays = [load[day] for day in middle if day.weekday() == 6]
    others = [load[day] for day in middle if day.weekday() != 6]
    assert sundays and max(sundays) <= 0.65 * (sum(others) / len(others))


@pytest.mark.parametrize("ratings", [[3, 3, 3], [1, 3, 3, 4]])
def test_intervals_shown_equal_intervals_given_with_load_balancing(ratings):
    memory = walk(ratings)
    now = memory.due + timedelta(hours=3)
    today = BERLIN.day_of(now)
    balance = s.Balance({today + timedelta(days=d): d % 3 for d in range(1, 60)})
    shown = s.intervals(memory, now, PREFS, "7:42", BERLIN, balance)
    for rating, wait in shown.items():
        after = s.review(memory, rating, now, PREFS, "7:42", BERLIN, balance)
        assert s.wait(after, now, BERLIN) == wait


def test_a_review_pushed_past_an_exam_comes_back_before_it():
    from datetime import date

    calendar = Calendar("UTC", 0)
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    today = now.date()
    memory = s.Memory(
        state=s.REVIEW,
        step=None,
        stability=3.0,
        difficulty=5.0,
        due=now,
        last_review=now - timedelta(days=3),
        reps=3,
        due_day=today,
        last_day=today - timedelta(days=3),
    )
    # Good gives about 11 days, fuzzed over 9 to 13; days 9 to 11 are full, so load
    # balancing alone would take day 12 or 13, on or after the exam on day 12.
    full = {today + timedelta(days=d): 50 for d in (9, 10, 11)}
    balance = s.Balance(full)
    exam: date = today + timedelta(days=12)
    alone = s.review(memory, s.GOOD, now, PREFS, "e:1", calendar, balance)
    assert alone.due_day >= exam
    before = s.review(memory, s.GOOD, now, PREFS, "e:1", calendar, balance, exam)
    assert today < before.due_day < exam and before.due_day not in full
    # Easy lasts past the exam at the target: no review needed before it.
    easy = s.review(memory, s.EASY, now, PREFS, "e:1", calendar, balance, exam)
    assert easy.due_day == s.review(memory, s.EASY, now, PREFS, "e:1", calendar, balance).due_day
