"""How the cohorts studying a faculty member's sets are doing, in aggregate only.

Everything here reads projections (daily activity, running totals, card states) and
current memberships, never the review log, and no figure names or singles out a
student. A cohort smaller than ``MIN_GROUP_SIZE`` gets no figures at all: with so few
members one student's work could be read off them. For the same reason a period in
which fewer than ``MIN_GROUP_SIZE`` members studied shows how many did, but not their
answers, accuracy or medians.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from qbank.domain import gamification as rules
from qbank.domain.days import study_day
from qbank.extensions import db
from qbank.models import (
    CardState,
    Cohort,
    DailyActivity,
    Membership,
    Question,
    QuestionSet,
    Role,
    User,
    UserStats,
    cohort_sets,
)
from qbank.services import access
from qbank.services.access import Columns

MIN_GROUP_SIZE = 5
WEEKS_SHOWN = 8
# A member who has studied this share of a set's questions has been through most of it.
MOST_OF_A_SET = 0.8


@dataclass(frozen=True)
class Activity:
    """Answers given by a cohort's members over some days, and how many members gave any."""

    active: int
    answers: int
    correct: int

    @property
    def hidden(self) -> bool:
        """Too few members studied for their figures to be shown."""
        return 0 < self.active < MIN_GROUP_SIZE

    @property
    def shown_answers(self) -> int | None:
        return None if self.hidden else self.answers

    @property
    def accuracy(self) -> float | None:
        if self.hidden or not self.answers:
            return None
        return self.correct / self.answers


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    members: int
    sets: int  # the viewer's sets assigned to it (every assigned set, for an admin)
    # None while the cohort is smaller than MIN_GROUP_SIZE.
    last_7_days: Activity | None
    last_30_days: Activity | None

    @property
    def shown(self) -> bool:
        return self.last_7_days is not None


@dataclass(frozen=True)
class Week:
    """One week (Monday to Sunday in the cohort's zone) of the members' study."""

    start: date
    days: int  # days counted: fewer than 7 in the current week
    activity: Activity
    # Per member who answered that week; None when fewer than MIN_GROUP_SIZE did.
    median_answers: float | None
    median_time_ms: float | None
    # Of all member-days in the week, the share on which the member met their daily goal.
    goal_met_share: float | None


@dataclass(frozen=True)
class SetProgress:
    question_set: QuestionSet
    questions: int  # live questions, retired ones left out
    # Share of the set's questions each member has studied: mean and median over members.
    mean_studied: float | None
    median_studied: float | None
    studied_most: int | None  # members who have studied MOST_OF_A_SET of it or more


@dataclass(frozen=True)
class CohortProgress:
    summary: CohortSummary
    today: date
    weeks: list[Week]  # newest first; empty while figures are hidden
    on_a_streak: int | None
    sets: list[SetProgress]

    @property
    def cohort(self) -> Cohort:
        return self.summary.cohort

    @property
    def shown(self) -> bool:
        return self.summary.shown


# --- who may see what --------------------------------------------------------------


def _owned_sets(user: User) -> sa.ColumnElement[bool]:
    """Keep the sets through which ``user`` follows cohorts: their own, or all for an admin."""
    if user.has_role(Role.ADMIN):
        return sa.true()
    return QuestionSet.owner_id == user.id


def _followed_cohort_ids(user: User) -> sa.Select[int]:
    """Cohorts a faculty member works with: invited by a rep or granted by an admin."""
    return access.invited_cohorts(user).with_only_columns(Cohort.id).order_by(None)


def can_follow_cohort(user: User, cohort: Cohort) -> bool:
    """Admins follow every cohort; faculty the cohorts that invited them."""
    return access.works_with_cohort(user, cohort)


def assigned_sets(select: sa.Select[*Columns], user: User, cohort_id: Any) -> sa.Select[*Columns]:
    """Keep ``user``'s sets assigned to the cohort that its members may see."""
    return select.join(cohort_sets, cohort_sets.c.set_id == QuestionSet.id).where(
        cohort_sets.c.cohort_id == cohort_id,
        _owned_sets(user),
        access.shared_with_cohort(cohort_sets.c.cohort_id),
    )


# --- days --------------------------------------------------------------------------


def cohort_today(cohort: Cohort, now: datetime) -> date:
    """Return the cohort's calendar day in its time zone, as its leaderboard counts days."""
    return study_day(now, cohort.timezone, rollover_hour=0)


