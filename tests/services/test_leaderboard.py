"""Cohort boards from the projections, on both engines: windows, metrics, ties, freezes."""

from datetime import UTC, date, datetime, timedelta

import pytest

from qbank.extensions import db
from qbank.models import DailyActivity, UserStats
from qbank.services.cohorts import add_member, create_cohort
from qbank.services.leaderboard import standings

# Monday 9 March 2026, 10:00 UTC: already 23:00 on Monday in Auckland (UTC+13).
NOW = datetime(2026, 3, 9, 10, tzinfo=UTC)


@pytest.fixture
def cohort_of(create_user):
    """Return a factory: a cohort in ``timezone`` of students named A, B, C, ..."""

    def make(n: int, timezone: str = "UTC", **board):
        students = [
            create_user(email=f"{chr(97 + k)}@example.edu", display_name=chr(65 + k))
            for k in range(n)
        ]
        cohort = create_cohort("Year 2", students[0], timezone, NOW - timedelta(days=60))
        for student in students[1:]:
            add_member(cohort, student, NOW - timedelta(days=60))
        for key, value in board.items():
            setattr(cohort, key, value)
        db.session.commit()
        return cohort, students

    return make


def day(student, on: date, xp=0, correct=0, reviews=0, scored_at=None):
    db.session.add(
        DailyActivity(
            user_id=student.id,
            day=on,
            xp=xp,
            correct=correct,
            reviews=reviews,
            last_scored_at=scored_at,
        )
    )


def board_of(cohort, now=NOW):
    db.session.commit()
    return [(p.rank, p.entry.name, p.entry.score) for p in standings(cohort, now).places]


def test_the_week_starts_on_monday_in_the_cohorts_zone(cohort_of):
    cohort, (a, b) = cohort_of(2, "Pacific/Auckland", board_window="week")
    day(a, date(2026, 3, 9), xp=10)  # Auckland's Monday: this week there
    day(b, date(2026, 3, 8), xp=50)  # Sunday: last week
    assert board_of(cohort) == [(1, "A", 10), (2, "B", 0)]


def test_in_utc_the_same_moment_is_still_last_week(cohort_of):
    cohort, (a, b) = cohort_of(2, "UTC", board_window="week")
    day(a, date(2026, 3, 2), xp=10)
    day(b, date(2026, 3, 8), xp=50)  # Sunday 8 March is in the week of 2 March
    later = board_of(cohort, datetime(2026, 3, 8, 23, tzinfo=UTC))
    assert later == [(1, "B", 50), (2, "A", 10)]
    assert board_of(cohort) == [(1, "A", 0), (2, "B", 0)]  # Monday 9 March: a new week


def test_ties_go_to_whoever_scored_first(cohort_of):
    cohort, (a, b, c) = cohort_of(3, board_window="month")
    day(a, date(2026, 3, 3), xp=30, scored_at=NOW - timedelta(hours=5))
    day(b, date(2026, 3, 3), xp=30, scored_at=NOW - timedelta(hours=9))
    day(c, date(2026, 3, 3), xp=30, scored_at=NOW - timedelta(hours=5))
    assert [name for _, name, _ in board_of(cohort)] == ["B", "A", "C"]  # then by id


def test_accuracy_needs_enough_answers(cohort_of):
    cohort, (a, b, c) = cohort_of(
        3, board_window="all_time", board_metric="accuracy", accuracy_min_answers=20
    )
    for student, correct, reviews in ((a, 18, 20), (b, 19, 19), (c, 30, 40)):
        db.session.add(UserStats(user_id=student.id, xp=0, reviews=reviews, correct=correct))
    assert board_of(cohort) == [(1, "A", 90.0), (2, "C", 75.0)]  # B has 19 answers


def test_a_frozen_board_keeps_the_standings_of_its_freeze_date(cohort_of):
    frozen_at = datetime(2026, 3, 5, 12, tzinfo=UTC)
    cohort, (a, b) = cohort_of(2, board_window="all_time", frozen_at=frozen_at)
    day(a, date(2026, 3, 4), xp=20)
    day(b, date(2026, 3, 6), xp=90)  # after the freeze
    result = standings(cohort, NOW)
    assert result.frozen and result.last_day == date(2026, 3, 5)
    assert board_of(cohort) == [(1, "A", 20), (2, "B", 0)]


def test_a_custom_window_counts_only_its_dates(cohort_of):
    cohort, (a, b) = cohort_of(
        2,
        board_window="custom",
        window_start=date(2026, 3, 2),
        window_end=date(2026, 3, 6),
    )
    day(a, date(2026, 3, 1), xp=100)  # before the exam block
    day(a, date(2026, 3, 2), xp=5)
    day(b, date(2026, 3, 6), xp=7)
    day(b, date(2026, 3, 7), xp=100)  # after it
    assert board_of(cohort) == [(1, "B", 7), (2, "A", 5)]


def test_hidden_members_and_leavers_are_not_on_the_board(cohort_of):
    cohort, (a, b, c) = cohort_of(3, board_window="month")
    for student in (a, b, c):
        day(student, date(2026, 3, 3), xp=10 + student.id)
    membership = {m.user_id: m for m in cohort.memberships}
    membership[b.id].show_on_leaderboard = False
    db.session.delete(membership[c.id])
    assert [name for _, name, _ in board_of(cohort)] == ["A"]
