"""The statistics page's figures, read straight from the review log and card states."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from qbank.extensions import db
from qbank.models import (
    CardState,
    Enrollment,
    Question,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Role,
    Tag,
    User,
)
from qbank.services.stats import student_stats

NEW, LEARNING, REVIEW, RELEARNING = None, 1, 2, 3
TOKENS = itertools.count()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def faculty(create_user) -> User:
    return create_user(role=Role.FACULTY, email="faculty@example.edu")


@pytest.fixture
def make_set(faculty, clock) -> Callable[..., QuestionSet]:
    """Return a factory: make_set(published=True, retired=False) -> QuestionSet."""

    def make(published: bool = True, retired: bool = False) -> QuestionSet:
        question_set = QuestionSet(
            owner_id=faculty.id,
            title="Cardiology",
            visibility="public",
            published=published,
            created_at=clock.now(),
            updated_at=clock.now(),
            retired_at=clock.now() if retired else None,
        )
        db.session.add(question_set)
        db.session.flush()
        return question_set

    return make


@pytest.fixture
def make_question(make_set, clock) -> Callable[..., Question]:
    """Return a factory: make_question(question_set=None, tags=(), retired=False)."""
    tags: dict[str, Tag] = {}

    def make(
        question_set: QuestionSet | None = None, tag_names: tuple[str, ...] = (), retired=False
    ) -> Question:
        question = Question(
            question_set=question_set or make_set(),
            created_at=clock.now(),
            retired_at=clock.now() if retired else None,
        )
        question.versions.append(
            QuestionVersion(number=1, kind="flashcard", stem="Front", created_at=clock.now())
        )
        for name in tag_names:
            question.tags.append(tags.setdefault(name, Tag(name=name)))
        db.session.add(question)
        db.session.flush()
        return question

    return make


def enrol(student: User, question_set: QuestionSet, now: datetime, active: bool = True) -> None:
    db.session.add(
        Enrollment(
            user_id=student.id,
            set_id=question_set.id,
            enrolled_at=now,
            unenrolled_at=None if active else now,
        )
    )
    db.session.flush()


def card(student: User, question: Question, state: int, due: datetime, **fields: Any) -> None:
    db.session.add(
        CardState(user_id=student.id, question_id=question.id, state=state, due=due, **fields)
    )
    db.session.flush()


def answer(
    student: User,
    question: Question,
    when: datetime,
    correct: bool = True,
    rating: int = 3,
    time_ms: int = 5000,
    state_before: int | None = NEW,
    stability: float = 1.0,
    **fields: Any,
) -> None:
    db.session.add(
        ReviewLog(
            user_id=student.id,
            question_id=question.id,
            question_version_id=question.versions[0].id,
            reviewed_at=when,
            answer_token=f"token-{next(TOKENS)}",
            correct=correct,
            rating=rating,
            time_taken_ms=time_ms,
            state_before=(
                None if state_before is None else {"state": state_before, "stability": stability}
            ),
            state_after={"state": REVIEW},
            **fields,
        )
    )
    db.session.flush()


def stats_for(student: User, now: datetime):
    db.session.commit()
    return student_stats(student, now)


# Reviews per day


def test_answers_before_the_rollover_hour_count_for_the_day_before(
    create_user, make_question, clock
):
    student = create_user(timezone="America/New_York", rollover_hour=4)
    question = make_question()
    # 2 March 2026 in New York is UTC-5: the study day starts at 09:00 UTC.
    answer(student, question, at(2026, 3, 2, 8, 59))
    answer(student, question, at(2026, 3, 2, 9, 0))
    answer(student, question, at(2026, 3, 2, 11, 0))
    stats = stats_for(student, clock.now())
    assert stats.today == date(2026, 3, 2)
    assert stats.daily_reviews == {date(2026, 3, 1): 1, date(2026, 3, 2): 2}


def test_days_follow_a_half_hour_time_zone(create_user, make_question, clock):
    student = create_user(timezone="Asia/Kolkata", rollover_hour=4)
    question = make_question()
    # 04:00 in Kolkata (UTC+5:30) is 22:30 UTC the evening before.
    answer(student, question, at(2026, 3, 1, 22, 29))
    answer(student, question, at(2026, 3, 1, 22, 30))
    stats = stats_for(student, clock.now())
    assert stats.daily_reviews == {date(2026, 3, 1): 1, date(2026, 3, 2): 1}


def test_the_heatmap_covers_365_study_days(create_user, make_question, clock):
    student = create_user(timezone="UTC", rollover_hour=0)
    question = make_question()
    answer(student, question, at(2025, 3, 3, 0, 0))  # first day shown
    answer(student, question, at(2025, 3, 2, 23, 59))  # one day too old
    stats = stats_for(student, clock.now())
    assert stats.daily_reviews == {date(2025, 3, 3): 1}
    assert stats.reviews_last_year == 1 and stats.days_studied == 1


def test_undone_answers_count_nowhere(create_user, make_question, clock):
    student = create_user()
    question = make_question(tag_names=("Cardiology",))
    answer(student, question, clock.now(), state_before=REVIEW, undone_at=clock.now())
    stats = stats_for(student, clock.now())
    assert stats.daily_reviews == {}
    assert stats.retention_all_time.answers == 0
    assert stats.tags == []
    assert stats.time.all_time_ms == 0


def test_other_students_answers_are_not_counted(create_user, make_question, clock):
    student, classmate = create_user(), create_user()
    question = make_question(tag_names=("Cardiology",))
    answer(classmate, question, clock.now(), state_before=REVIEW)
    stats = stats_for(student, clock.now())
    assert stats.reviews_last_year == 0
    assert stats.retention_all_time.answers == 0
    assert stats.tags == []


# True retention


def test_retention_counts_only_answers_to_cards_in_review(create_user, make_question, clock):
    student = create_user(desired_retention=0.85)
    question = make_question()
    now = clock.now()
    answer(student, question, now, state_before=NEW, rating=1)
    answer(student, question, now, state_before=LEARNING, rating=1)
    answer(student, question, now, state_before=RELEARNING, rating=1)
    answer(student, question, now, state_before=REVIEW, rating=1, correct=False)
    answer(student, question, now, state_before=REVIEW, rating=2)
    answer(student, question, now, state_before=REVIEW, rating=3)
    answer(student, question, now, state_before=REVIEW, rating=4)
    answer(student, question, now, state_before=REVIEW, rating=1, mode="cram")
    stats = stats_for(student, now)
    assert (stats.retention_all_time.answers, stats.retention_all_time.recalled) == (4, 3)
    assert stats.retention_all_time.rate == 0.75
    assert stats.desired_retention == 0.85


def test_retention_is_shown_for_young_and_mature_cards(create_user, make_question, clock):
    student = create_user()
    question = make_question()
    now = clock.now()
    for stability, rating in ((3.0, 1), (3.0, 3), (20.9, 3), (21.0, 3), (60.0, 1), (90.0, 3)):
        answer(student, question, now, state_before=REVIEW, rating=rating, stability=stability)
    stats = stats_for(student, now)
    young, mature = stats.retention_young, stats.retention_mature
    assert (young.answers, young.recalled, mature.answers, mature.recalled) == (3, 2, 3, 2)


def test_retention_over_30_days_leaves_out_older_answers(create_user, make_question, clock):
    student = create_user(timezone="UTC", rollover_hour=4)
    question = make_question()
    now = clock.now()
    answer(student, question, at(2026, 2, 1, 4, 0), state_before=REVIEW, rating=3)  # day 30
    answer(student, question, at(2026, 2, 1, 3, 59), state_before=REVIEW, rating=1)  # day 31
    stats = stats_for(student, now)
    assert (stats.retention_30_days.answers, stats.retention_30_days.recalled) == (1, 1)
    assert (stats.retention_all_time.answers, stats.retention_all_time.recalled) == (2, 1)


def test_no_reviews_means_no_retention_rate(create_user, clock):
    stats = stats_for(create_user(), clock.now())
    assert stats.retention_all_time.rate is None


# Accuracy by tag


def test_accuracy_by_tag_ranks_the_most_answered_tags_first(create_user, make_question, clock):
    student = create_user()
    heart = make_question(tag_names=("Cardiology", "Valves"))
    kidney = make_question(tag_names=("Renal",))
    now = clock.now()
    for correct in (True, True, False):
        answer(student, heart, now, correct=correct)
    answer(student, kidney, now, correct=True)
    answer(student, kidney, now, correct=False, undone_at=now)
    stats = stats_for(student, now)
    assert stats.tags == [("Cardiology", 2, 3), ("Valves", 2, 3), ("Renal", 1, 1)]


def test_accuracy_by_tag_shows_fifteen_tags_at_most(create_user, make_question, clock):
    student = create_user()
    for n in range(16):
        question = make_question(tag_names=(f"Tag {n:02d}",))
        for _ in range(n + 1):
            answer(student, question, clock.now())
    stats = stats_for(student, clock.now())
    assert len(stats.tags) == 15
    assert stats.tags[0] == ("Tag 15", 16, 16)
    assert "Tag 00" not in {t.tag for t in stats.tags}


# Cards


def test_cards_are_counted_by_category(create_user, make_set, make_question, clock):
    student = create_user()
    now = clock.now()
    studied = make_set()
    enrol(student, studied, now)
    make_question(studied)  # new
    make_question(studied, retired=True)  # retired: not counted
    card(student, make_question(studied), LEARNING, now)
    card(student, make_question(studied), RELEARNING, now)
    card(student, make_question(studied), REVIEW, now, stability=20.9)
    card(student, make_question(studied), REVIEW, now, stability=21.0)
    card(student, make_question(studied), REVIEW, now, stability=50.0)
    card(student, make_question(studied), REVIEW, now, stability=50.0, suspended=True)
    left = make_set()
    enrol(student, left, now, active=False)
    make_question(left)
    draft = make_set(published=False)
    enrol(student, draft, now)
    make_question(draft)
    retired = make_set(retired=True)
    enrol(student, retired, now)
    make_question(retired)
    make_question()  # in a set the student never joined
    cards = stats_for(student, now).cards
    assert (cards.new, cards.learning, cards.young, cards.mature, cards.suspended) == (
        1,
        2,
        1,
        2,
        1,
    )
    assert cards.total == 7


def test_a_classmates_cards_are_not_counted(create_user, make_set, make_question, clock):
    student, classmate = create_user(), create_user()
    question_set = make_set()
    enrol(student, question_set, clock.now())
    enrol(classmate, question_set, clock.now())
    card(classmate, make_question(question_set), REVIEW, clock.now(), stability=30.0)
    cards = stats_for(student, clock.now()).cards
    assert (cards.new, cards.mature) == (1, 0)


# Due forecast


def test_forecast_counts_cards_per_local_day_with_overdue_today(
    create_user, make_set, make_question, clock
):
    student = create_user(timezone="Europe/Berlin", rollover_hour=4)
    question_set = make_set()
    enrol(student, question_set, clock.now())

    def due(when: datetime, **fields: Any) -> None:
        card(student, make_question(question_set), REVIEW, when, stability=10.0, **fields)

    # Berlin is UTC+1 in March: study day 2 March runs 03:00 UTC to 03:00 UTC next day.
    due(at(2025, 12, 1, 9, 0))  # long overdue
    due(at(2026, 3, 2, 3, 0))  # earlier today
    due(at(2026, 3, 3, 2, 59))  # 03:59 tomorrow morning: still today's study day
    due(at(2026, 3, 3, 3, 0))  # tomorrow
    # Clocks go forward on 29 March: the 30th day, 31 March, ends at 02:00 UTC.
    due(at(2026, 4, 1, 1, 59))  # the 30th day
    due(at(2026, 4, 1, 2, 0))  # the 31st day: beyond the forecast
    due(at(2026, 3, 5, 12, 0), suspended=True)
    card(student, make_question(question_set, retired=True), REVIEW, at(2026, 3, 5, 12, 0))
    forecast = stats_for(student, clock.now()).due_forecast
    assert len(forecast) == 30
    assert forecast[0] == 3
    assert forecast[1] == 1
    assert forecast[29] == 1
    assert sum(forecast) == 5


def test_forecast_leaves_out_sets_the_student_left(create_user, make_set, make_question, clock):
    student = create_user()
    question_set = make_set()
    enrol(student, question_set, clock.now(), active=False)
    card(student, make_question(question_set), REVIEW, clock.now())
    assert sum(stats_for(student, clock.now()).due_forecast) == 0


# Time spent


def test_time_spent_counts_a_minute_at_most_per_answer(create_user, make_question, clock):
    student = create_user(timezone="UTC", rollover_hour=4)
    question = make_question()
    now = clock.now()  # Monday 2 March, noon
    answer(student, question, now, time_ms=5 * 60_000)  # left open: counts 60 s
    answer(student, question, now - timedelta(hours=1), time_ms=20_000)
    answer(student, question, at(2026, 2, 24, 4, 0), time_ms=30_000)  # 7th day back
    answer(student, question, at(2026, 2, 24, 3, 59), time_ms=40_000)  # 8th day back
    answer(student, question, at(2025, 1, 1), time_ms=50_000)
    time = stats_for(student, now).time
    assert time.today_ms == 80_000
    assert time.last_7_days_ms == 110_000
    assert time.all_time_ms == 200_000


# Cost


def test_stats_take_five_queries_however_long_the_history(
    app, create_user, make_set, make_question, clock, count_queries
):
    student = create_user()
    question_set = make_set()
    enrol(student, question_set, clock.now())
    for n in range(30):
        question = make_question(question_set, tag_names=(f"Tag {n % 4}",))
        card(student, question, REVIEW, clock.now() + timedelta(days=n), stability=float(n))
        for day in range(0, 300, 7):
            answer(
                student, question, clock.now() - timedelta(days=day, minutes=n), state_before=REVIEW
            )
    db.session.commit()
    db.session.refresh(student)  # the commit expired it; reloading it is not the stats' cost
    with count_queries() as statements:
        stats = student_stats(student, clock.now())
    assert stats.reviews_last_year == 30 * 43
    assert len(statements.selects) == 5