def _by_zone(cohorts: list[Cohort], day_of: Callable[[Cohort], date]) -> sa.ColumnElement[date]:
    """Pick a SQL date per cohort by its time zone: few zones, however many cohorts."""
    days = {c.timezone: day_of(c) for c in cohorts}
    return sa.case(
        {zone: sa.literal(day, sa.Date()) for zone, day in days.items()},
        value=Cohort.timezone,
    )


# --- the list of cohorts -----------------------------------------------------------


def followed_cohorts(user: User, now: datetime) -> list[CohortSummary]:
    """List the cohorts ``user`` follows, with the last 7 and 30 days' figures."""
    members = (
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(Membership.cohort_id == Cohort.id)
        .scalar_subquery()
    )
    sets = assigned_sets(
        sa.select(sa.func.count(QuestionSet.id)), user, Cohort.id
    ).scalar_subquery()
    rows = db.session.execute(
        sa.select(Cohort, members, sets)
        .where(Cohort.id.in_(_followed_cohort_ids(user)))
        .order_by(Cohort.name, Cohort.id)
    ).all()
    activity = _recent_activity(
        [cohort for cohort, _, _ in rows],
        Membership.cohort_id.in_(_followed_cohort_ids(user)),
        now,
    )
    return [
        CohortSummary(
            cohort,
            count,
            set_count,
            *(activity[cohort.id] if count >= MIN_GROUP_SIZE else (None, None)),
        )
        for cohort, count, set_count in rows
    ]


def _recent_activity(
    cohorts: list[Cohort], which: sa.ColumnElement[bool], now: datetime
) -> dict[int, tuple[Activity, Activity]]:
    """Sum the last 7 and 30 days' activity of each cohort's current members, in one query."""
    if not cohorts:
        return {}
    week_start = _by_zone(cohorts, lambda c: cohort_today(c, now) - timedelta(days=6))
    month_start = _by_zone(cohorts, lambda c: cohort_today(c, now) - timedelta(days=29))
    in_week = DailyActivity.day >= week_start

    def total(column: Any, condition: Any = None) -> sa.ColumnElement[int]:
        if condition is not None:
            column = sa.case((condition, column), else_=0)
        return sa.func.coalesce(sa.func.sum(column), 0)

    # Days after the cohort's today are counted too: members ahead of its time zone
    # are already on tomorrow.
    per_member = (
        sa.select(
            Membership.cohort_id,
            total(DailyActivity.reviews, in_week).label("answers_7"),
            total(DailyActivity.correct, in_week).label("correct_7"),
            total(DailyActivity.reviews).label("answers_30"),
            total(DailyActivity.correct).label("correct_30"),
        )
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .outerjoin(
            DailyActivity,
            sa.and_(DailyActivity.user_id == Membership.user_id, DailyActivity.day >= month_start),
        )
        .where(which)
        .group_by(Membership.cohort_id, Membership.user_id)
        .subquery()
    )
    m = per_member.c
    rows = db.session.execute(
        sa.select(
            m.cohort_id,
            sa.func.sum(sa.case((m.answers_7 > 0, 1), else_=0)),
            sa.func.sum(m.answers_7),
            sa.func.sum(m.correct_7),
            sa.func.sum(sa.case((m.answers_30 > 0, 1), else_=0)),
            sa.func.sum(m.answers_30),
            sa.func.sum(m.correct_30),
        ).group_by(m.cohort_id)
    )
    # PostgreSQL sums bigints into numerics: back to plain integers.
    return {
        cohort_id: (
            Activity(*(int(x) for x in figures[:3])),
            Activity(*(int(x) for x in figures[3:])),
        )
        for cohort_id, *figures in rows
    }


# --- one cohort --------------------------------------------------------------------


def cohort_progress(cohort: Cohort, user: User, now: datetime) -> CohortProgress:
    """Gather one cohort's figures for ``user``: weeks, streaks and ``user``'s sets."""
    today = cohort_today(cohort, now)
    members = db.session.execute(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.cohort_id == cohort.id)
    ).scalar_one()
    shown = members >= MIN_GROUP_SIZE
    sets = sa.select(QuestionSet, access.live_question_count())
    assigned = db.session.execute(
        assigned_sets(sets, user, cohort.id).order_by(QuestionSet.title, QuestionSet.id)
    ).all()
    recent = _recent_activity([cohort], Membership.cohort_id == cohort.id, now) if shown else {}
    summary = CohortSummary(cohort, members, len(assigned), *recent.get(cohort.id, (None, None)))
    if not shown:
        return CohortProgress(
            summary,
            today,
            weeks=[],
            on_a_streak=None,
            sets=[SetProgress(s, n, None, None, None) for s, n in assigned],
        )
    return CohortProgress(
        summary,
        today,
        weeks=_weeks(cohort, members, today),
        on_a_streak=_on_a_streak(cohort, today),
        sets=_set_progress(cohort, members, assigned),
    )


