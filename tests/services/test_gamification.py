"""Streaks, freezes and daily goals through the services, on real answers and real zones."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from qbank.domain.gamification import Goal
from qbank.extensions import db
from qbank.models import Badge, DailyActivity, PastDailyGoal, Role, UserStats, Visibility
from qbank.services import enrollment, gamification, study
from qbank.services import question_bank as bank
from qbank.services.settings import GoalStart, StudySettings, update_study_settings
from tests.bank_helpers import sba

SECRET = "gamification"


@pytest.fixture
def studying(create_user, published_set, clock):
    """Return a factory: a student enrolled in a public set of 40 questions."""
    question_set = published_set(40)

    def make(email="student@example.edu", **fields):
        student = create_user(email=email, **fields)
        enrollment.enroll(student, question_set, clock.now())
        db.session.commit()
        return student

    return make


def answer_some(student, now, n=1):
    """Answer the next ``n`` cards of today's queue at ``now`` (five seconds apart)."""
    for k in range(n):
        at = now + timedelta(seconds=5 * k)
        pick = study.pick_next(study.queue_for(student, at))
        assert pick is not None, "the queue ran dry"
        token = study.card_view(student, pick[1], at, SECRET).token
        study.record_answer(student, pick[1], token, ["A"], None, 5000, at, SECRET)
        db.session.commit()


def stats(student):
    db.session.expire_all()
    return db.session.get(UserStats, student.id)


def days(student):
    return db.session.execute(
        sa.select(DailyActivity.day, DailyActivity.reviews, DailyActivity.goal_met)
        .where(DailyActivity.user_id == student.id)
        .order_by(DailyActivity.day)
    ).all()


def local(zone, *args):
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_a_streak_runs_through_both_dst_changes_in_new_york(studying, clock):
    # Days start at midnight; answers just after it in spring and just before it in
    # autumn, where a clock off by the hour of daylight saving would pick the wrong day.
    student = studying(
        timezone="America/New_York", rollover_hour=0, daily_goal="answers", daily_goal_answers=2
    )
    spring = [local("America/New_York", 2026, 3, d, 0, 30) for d in range(6, 11)]
    autumn = [local("America/New_York", 2026, 10, 30, 23, 30)]
    autumn += [local("America/New_York", 2026, 10, 31, 23, 30)]
    autumn += [local("America/New_York", 2026, 11, d, 23, 30) for d in range(1, 4)]
    streaks = []
    for moment in spring + autumn:
        answer_some(student, moment, n=2)
        streaks.append(stats(student).current_streak)
    assert streaks == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]  # 8 March and 1 November count once
    assert [d.isoformat() for d, _, _ in days(student)] == [
        "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10",
        "2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03",
    ]  # fmt: skip


def test_the_rollover_hour_keeps_an_after_midnight_session_on_the_evening_before(studying, clock):
    student = studying(timezone="Europe/London", daily_goal="answers", daily_goal_answers=1)
    answer_some(student, local("Europe/London", 2026, 3, 28, 20, 0))
    # 01:30 on the night the clocks go forward: still 28 March's study day (rollover 4 a.m.).
    answer_some(student, local("Europe/London", 2026, 3, 29, 1, 30))
    assert stats(student).current_streak == 1
    answer_some(student, local("Europe/London", 2026, 3, 29, 18, 0))
    assert stats(student).current_streak == 2
    assert [(d.isoformat(), n) for d, n, _ in days(student)] == [
        ("2026-03-28", 2),
        ("2026-03-29", 1),
    ]


def test_flying_east_across_the_date_line_neither_breaks_nor_doubles_a_streak(studying, clock):
    student = studying(timezone="America/Los_Angeles", daily_goal="answers", daily_goal_answers=1)
    answer_some(student, local("America/Los_Angeles", 2026, 5, 4, 20, 0))
    answer_some(student, local("America/Los_Angeles", 2026, 5, 5, 20, 0))
    assert stats(student).current_streak == 2
    # Lands in Auckland: 20:00 on 5 May in LA is 15:00 on 6 May there; 7 May is next.
    student.timezone = "Pacific/Auckland"
    db.session.commit()
    answer_some(student, local("Pacific/Auckland", 2026, 5, 7, 9, 0))
    assert stats(student).current_streak == 3
    # Flying back west the same local date again: it counts once.
    student.timezone = "America/Los_Angeles"
    db.session.commit()
    answer_some(student, local("America/Los_Angeles", 2026, 5, 6, 18, 0))
    assert stats(student).current_streak == 3


