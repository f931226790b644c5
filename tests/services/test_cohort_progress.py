"""Cohort progress for faculty: aggregates of current members, hidden for small cohorts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    CardState,
    Cohort,
    CohortFaculty,
    DailyActivity,
    Membership,
    Question,
    QuestionSet,
    Role,
    User,
    UserStats,
    Visibility,
    cohort_sets,
    set_shares,
)
from qbank.services import cohort_progress as progress
from qbank.services.cohort_progress import MIN_GROUP_SIZE
from qbank.services.cohorts import add_faculty
from tests.support import counting_queries

CODES = itertools.count()
TODAY = date(2026, 3, 2)  # the clock's day in UTC, a Monday


@pytest.fixture
def faculty(create_user) -> User:
    return create_user(role=Role.FACULTY, email="faculty@example.edu")


@pytest.fixture
def make_set(faculty, clock) -> Callable[..., QuestionSet]:
    """Return a factory: make_set(owner=faculty, questions=0, retired_questions=0)."""

    def make(
        owner: User | None = None, questions: int = 0, retired_questions: int = 0, **fields: Any
    ) -> QuestionSet:
        question_set = QuestionSet(
            owner_id=(owner or faculty).id,
            title=fields.pop("title", "Cardiology"),
            published=True,
            created_at=clock.now(),
            updated_at=clock.now(),
            **fields,
        )
        for n in range(questions + retired_questions):
            question_set.questions.append(
                Question(
                    position=n,
                    created_at=clock.now(),
                    retired_at=clock.now() if n >= questions else None,
                )
            )
        db.session.add(question_set)
        db.session.flush()
        return question_set

    return make


@pytest.fixture
def make_cohort(create_user, clock) -> Callable[..., tuple[Cohort, list[User]]]:
    """Return a factory: make_cohort(members=5, sets=(), timezone="UTC") -> (cohort, members)."""

    def make(
        members: int = MIN_GROUP_SIZE,
        sets: tuple[QuestionSet, ...] = (),
        timezone: str = "UTC",
        created_at: datetime | None = None,
    ) -> tuple[Cohort, list[User]]:
        cohort = Cohort(
            name=f"Cohort {next(CODES)}",
            join_code=f"CODE{next(CODES)}",
            timezone=timezone,
            created_at=created_at or clock.now() - timedelta(days=365),
        )
        db.session.add(cohort)
        students = [create_user() for _ in range(members)]
        for student in students:
            db.session.add(Membership(cohort=cohort, user=student, joined_at=clock.now()))
        db.session.flush()
        for question_set in sets:
            # As the set's settings do: shared with the cohort (which invited its owner).
            if question_set.visibility == Visibility.PRIVATE:
                question_set.visibility = Visibility.COHORTS.value
            owner = db.session.get(User, question_set.owner_id)
            if db.session.get(CohortFaculty, (cohort.id, owner.id)) is None:
                add_faculty(cohort, owner, owner, clock.now())
            db.session.execute(
                sa.insert(set_shares).values(
                    cohort_id=cohort.id, set_id=question_set.id, granted_at=clock.now()
                )
            )
            db.session.execute(
                sa.insert(cohort_sets).values(cohort_id=cohort.id, set_id=question_set.id)
            )
        db.session.flush()
        return cohort, students

    return make


def studied(user: User, day: date, reviews: int, correct: int = 0, **fields: Any) -> None:
    db.session.add(
        DailyActivity(user_id=user.id, day=day, reviews=reviews, correct=correct, **fields)
    )
    db.session.flush()


def answered(user: User, question: Question, reps: int = 1) -> None:
    db.session.add(
        CardState(
            user_id=user.id,
            question_id=question.id,
            state=2,
            due=datetime(2026, 3, 9, tzinfo=UTC),
            reps=reps,
        )
    )
    db.session.flush()


def summary_of(user: User, cohort: Cohort, now: datetime) -> progress.CohortSummary:
    (line,) = [s for s in progress.followed_cohorts(user, now) if s.cohort.id == cohort.id]
    return line


# --- the list of cohorts -----------------------------------------------------------


def test_recent_figures_add_up_the_members_last_7_and_30_days(
    faculty, make_set, make_cohort, clock
):
    cohort, (a, b, c, d, e, f, g) = make_cohort(members=7, sets=(make_set(),))
    studied(a, TODAY, 10, 8)
    studied(a, TODAY - timedelta(days=6), 10, 6)  # the 7th day back: still in the week
    for student in (b, c, d, e):
        studied(student, TODAY - timedelta(days=1), 10, 5)
    studied(f, TODAY - timedelta(days=7), 20, 10)  # a day too old for the week
    studied(g, TODAY - timedelta(days=29), 40, 40)  # the 30th day back
    studied(g, TODAY - timedelta(days=30), 50, 50)  # too old for either
    db.session.commit()

    line = summary_of(faculty, cohort, clock.now())

    assert line.members == 7
    assert line.sets == 1
    assert (line.last_7_days.active, line.last_7_days.answers) == (5, 60)
    assert line.last_7_days.accuracy == pytest.approx(34 / 60)
    assert (line.last_30_days.active, line.last_30_days.answers) == (7, 120)
    assert line.last_30_days.accuracy == pytest.approx(84 / 120)


def test_a_period_with_fewer_than_five_studying_shows_only_how_many(
    faculty, make_set, make_cohort, clock
):
    cohort, members = make_cohort(members=8, sets=(make_set(),))
    for student in members[: MIN_GROUP_SIZE - 1]:
        studied(student, TODAY, 10, 9)
    db.session.commit()

    week = summary_of(faculty, cohort, clock.now()).last_7_days

    assert week.active == MIN_GROUP_SIZE - 1 and week.hidden
    assert week.shown_answers is None and week.accuracy is None
    this_week = progress.cohort_progress(cohort, faculty, clock.now()).weeks[0]
    assert this_week.activity.hidden
    assert this_week.median_answers is None and this_week.median_time_ms is None


def test_a_quiet_week_has_no_accuracy(faculty, make_set, make_cohort, clock):
    cohort, _ = make_cohort(sets=(make_set(),))

    line = summary_of(faculty, cohort, clock.now())

    assert line.last_7_days == progress.Activity(active=0, answers=0, correct=0)
    assert line.last_7_days.accuracy is None


def test_cohorts_under_five_members_show_no_figures(faculty, make_set, make_cohort, clock):
    question_set = make_set(questions=2)
    small, small_members = make_cohort(members=MIN_GROUP_SIZE - 1, sets=(question_set,))
    big, big_members = make_cohort(members=MIN_GROUP_SIZE, sets=(question_set,))
    for student in small_members + big_members:
        studied(student, TODAY, 10, 5, goal_met=True)
        answered(student, question_set.questions[0])
    db.session.commit()

    small_line = summary_of(faculty, small, clock.now())
    small_report = progress.cohort_progress(small, faculty, clock.now())
    big_report = progress.cohort_progress(big, faculty, clock.now())

    assert small_line.members == MIN_GROUP_SIZE - 1
    assert not small_line.shown
    assert small_line.last_7_days is None and small_line.last_30_days is None
    assert not small_report.shown
    assert small_report.weeks == []
    assert small_report.on_a_streak is None
    ((set_line),) = small_report.sets
    assert set_line.questions == 2  # the faculty's own set is still listed
    assert set_line.mean_studied is None and set_line.studied_most is None
    assert big_report.shown
    assert big_report.summary.last_7_days.answers == 50
    assert big_report.sets[0].mean_studied == pytest.approx(0.5)


def test_a_cohort_shows_figures_once_its_fifth_member_joins(
    faculty, make_set, make_cohort, create_user, clock
):
    cohort, members = make_cohort(members=MIN_GROUP_SIZE - 1, sets=(make_set(),))
    studied(members[0], TODAY, 7, 7)
    db.session.commit()
    assert not summary_of(faculty, cohort, clock.now()).shown

    db.session.add(Membership(cohort=cohort, user=create_user(), joined_at=clock.now()))
    db.session.commit()

    line = summary_of(faculty, cohort, clock.now())
    assert line.shown
    assert line.last_7_days.answers == 7


def test_only_current_members_count(faculty, make_set, make_cohort, create_user, clock):
    cohort, members = make_cohort(members=MIN_GROUP_SIZE + 1, sets=(make_set(),))
    _, others = make_cohort(members=MIN_GROUP_SIZE, sets=())
    leaver = members[-1]
    studied(members[0], TODAY, 4, 4)
    studied(leaver, TODAY, 100, 0)
    studied(others[0], TODAY, 100, 0)  # in another cohort only
    studied(create_user(), TODAY, 100, 0)  # in no cohort at all
    db.session.execute(sa.delete(Membership).where(Membership.user_id == leaver.id))
    db.session.commit()

    line = summary_of(faculty, cohort, clock.now())
    report = progress.cohort_progress(cohort, faculty, clock.now())

    assert line.members == MIN_GROUP_SIZE
    assert (line.last_7_days.active, line.last_7_days.answers) == (1, 4)
    assert line.last_7_days.hidden  # one member studied: counted, not shown
    assert report.weeks[0].activity.answers == 4


def test_members_hidden_from_the_leaderboard_still_count(faculty, make_set, make_cohort, clock):
    cohort, members = make_cohort(sets=(make_set(),))
    for membership in cohort.memberships:
        membership.show_on_leaderboard = False
    studied(members[0], TODAY, 3, 3)
    db.session.commit()

    assert summary_of(faculty, cohort, clock.now()).last_7_days.answers == 3


def test_faculty_follow_only_cohorts_holding_their_own_sets(
    faculty, make_set, make_cohort, create_user, clock
):
    colleague = create_user(role=Role.FACULTY)
    admin = create_user(role=Role.ADMIN)
    student = create_user()
    mine, _ = make_cohort(sets=(make_set(), make_set(owner=colleague)))
    theirs, _ = make_cohort(sets=(make_set(owner=colleague),))
    unassigned, _ = make_cohort()
    db.session.commit()

    assert [s.cohort.id for s in progress.followed_cohorts(faculty, clock.now())] == [mine.id]
    assert {s.cohort.id for s in progress.followed_cohorts(admin, clock.now())} == {
        mine.id,
        theirs.id,
        unassigned.id,
    }
    assert summary_of(faculty, mine, clock.now()).sets == 1
    assert summary_of(admin, mine, clock.now()).sets == 2
    assert progress.can_follow_cohort(faculty, mine)
    assert not progress.can_follow_cohort(faculty, theirs)
    assert not progress.can_follow_cohort(faculty, unassigned)
    assert progress.can_follow_cohort(admin, unassigned)
    assert not progress.can_follow_cohort(student, mine)


def test_a_cohort_shows_only_the_faculty_members_own_sets(
    faculty, make_set, make_cohort, create_user, clock
):
    colleague = create_user(role=Role.FACULTY)
    admin = create_user(role=Role.ADMIN)
    cohort, _ = make_cohort(
        sets=(
            make_set(title="Renal", questions=3),
            make_set(owner=colleague, title="Their set", questions=4),
            make_set(title="Anatomy", questions=2),
        )
    )
    db.session.commit()

    own = progress.cohort_progress(cohort, faculty, clock.now())
    everything = progress.cohort_progress(cohort, admin, clock.now())

    assert [(s.question_set.title, s.questions) for s in own.sets] == [
        ("Anatomy", 2),
        ("Renal", 3),
    ]
    assert own.summary.sets == 2
    assert [s.question_set.title for s in everything.sets] == ["Anatomy", "Renal", "Their set"]


# --- one cohort --------------------------------------------------------------------


def test_weeks_count_active_members_answers_accuracy_and_medians(
    faculty, make_set, make_cohort, clock
):
    clock.set(datetime(2026, 3, 4, 12, tzinfo=UTC))  # a Wednesday
    cohort, (a, b, c, d, e) = make_cohort(sets=(make_set(),))
    this_monday, last_monday = date(2026, 3, 2), date(2026, 2, 23)
    studied(a, this_monday, 10, 5, time_ms=60_000)
    studied(a, date(2026, 3, 4), 10, 10, time_ms=60_000)
    studied(b, date(2026, 3, 3), 4, 2, time_ms=30_000)
    studied(c, this_monday, 30, 30, time_ms=600_000)
    studied(d, date(2026, 3, 3), 6, 6, time_ms=90_000)
    studied(e, date(2026, 3, 3), 12, 6, time_ms=240_000)
    studied(a, last_monday, 8, 4)
    studied(b, date(2026, 3, 1), 2, 1)  # Sunday: the week before
    studied(d, date(2026, 2, 22), 99, 99)  # Sunday two weeks back
    db.session.commit()

    report = progress.cohort_progress(cohort, faculty, clock.now())
    this_week, last_week, before = report.weeks[:3]

    assert (this_week.start, this_week.days) == (this_monday, 3)
    assert this_week.activity == progress.Activity(active=5, answers=72, correct=59)
    assert this_week.activity.accuracy == pytest.approx(59 / 72)
    assert this_week.median_answers == 12  # of 20, 4, 30, 6 and 12
    assert this_week.median_time_ms == 120_000
    assert (last_week.start, last_week.days) == (last_monday, 7)
    assert last_week.activity == progress.Activity(active=2, answers=10, correct=5)
    assert last_week.median_answers is None  # two members: too few for a median
    assert before.activity.answers == 99
    assert report.weeks[-1].activity.active == 0
    assert report.weeks[-1].median_answers is None
    assert report.weeks[-1].activity.accuracy is None


def test_goal_met_share_is_over_every_member_day_of_the_week(faculty, make_set, make_cohort, clock):
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))  # a Tuesday: two days this week
    cohort, (a, b, c, d, e) = make_cohort(sets=(make_set(),))
    studied(a, date(2026, 3, 2), 20, 20, goal_met=True)
    studied(a, date(2026, 3, 3), 20, 20, goal_met=True)
    studied(b, date(2026, 3, 3), 5, 5, goal_met=False)
    studied(c, date(2026, 2, 24), 20, 20, goal_met=True)
    db.session.commit()

    this_week, last_week = progress.cohort_progress(cohort, faculty, clock.now()).weeks[:2]

    assert this_week.goal_met_share == pytest.approx(2 / (5 * 2))
    assert last_week.goal_met_share == pytest.approx(1 / (5 * 7))


def test_weeks_go_back_eight_weeks_but_not_before_the_cohort_began(
    faculty, make_set, make_cohort, clock
):
    old, _ = make_cohort(sets=(make_set(),))
    new, _ = make_cohort(sets=(make_set(),), created_at=clock.now() - timedelta(days=5))
    db.session.commit()

    old_weeks = progress.cohort_progress(old, faculty, clock.now()).weeks
    new_weeks = progress.cohort_progress(new, faculty, clock.now()).weeks

    assert len(old_weeks) == progress.WEEKS_SHOWN
    assert [w.start for w in old_weeks[:2]] == [TODAY, TODAY - timedelta(weeks=1)]
    assert [w.start for w in new_weeks] == [TODAY, TODAY - timedelta(weeks=1)]


def test_days_are_counted_in_the_cohorts_time_zone(faculty, make_set, make_cohort, clock):
    # Noon UTC on Monday 2 March is 1 a.m. on Tuesday 3 March in Auckland.
    question_set = make_set()
    utc, utc_members = make_cohort(sets=(question_set,))
    auckland, auckland_members = make_cohort(sets=(question_set,), timezone="Pacific/Auckland")
    for student in (utc_members[0], auckland_members[0]):
        studied(student, date(2026, 2, 24), 6, 6)  # 7th day back in UTC, 8th in Auckland
    db.session.commit()

    lines = {s.cohort.id: s for s in progress.followed_cohorts(faculty, clock.now())}
    report = progress.cohort_progress(auckland, faculty, clock.now())

    assert lines[utc.id].last_7_days.answers == 6
    assert lines[auckland.id].last_7_days.answers == 0
    assert lines[auckland.id].last_30_days.answers == 6
    assert report.today == date(2026, 3, 3)
    assert (report.weeks[0].start, report.weeks[0].days) == (date(2026, 3, 2), 2)


def test_on_a_streak_counts_members_whose_streak_is_alive(faculty, make_set, make_cohort, clock):
    cohort, (a, b, c, d, e) = make_cohort(sets=(make_set(),))
    db.session.add_all(
        [
            UserStats(user_id=a.id, current_streak=5, last_goal_day=TODAY),
            UserStats(user_id=b.id, current_streak=2, last_goal_day=TODAY - timedelta(days=1)),
            UserStats(user_id=c.id, current_streak=9, last_goal_day=TODAY - timedelta(days=3)),
            UserStats(
                user_id=d.id,
                current_streak=4,
                streak_freezes=1,
                last_goal_day=TODAY - timedelta(days=2),
            ),
        ]
    )
    db.session.commit()

    assert progress.cohort_progress(cohort, faculty, clock.now()).on_a_streak == 3


def test_set_progress_is_the_share_of_live_questions_each_member_studied(
    faculty, make_set, make_cohort, create_user, clock
):
    question_set = make_set(questions=10, retired_questions=2)
    live, retired = question_set.questions[:10], question_set.questions[10:]
    cohort, (a, b, c, d, e) = make_cohort(sets=(question_set,))
    for question in live:
        answered(a, question)  # all of it
    for question in live[:8]:
        answered(b, question)  # 80%: counts as most of it
    for question in live[:3]:
        answered(c, question)
    answered(c, live[3], reps=0)  # seen, never answered
    for question in retired:
        answered(c, question)  # retired questions are left out
    for question in live:
        answered(create_user(), question)  # not a member
    db.session.commit()  # d and e have studied nothing

    (line,) = progress.cohort_progress(cohort, faculty, clock.now()).sets

    assert line.questions == 10
    assert line.mean_studied == pytest.approx((1 + 0.8 + 0.3 + 0 + 0) / 5)
    assert line.median_studied == pytest.approx(0.3)
    assert line.studied_most == 2


def test_a_set_without_live_questions_has_no_progress(faculty, make_set, make_cohort, clock):
    cohort, _ = make_cohort(sets=(make_set(retired_questions=1),))
    db.session.commit()

    (line,) = progress.cohort_progress(cohort, faculty, clock.now()).sets

    assert line.questions == 0
    assert line.mean_studied is None


def _selects(run: Callable[[], Any]) -> int:
    with counting_queries() as statements:
        run()
    return len(statements.selects)


def test_queries_do_not_grow_with_members_or_cohorts(faculty, make_set, make_cohort, clock):
    sets = (make_set(questions=3), make_set(questions=2))

    def build(cohorts: int, members: int) -> Cohort:
        for _ in range(cohorts):
            cohort, students = make_cohort(members=members, sets=sets)
            for student in students:
                studied(student, TODAY, 5, 4, goal_met=True)
                db.session.add(UserStats(user_id=student.id, last_goal_day=TODAY))
                answered(student, sets[0].questions[0])
        db.session.commit()
        db.session.refresh(faculty)  # the commit expired it; reloading is not the page's cost
        return cohort

    def queries() -> tuple[int, int]:
        return (
            _selects(lambda: progress.followed_cohorts(faculty, clock.now())),
            _selects(lambda: progress.cohort_progress(cohort, faculty, clock.now())),
        )

    cohort = build(cohorts=1, members=MIN_GROUP_SIZE)
    few = queries()
    cohort = build(cohorts=3, members=MIN_GROUP_SIZE * 3)
    many = queries()

    assert few == many
    assert many[0] <= 2 and many[1] <= 6
