from datetime import UTC, date, datetime, timedelta

import pytest

from qbank.domain import gamification as g


def facts(**overrides):
    values = {
        "correct": True,
        "was_review": False,
        "difficulty": 5.0,
        "time_taken_ms": 8000,
        "since_same_card": None,
    }
    values.update(overrides)
    return g.AnswerFacts(**values)


def test_points_reward_correct_due_and_hard_answers():
    assert g.answer_xp(facts(correct=False)) == 1
    assert g.answer_xp(facts()) == 5
    assert g.answer_xp(facts(was_review=True)) == 7
    assert g.answer_xp(facts(was_review=True, difficulty=9.6)) == 10
    assert g.answer_xp(facts(difficulty=None)) == 5


def test_cram_and_mash_guards_earn_nothing():
    assert g.answer_xp(facts(since_same_card=timedelta(minutes=4))) == 0
    assert g.answer_xp(facts(since_same_card=timedelta(minutes=6))) == 5
    assert g.answer_xp(facts(time_taken_ms=1999)) == 0


def test_the_daily_cap_holds():
    assert g.capped(10, g.DAILY_XP_CAP - 4) == 4
    assert g.capped(10, g.DAILY_XP_CAP) == 0


def test_levels_grow_geometrically():
    assert g.level_for(0) == g.Level(1, 0, 100)
    assert g.level_for(99).number == 1
    assert g.level_for(100) == g.Level(2, 0, 125)
    assert g.level_for(100 + 125 + 156).number == 4


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def run(days):
    streak = g.Streak()
    for day in days:
        streak = g.extend(streak, day, at(day))
    return streak


D0 = date(2026, 3, 1)


def test_consecutive_days_build_a_streak_and_earn_freezes():
    streak = run([D0 + timedelta(days=n) for n in range(14)])
    assert (streak.current, streak.longest, streak.freezes) == (14, 14, 2)
    assert run([D0 + timedelta(days=n) for n in range(21)]).freezes == 2  # at most 2


def test_a_missed_day_uses_a_freeze():
    days = [D0 + timedelta(days=n) for n in range(7)] + [D0 + timedelta(days=8)]
    streak = run(days)
    assert (streak.current, streak.freezes) == (8, 0)
    assert streak.freezes_used == (D0 + timedelta(days=7),)


def test_without_freezes_a_missed_day_restarts_the_streak():
    streak = run([D0, D0 + timedelta(days=1), D0 + timedelta(days=3)])
    assert (streak.current, streak.longest) == (1, 2)


def test_the_same_day_or_an_earlier_one_never_counts_twice():
    streak = run([D0, D0 + timedelta(days=1)])
    assert g.extend(streak, D0 + timedelta(days=1), at(D0, 23)) == streak
    assert g.extend(streak, D0, at(D0 + timedelta(days=2))) == streak


def test_a_date_skipped_by_flying_east_is_not_a_missed_day():
    streak = g.extend(g.Streak(), D0, at(D0, 20))
    # 20 hours later it is already the day after tomorrow in the new zone.
    streak = g.extend(streak, D0 + timedelta(days=2), at(D0 + timedelta(days=1), 16))
    assert (streak.current, streak.freezes_used) == (2, ())


def test_a_streak_stays_alive_until_a_day_is_really_missed():
    streak = run([D0, D0 + timedelta(days=1)])
    assert g.alive(streak, D0 + timedelta(days=2)) == 2  # today's goal is still possible
    assert g.alive(streak, D0 + timedelta(days=3)) == 0


@pytest.mark.parametrize(
    ("kind", "answers", "cleared", "met"),
    [
        ("answers", 19, False, False),
        ("answers", 20, False, True),
        ("all_due", 3, True, True),
        ("all_due", 0, True, False),
        ("all_due", 30, False, False),
    ],
)
def test_daily_goal(kind, answers, cleared, met):
    assert g.goal_met(kind, answers, 20, cleared) is met


def test_badges_are_earned_once():
    totals = g.Totals(xp=0, reviews=100, correct=95, streak=g.Streak(current=7))
    earned = g.new_badges(totals, (100, 95), 7)
    assert set(earned) == {"first-answer", "answers-100", "streak-7", "sharp-week", "due-7"}
    totals.badges = set(earned)
    assert g.new_badges(totals, (100, 95), 7) == []