def test_a_freeze_covers_a_missed_day_and_a_second_miss_without_one_restarts(studying, clock):
    student = studying(timezone="UTC", daily_goal="answers", daily_goal_answers=1)
    for day in range(1, 8):  # seven days earn one freeze
        answer_some(student, datetime(2026, 6, day, 12, tzinfo=UTC))
    assert (stats(student).current_streak, stats(student).streak_freezes) == (7, 1)
    answer_some(student, datetime(2026, 6, 9, 12, tzinfo=UTC))  # 8 June missed
    assert (stats(student).current_streak, stats(student).streak_freezes) == (8, 0)
    frozen = db.session.get(DailyActivity, (student.id, datetime(2026, 6, 8).date()))
    assert frozen.freeze_used and frozen.reviews == 0
    answer_some(student, datetime(2026, 6, 11, 12, tzinfo=UTC))  # 10 June missed, no freeze
    assert stats(student).current_streak == 1
    assert stats(student).longest_streak == 8


def test_a_new_daily_goal_starts_tomorrow_and_past_days_keep_theirs(studying, clock):
    student = studying(timezone="UTC", daily_goal="answers", daily_goal_answers=1)
    answer_some(student, datetime(2026, 6, 1, 9, tzinfo=UTC))
    assert stats(student).current_streak == 1
    # At noon the student raises the goal to 3: today still needed only 1.
    update_study_settings(
        student,
        StudySettings("UTC", 4, 0.9, 20, 200, False, Goal("answers", 3)),
        datetime(2026, 6, 1, 12, tzinfo=UTC),
    )
    db.session.commit()
    answer_some(student, datetime(2026, 6, 2, 9, tzinfo=UTC), n=2)
    assert stats(student).current_streak == 1  # 2 June needs 3 answers
    answer_some(student, datetime(2026, 6, 2, 10, tzinfo=UTC))
    assert stats(student).current_streak == 2
    assert [met for _, _, met in days(student)] == [True, True]
    # A rebuild from the log judges each day by the goal it had.
    gamification.rebuild_user(student, datetime(2026, 6, 3, tzinfo=UTC))
    db.session.commit()
    assert stats(student).current_streak == 2
    assert [met for _, _, met in days(student)] == [True, True]
    past = db.session.scalars(sa.select(PastDailyGoal)).all()
    assert [(p.until_day.isoformat(), p.goal, p.answers) for p in past] == [
        ("2026-06-02", "answers", 1)
    ]


def test_before_the_first_answer_a_new_goal_counts_today_and_after_it_tomorrow(studying, clock):
    student = studying(timezone="UTC", daily_goal="answers", daily_goal_answers=1)
    june_1 = datetime(2026, 6, 1, 12, tzinfo=UTC)
    today, tomorrow = june_1.date(), june_1.date() + timedelta(days=1)
    assert gamification.change_daily_goal(student, Goal("answers", 5), today) == today
    assert gamification.change_daily_goal(student, Goal("answers", 2), today) == today
    assert gamification.change_daily_goal(student, Goal("answers", 2), today) is None
    db.session.commit()
    answer_some(student, june_1, n=2)
    assert stats(student).current_streak == 1  # judged by 2, the goal chosen before answering
    assert gamification.change_daily_goal(student, Goal("all_due", 2), today) == tomorrow
    assert gamification.change_daily_goal(student, Goal("answers", 9), today) == tomorrow
    db.session.commit()
    history = gamification.goal_history(student)
    assert history.on(today - timedelta(days=1)) == Goal("answers", 1)
    assert history.on(today) == Goal("answers", 2)
    assert history.on(tomorrow) == Goal("answers", 9)
    gamification.rebuild_user(student, june_1)
    db.session.commit()
    assert stats(student).current_streak == 1


