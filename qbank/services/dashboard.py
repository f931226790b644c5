"""The reads behind a student's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from qbank.domain import gamification as rules
from qbank.domain.days import study_day
from qbank.extensions import db
from qbank.models import (
    Badge,
    Cohort,
    DailyActivity,
    MemberRole,
    Membership,
    QuestionSet,
    User,
    UserStats,
)
from qbank.services import access
from qbank.services.gamification import goal_history
from qbank.services.leaderboard import standings


@dataclass(frozen=True)
class CohortLine:
    cohort: Cohort
    is_rep: bool
    shown: bool  # the student shows on the cohort's board
    place: int | None  # their rank on it now, if they are ranked
    ranked: int  # how many are ranked


@dataclass(frozen=True)
class Dashboard:
    today: date
    reviews_today: int
    correct_today: int
    xp_today: int
    goal_met_today: bool
    goal: rules.Goal  # the goal today is judged by
    xp: int
    level: rules.Level
    streak: int
    freezes: int
    badges: list[tuple[rules.BadgeSpec, datetime]]
    cohorts: list[CohortLine]
    sets: list[QuestionSet]


def dashboard_for(user: User, now: datetime) -> Dashboard:
    """Gather what the dashboard shows for ``user`` on their current study day."""
    today = study_day(now, user.timezone, user.rollover_hour)
    activity = db.session.get(DailyActivity, (user.id, today))
    stats = db.session.get(UserStats, user.id)
    streak = (
        rules.Streak(
            current=stats.current_streak,
            freezes=stats.streak_freezes,
            last_day=stats.last_goal_day,
        )
        if stats
        else rules.Streak()
    )
    badges = [
        (rules.BADGES[code], at)
        for code, at in db.session.execute(
            sa.select(Badge.code, Badge.awarded_at)
            .where(Badge.user_id == user.id)
            .order_by(Badge.awarded_at.desc())
        )
        if code in rules.BADGES
    ]
    cohorts = []
    for cohort, role, shown in db.session.execute(
        sa.select(Cohort, Membership.role, Membership.show_on_leaderboard)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == user.id)
        .order_by(Cohort.name)
    ):
        places = standings(cohort, now).places if shown else []
        mine = next((p.rank for p in places if p.entry.user_id == user.id), None)
        cohorts.append(CohortLine(cohort, role == MemberRole.REP, shown, mine, len(places)))
    sets = list(
        db.session.scalars(
            sa.select(QuestionSet)
            .where(QuestionSet.id.in_(access.studied_set_ids(user)))
            .order_by(QuestionSet.title)
        )
    )
    xp = stats.xp if stats else 0
    return Dashboard(
        today=today,
        reviews_today=activity.reviews if activity else 0,
        correct_today=activity.correct if activity else 0,
        xp_today=activity.xp if activity else 0,
        goal_met_today=bool(activity and activity.goal_met),
        goal=goal_history(user, since=today).on(today),
        xp=xp,
        level=rules.level_for(xp),
        streak=rules.alive(streak, today),
        freezes=streak.freezes,
        badges=badges,
        cohorts=cohorts,
        sets=sets,
    )