def _median(values: list[int | float]) -> float | None:
    return statistics.median(values) if values else None


def _weeks(cohort: Cohort, members: int, today: date) -> list[Week]:
    """Sum the cohort's weeks, newest first: up to WEEKS_SHOWN, none before it was created."""
    this_week = today - timedelta(days=today.weekday())
    created = cohort_today(cohort, cohort.created_at)
    first_week = max(
        this_week - timedelta(weeks=WEEKS_SHOWN - 1),
        min(created - timedelta(days=created.weekday()), this_week),
    )
    starts = []
    start = this_week
    while start >= first_week:
        starts.append(start)
        start -= timedelta(weeks=1)
    week = sa.case(
        *[(DailyActivity.day >= sa.literal(s, sa.Date()), i) for i, s in enumerate(starts)]
    )
    # Grouped outside a subquery: PostgreSQL wants GROUP BY to repeat a selected
    # expression exactly, bound parameters included.
    per_day = (
        sa.select(
            DailyActivity.user_id,
            week.label("week"),
            DailyActivity.reviews,
            DailyActivity.correct,
            DailyActivity.time_ms,
            sa.case((DailyActivity.goal_met.is_(True), 1), else_=0).label("goal_met"),
        )
        .join(
            Membership,
            sa.and_(Membership.user_id == DailyActivity.user_id, Membership.cohort_id == cohort.id),
        )
        .where(DailyActivity.day >= sa.literal(starts[-1], sa.Date()))
        .subquery()
    )
    d = per_day.c
    rows = db.session.execute(
        sa.select(
            d.week,
            sa.func.sum(d.reviews),
            sa.func.sum(d.correct),
            sa.func.sum(d.time_ms),
            sa.func.sum(d.goal_met),
        ).group_by(d.week, d.user_id)
    ).all()
    weeks = []
    for i, start in enumerate(starts):
        mine = [row for row in rows if row[0] == i]
        active = [row for row in mine if row[1] > 0]
        # A median of so few would single a student out.
        measured = active if len(active) >= MIN_GROUP_SIZE else []
        days = min(7, (today - start).days + 1)
        weeks.append(
            Week(
                start=start,
                days=days,
                activity=Activity(
                    active=len(active),
                    answers=sum(row[1] for row in mine),
                    correct=sum(row[2] for row in mine),
                ),
                median_answers=_median([row[1] for row in measured]),
                median_time_ms=_median([row[3] for row in measured]),
                goal_met_share=sum(row[4] for row in mine) / (members * days),
            )
        )
    return weeks


def _on_a_streak(cohort: Cohort, today: date) -> int:
    """Count the members whose streak of daily goals is still alive today."""
    rows = db.session.execute(
        sa.select(UserStats.current_streak, UserStats.streak_freezes, UserStats.last_goal_day)
        .join(Membership, Membership.user_id == UserStats.user_id)
        .where(Membership.cohort_id == cohort.id)
    )
    return sum(
        1
        for current, freezes, last_day in rows
        if rules.alive(rules.Streak(current=current, freezes=freezes, last_day=last_day), today)
    )


def _set_progress(
    cohort: Cohort, members: int, assigned: Sequence[sa.Row[QuestionSet, int]]
) -> list[SetProgress]:
    """Measure how far the members have got through each set: questions answered at least once."""
    set_ids = [s.id for s, _ in assigned]
    studied: dict[int, list[int]] = {set_id: [] for set_id in set_ids}
    if set_ids:
        rows = db.session.execute(
            sa.select(Question.set_id, sa.func.count())
            .select_from(CardState)
            .join(Question, Question.id == CardState.question_id)
            .join(
                Membership,
                sa.and_(Membership.user_id == CardState.user_id, Membership.cohort_id == cohort.id),
            )
            .where(
                Question.set_id.in_(set_ids),
                Question.retired_at.is_(None),
                CardState.reps > 0,
            )
            .group_by(Question.set_id, CardState.user_id)
        )
        for set_id, count in rows:
            studied[set_id].append(count)
    progress = []
    for question_set, questions in assigned:
        if not questions:
            progress.append(SetProgress(question_set, 0, None, None, None))
            continue
        counts = studied[question_set.id]
        shares = [c / questions for c in counts] + [0.0] * (members - len(counts))
        progress.append(
            SetProgress(
                question_set,
                questions,
                mean_studied=sum(shares) / members,
                median_studied=statistics.median(shares),
                studied_most=sum(1 for share in shares if share >= MOST_OF_A_SET),
            )
        )
    return progress