def test_a_day_begun_in_a_zone_ahead_keeps_its_goal_when_the_zone_moves_back(studying, clock):
    # Found by the fold test: 15:00 UTC is 05:00 the next day in Kiritimati (UTC+14).
    student = studying(timezone="Pacific/Kiritimati", daily_goal="answers", daily_goal_answers=2)
    at = datetime(2026, 6, 1, 15, tzinfo=UTC)
    answer_some(student, at, n=1)  # begins 2 June there, one answer short of the goal
    student.timezone = "UTC"
    db.session.commit()
    today = at.date()  # 1 June in UTC, not yet begun
    starts = gamification.change_daily_goal(student, Goal("answers", 1), today)
    db.session.commit()
    assert starts == today + timedelta(days=2)  # after 2 June, the day already begun
    history = gamification.goal_history(student)
    assert history.on(today + timedelta(days=1)) == Goal("answers", 2)
    assert history.on(starts) == Goal("answers", 1)
    incremental = days(student), stats(student).current_streak
    gamification.rebuild_user(student, at)
    db.session.commit()
    assert (days(student), stats(student).current_streak) == incremental
    assert incremental[1] == 0


def test_the_settings_page_says_when_a_goal_waits_for_days_begun_ahead(studying, clock):
    student = studying(timezone="Pacific/Kiritimati", daily_goal="answers", daily_goal_answers=2)
    at = datetime(2026, 6, 1, 15, tzinfo=UTC)
    answer_some(student, at, n=1)
    student.timezone = "UTC"
    db.session.commit()
    choice = StudySettings(
        timezone="UTC",
        rollover_hour=student.rollover_hour,
        desired_retention=student.desired_retention,
        new_cards_per_day=student.new_cards_per_day,
        max_reviews_per_day=student.max_reviews_per_day,
        confirm_rating=student.confirm_rating,
        daily_goal=Goal("answers", 1),
    )
    assert update_study_settings(student, choice, at) is GoalStart.LATER


def test_clearing_every_due_card_meets_the_all_due_goal(studying, clock):
    student = studying(timezone="UTC", daily_goal="all_due", new_cards_per_day=3)
    at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    while study.pick_next(study.queue_for(student, at)) is not None:
        answer_some(student, at)  # three new cards through their learning steps
        at += timedelta(minutes=11)
    student.new_cards_per_day = 0
    db.session.commit()
    month_later = datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert len(study.queue_for(student, month_later).reviews) == 3
    answer_some(student, month_later, n=2)
    assert days(student)[-1] == (month_later.date(), 2, False)  # one review still due
    answer_some(student, month_later + timedelta(minutes=1))
    assert days(student)[-1] == (month_later.date(), 3, True)


def test_answering_every_question_of_a_set_earns_the_finisher_badge_once(create_user, clock):
    owner = create_user(role=Role.FACULTY, email="small@example.edu")
    small = bank.create_set(owner, "Small", "", clock.now())
    questions = [
        bank.save_question(small, sba(i, external_id=f"s{i}"), owner, clock.now())[0]
        for i in range(4)
    ]
    bank.update_set(small, "Small", "", Visibility.PUBLIC, [], owner, clock.now())
    bank.publish_set(small, True, clock.now())
    student = create_user(email="finisher@example.edu", timezone="UTC")
    enrollment.enroll(student, small, clock.now())
    db.session.commit()

    def badges():
        db.session.expire_all()
        return set(db.session.scalars(sa.select(Badge.code).where(Badge.user_id == student.id)))

    clock.advance(minutes=1)
    bank.retire_question(questions[3], True, clock.now())  # a retired question never counts
    db.session.commit()
    answer_some(student, clock.now() + timedelta(minutes=1), n=2)
    assert "set-finished" not in badges()
    answer_some(student, clock.now() + timedelta(minutes=2))
    assert "set-finished" in badges()
    # Undo takes it back; answering again earns it again, still once.
    study.undo_last_answer(student, clock.now() + timedelta(minutes=3))
    db.session.commit()
    assert "set-finished" not in badges()
    answer_some(student, clock.now() + timedelta(minutes=4))
    assert "set-finished" in badges()
    # A question added later does not take away a badge earned before it existed.
    clock.advance(minutes=10)
    bank.save_question(small, sba(9, external_id="late"), owner, clock.now())
    db.session.commit()
    gamification.rebuild_user(student, clock.now())
    db.session.commit()
    assert "set-finished" in badges()
