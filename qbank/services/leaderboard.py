"""Cohort standings, read from the daily-activity projection, never from the review log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from qbank.domain import gamification as rules
from qbank.domain import leaderboard as board
from qbank.extensions import db
from qbank.models import Cohort, DailyActivity, Membership, User, UserStats


@dataclass(frozen=True)
class Standings:
    cohort: Cohort
    first_day: date | None
    last_day: date
    places: list[board.Place]
    metric: str
    frozen: bool


def _entries(
    cohort: Cohort, rows: Sequence[sa.Row[int, str, int, int, int, datetime | None]]
) -> list[board.Entry]:
    """Scores from (user id, name, xp, correct, answers, reached at) rows, by the metric."""
    entries = []
    for uid, name, xp, correct, reviews, reached in rows:
        if cohort.board_metric == board.BoardMetric.XP:
            score: float = xp
        elif cohort.board_metric == board.BoardMetric.CORRECT:
            score = correct
        else:  # accuracy, only with enough answers to mean something
            if reviews < cohort.accuracy_min_answers:
                continue
            score = round(100 * correct / reviews, 1)
        entries.append(board.Entry(uid, name, score, reached))
    return entries


def standings(cohort: Cohort, now: datetime) -> Standings:
    """The cohort's board as its settings say: window, metric, identity; frozen if set."""
    frozen = cohort.frozen_at is not None and cohort.frozen_at <= now
    as_of = min(cohort.frozen_at, now) if cohort.frozen_at is not None else now
    first, last = board.window_days(
        cohort.board_window, as_of, cohort.timezone, cohort.window_start, cohort.window_end
    )
    shown = (
        sa.select(Membership.user_id, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.cohort_id == cohort.id, Membership.show_on_leaderboard.is_(True))
        .subquery()
    )
    if cohort.board_metric == board.BoardMetric.STREAK:
        rows = db.session.execute(
            sa.select(
                shown.c.user_id,
                shown.c.display_name,
                UserStats.current_streak,
                UserStats.last_goal_day,
                UserStats.streak_freezes,
                UserStats.last_goal_at,
            ).outerjoin(UserStats, UserStats.user_id == shown.c.user_id)
        ).all()
        entries = [
            board.Entry(
                uid,
                name,
                rules.alive(rules.Streak(current=c or 0, freezes=f or 0, last_day=d), last),
                at,
            )
            for uid, name, c, d, f, at in rows
        ]
    elif first is None and not frozen:
        # All time, live: the running totals answer it without summing every day.
        rows = db.session.execute(
            sa.select(
                shown.c.user_id,
                shown.c.display_name,
                sa.func.coalesce(UserStats.xp, 0),
                sa.func.coalesce(UserStats.correct, 0),
                sa.func.coalesce(UserStats.reviews, 0),
                UserStats.last_scored_at,
            ).outerjoin(UserStats, UserStats.user_id == shown.c.user_id)
        ).all()
        entries = _entries(cohort, rows)
    else:
        in_window = [DailyActivity.user_id == shown.c.user_id, DailyActivity.day <= last]
        if first is not None:
            in_window.append(DailyActivity.day >= first)
        rows = db.session.execute(
            sa.select(
                shown.c.user_id,
                shown.c.display_name,
                sa.func.coalesce(sa.func.sum(DailyActivity.xp), 0),
                sa.func.coalesce(sa.func.sum(DailyActivity.correct), 0),
                sa.func.coalesce(sa.func.sum(DailyActivity.reviews), 0),
                sa.func.max(DailyActivity.last_scored_at),
            )
            .outerjoin(DailyActivity, sa.and_(*in_window))
            .group_by(shown.c.user_id, shown.c.display_name)
        ).all()
        entries = _entries(cohort, rows)
    if cohort.anonymous:
        entries = [
            board.Entry(e.user_id, board.pseudonym(cohort.id, e.user_id), e.score, e.reached_at)
            for e in entries
        ]
    return Standings(cohort, first, last, board.rank(entries), cohort.board_metric, frozen)
