"""The reads behind a student's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from qbank.domain.days import day_bounds, study_day
from qbank.extensions import db
from qbank.models import (
    Cohort,
    Enrollment,
    Membership,
    QuestionSet,
    ReviewLog,
    User,
    UserStats,
)


@dataclass(frozen=True)
class CohortLine:
    cohort: Cohort
    role: str


@dataclass(frozen=True)
class Dashboard:
    today: date
    reviews_today: int
    correct_today: int
    stats: UserStats | None
    cohorts: list[CohortLine]
    sets: list[QuestionSet]


def dashboard_for(user: User, now: datetime) -> Dashboard:
    """Gather what the dashboard shows for ``user`` on their current study day."""
    today = study_day(now, user.timezone, user.rollover_hour)
    start, end = day_bounds(today, user.timezone, user.rollover_hour)
    reviews, correct = db.session.execute(
        sa.select(
            sa.func.count(ReviewLog.id),
            sa.func.coalesce(sa.func.sum(sa.case((ReviewLog.correct, 1), else_=0)), 0),
        ).where(
            ReviewLog.user_id == user.id,
            ReviewLog.reviewed_at >= start,
            ReviewLog.reviewed_at < end,
            ReviewLog.undone_at.is_(None),
        )
    ).one()
    cohorts = [
        CohortLine(cohort, role)
        for cohort, role in db.session.execute(
            sa.select(Cohort, Membership.role)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .where(Membership.user_id == user.id)
            .order_by(Cohort.name)
        )
    ]
    sets = list(
        db.session.scalars(
            sa.select(QuestionSet)
            .join(Enrollment, Enrollment.set_id == QuestionSet.id)
            .where(Enrollment.user_id == user.id, Enrollment.unenrolled_at.is_(None))
            .order_by(QuestionSet.title)
        )
    )
    return Dashboard(
        today=today,
        reviews_today=reviews,
        correct_today=correct,
        stats=db.session.get(UserStats, user.id),
        cohorts=cohorts,
        sets=sets,
    )
