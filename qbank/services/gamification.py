"""Projections of the review log: daily activity, a student's totals, streak and badges.

One fold (``fold_answer``) turns answers, in time order, into these projections. Each
answer applies it to the few rows it touches, in the answer's transaction; undo and
``flask rebuild-stats`` replay a student's whole log through the same fold. So the
incremental and the rebuilt numbers agree by construction, and a property test holds
them to it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from qbank.domain import gamification as rules
from qbank.domain import modes
from qbank.domain.answers import TIME_CAP_MS
from qbank.extensions import db
from qbank.models import Badge, DailyActivity, PastDailyGoal, Question, ReviewLog, User, UserStats

WEEK = 7
FINISHED = "set-finished"


@dataclass
class DayTally:
    day: date
    reviews: int = 0
    correct: int = 0
    xp: int = 0
    time_ms: int = 0
    first_reached_at: datetime | None = None
    last_scored_at: datetime | None = None
    goal_met: bool = False
    due_cleared: bool = False
    freeze_used: bool = False


@dataclass
class Projection:
    """One student's projections, or the part of them one answer can change."""

    xp: int = 0
    reviews: int = 0
    correct: int = 0
    last_scored_at: datetime | None = None
    streak: rules.Streak = field(default_factory=rules.Streak)
    badges: dict[str, datetime] = field(default_factory=dict)
    days: dict[date, DayTally] = field(default_factory=dict)
    touched: set[date] = field(default_factory=set)
    new_badges: list[str] = field(default_factory=list)
    answered: dict[int, set[int]] = field(default_factory=dict)  # set id -> question ids
    # Questions answered in practice blocks on a day: a second block answer earns nothing.
    practised: dict[date, set[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """The facts of one review that the projections use."""

    day: date
    reviewed_at: datetime
    correct: bool
    time_taken_ms: int
    state_before: dict[str, Any] | None
    due_left: int | None
    question_id: int
    set_id: int
    mode: str = modes.ReviewMode.REVIEW.value

    @classmethod
    def of(cls, log: ReviewLog, set_id: int) -> Answer:
        return cls(
            log.day,
            log.reviewed_at,
            log.correct,
            log.time_taken_ms,
            log.state_before,
            log.due_left,
            log.question_id,
            set_id,
            log.mode,
        )

    @property
    def in_block(self) -> bool:
        return self.mode == modes.ReviewMode.PRACTICE


class SetCatalog:
    """Which questions each set held at a moment, from their created and retired times.

    A set is finished when every question live in it at the moment of the answer has
    been answered; the times let a rebuild judge that moment as the answer did.
    """

    def __init__(self, rows: Iterable[tuple[int, int, datetime, datetime | None]]) -> None:
        self._questions: dict[int, list[tuple[int, datetime, datetime | None]]] = {}
        for set_id, question_id, created_at, retired_at in rows:
            self._questions.setdefault(set_id, []).append((question_id, created_at, retired_at))
        self._created = {k: sorted(q[1] for q in v) for k, v in self._questions.items()}
        self._retired = {
            k: sorted(q[2] for q in v if q[2] is not None) for k, v in self._questions.items()
        }

    @classmethod
    def load(cls, set_ids: Iterable[int] | None = None) -> SetCatalog:
        query = sa.select(Question.set_id, Question.id, Question.created_at, Question.retired_at)
        if set_ids is not None:
            query = query.where(Question.set_id.in_(list(set_ids)))
        return cls(db.session.execute(query))

    def finished(self, set_id: int, answered: set[int], at: datetime) -> bool:
        created, retired = self._created.get(set_id, []), self._retired.get(set_id, [])
        live_count = bisect_right(created, at) - bisect_right(retired, at)
        if live_count <= 0 or len(answered) < live_count:
            return False  # the common case, decided without a scan
        return all(
            question_id in answered
            for question_id, created_at, retired_at in self._questions[set_id]
            if created_at <= at and (retired_at is None or retired_at > at)
        )


def _facts(answer: Answer, repeat_in_blocks: bool) -> rules.AnswerFacts:
    before = answer.state_before
    since = None
    if before and before.get("last_review"):
        since = answer.reviewed_at - datetime.fromisoformat(before["last_review"])
    return rules.AnswerFacts(
        correct=answer.correct,
        # The bonus for a due review is for answers on the schedule, not in a block.
        was_review=bool(before and before.get("state") == 2) and not answer.in_block,
        difficulty=before.get("difficulty") if before else None,
        time_taken_ms=answer.time_taken_ms,
        since_same_card=since,
        repeat_in_blocks=repeat_in_blocks,
    )


def _day(p: Projection, day: date) -> DayTally:
    if day not in p.days:
        p.days[day] = DayTally(day)
    p.touched.add(day)
    return p.days[day]


def fold_answer(p: Projection, answer: Answer, goals: rules.GoalHistory, sets: SetCatalog) -> None:
    """Apply one answer to the projections (answers must come in time order).

    For the set-finished badge, ``p.answered`` must hold the questions of the answer's
    set answered before it (a replay gathers them as it goes).
    """
    tally = _day(p, answer.day)
    repeat = False
    if answer.in_block:
        practised = p.practised.setdefault(answer.day, set())
        repeat = answer.question_id in practised
        practised.add(answer.question_id)
    xp = rules.capped(rules.answer_xp(_facts(answer, repeat)), tally.xp)
    tally.reviews += 1
    tally.correct += int(answer.correct)
    tally.xp += xp
    tally.time_ms += min(max(answer.time_taken_ms, 0), TIME_CAP_MS)
    if xp:
        tally.last_scored_at = p.last_scored_at = answer.reviewed_at
    tally.due_cleared = tally.due_cleared or answer.due_left == 0
    p.xp += xp
    p.reviews += 1
    p.correct += int(answer.correct)

    goal = goals.on(answer.day)
    if not tally.goal_met and rules.goal_met(
        goal.kind, tally.reviews, goal.target, tally.due_cleared
    ):
        tally.goal_met = True
        tally.first_reached_at = answer.reviewed_at
        before = p.streak.freezes_used
        p.streak = rules.extend(p.streak, answer.day, answer.reviewed_at)
        for frozen in p.streak.freezes_used[len(before) :]:
            _day(p, frozen).freeze_used = True

    week = [p.days.get(answer.day - timedelta(days=n)) for n in range(WEEK)]
    week_answers = sum(t.reviews for t in week if t)
    week_correct = sum(t.correct for t in week if t)
    running = 0
    for tally_n in week:
        if not (tally_n and tally_n.due_cleared):
            break
        running += 1
    finished = False
    if FINISHED not in p.badges:
        answered = p.answered.setdefault(answer.set_id, set())
        answered.add(answer.question_id)
        # Only a first answer to a card can complete a set.
        finished = answer.state_before is None and sets.finished(
            answer.set_id, answered, answer.reviewed_at
        )
    totals = rules.Totals(p.xp, p.reviews, p.correct, p.streak, set(p.badges))
    for code in rules.new_badges(totals, (week_answers, week_correct), running, finished):
        p.badges[code] = answer.reviewed_at
        p.new_badges.append(code)


# --- reading and writing projections --------------------------------------------------


def _load(user: User, since: date | None) -> Projection:
    """The student's stored projections; days only from ``since`` (all if None)."""
    p = Projection()
    stats = db.session.get(UserStats, user.id)
    if stats is not None:
        p.xp, p.reviews, p.correct = stats.xp, stats.reviews, stats.correct
        p.last_scored_at = stats.last_scored_at
        p.streak = rules.Streak(
            current=stats.current_streak,
            longest=stats.longest_streak,
            freezes=stats.streak_freezes,
            last_day=stats.last_goal_day,
            last_met_at=stats.last_goal_at,
        )
    p.badges = dict(
        db.session.execute(
            sa.select(Badge.code, Badge.awarded_at).where(Badge.user_id == user.id)
        ).all()
    )
    days = sa.select(DailyActivity).where(DailyActivity.user_id == user.id)
    if since is not None:
        days = days.where(DailyActivity.day >= since)
    for row in db.session.scalars(days):
        p.days[row.day] = DayTally(
            row.day,
            row.reviews,
            row.correct,
            row.xp,
            row.time_ms,
            row.first_reached_at,
            row.last_scored_at,
            row.goal_met,
            row.due_cleared,
            row.freeze_used,
        )
    return p


def _insert_fresh(user_id: int, p: Projection, now: datetime) -> None:
    """Write a rebuilt projection with bulk inserts: its rows are known not to exist."""
    if not p.reviews:
        return  # a student with no answers has no projections, as before their first
    db.session.execute(
        sa.insert(UserStats),
        [
            {
                "user_id": user_id,
                "xp": p.xp,
                "reviews": p.reviews,
                "correct": p.correct,
                "current_streak": p.streak.current,
                "longest_streak": p.streak.longest,
                "streak_freezes": p.streak.freezes,
                "last_goal_day": p.streak.last_day,
                "last_goal_at": p.streak.last_met_at,
                "last_scored_at": p.last_scored_at,
                "updated_at": now,
            }
        ],
    )
    if p.days:
        db.session.execute(
            sa.insert(DailyActivity),
            [{"user_id": user_id, **vars(tally)} for tally in p.days.values()],
        )
    if p.badges:
        db.session.execute(
            sa.insert(Badge),
            [{"user_id": user_id, "code": c, "awarded_at": at} for c, at in p.badges.items()],
        )


def _save(user: User, p: Projection, now: datetime) -> None:
    stats = db.session.get(UserStats, user.id)
    if stats is None:
        stats = UserStats(user_id=user.id)
        db.session.add(stats)
    stats.xp, stats.reviews, stats.correct = p.xp, p.reviews, p.correct
    stats.current_streak = p.streak.current
    stats.longest_streak = p.streak.longest
    stats.streak_freezes = p.streak.freezes
    stats.last_goal_day = p.streak.last_day
    stats.last_goal_at = p.streak.last_met_at
    stats.last_scored_at = p.last_scored_at
    stats.updated_at = now
    for day in sorted(p.touched):
        tally = p.days[day]
        row = db.session.get(DailyActivity, (user.id, day))
        if row is None:
            row = DailyActivity(user_id=user.id, day=day)
            db.session.add(row)
        row.reviews, row.correct, row.xp, row.time_ms = (
            tally.reviews,
            tally.correct,
            tally.xp,
            tally.time_ms,
        )
        row.first_reached_at, row.last_scored_at = tally.first_reached_at, tally.last_scored_at
        row.goal_met, row.due_cleared, row.freeze_used = (
            tally.goal_met,
            tally.due_cleared,
            tally.freeze_used,
        )
    for code in p.new_badges:
        db.session.add(Badge(user_id=user.id, code=code, awarded_at=p.badges[code]))
    db.session.flush()


def apply_answer(user: User, log: ReviewLog, now: datetime) -> list[str]:
    """Bring the projections up to date with one new answer; return badges it earned."""
    return apply_answers(user, [log], now)


def apply_answers(
    user: User,
    logs: Sequence[ReviewLog],
    now: datetime,
    set_of: Mapping[int, int] | None = None,
) -> list[str]:
    """Bring the projections up to date with the student's newest answers, flushed and in
    time order (a block's end writes them at once); return the badges they earned.

    The projections are loaded and saved once, and each set a first answer falls in is
    checked for being finished once, whatever the number of answers. ``set_of`` (question
    id: set id) saves looking the questions up, when the caller has it.
    """
    if not logs:
        return []
    new_ids = [log.id for log in logs]
    first_day = min(log.day for log in logs)
    p = _load(user, since=first_day - timedelta(days=WEEK))
    if set_of is None:  # one answer, its question loaded already: a lookup in the session
        set_of = {
            log.question_id: db.session.get_one(Question, log.question_id).set_id for log in logs
        }
    sets = SetCatalog([])
    if FINISHED not in p.badges:
        # Only a first answer can finish a set, and only when no live question is left
        # unanswered: one count per set decides the usual case; the fold checks it exactly.
        firsts = {set_of[log.question_id] for log in logs if log.state_before is None}
        finishing = sorted(set_id for set_id in firsts if not _unanswered(user, set_id))
        if finishing:
            sets = SetCatalog.load(finishing)
        for set_id in finishing:
            p.answered[set_id] = set(
                db.session.scalars(
                    sa.select(ReviewLog.question_id)
                    .join(Question, Question.id == ReviewLog.question_id)
                    .where(
                        ReviewLog.user_id == user.id,
                        ReviewLog.counted_in(modes.Projection.POINTS),
                        Question.set_id == set_id,
                        ReviewLog.id.not_in(new_ids),
                    )
                    .distinct()
                )
            )
    for day in {log.day for log in logs if log.mode == modes.ReviewMode.PRACTICE}:
        p.practised[day] = set(
            db.session.scalars(
                sa.select(ReviewLog.question_id).where(
                    ReviewLog.user_id == user.id,
                    ReviewLog.day == day,
                    ReviewLog.mode == modes.ReviewMode.PRACTICE.value,
                    ReviewLog.undone_at.is_(None),
                    ReviewLog.id.not_in(new_ids),
                )
            )
        )
    goals = goal_history(user, since=first_day)
    for log in logs:
        fold_answer(p, Answer.of(log, set_of[log.question_id]), goals, sets)
    _save(user, p, now)
    return p.new_badges


def _unanswered(user: User, set_id: int) -> int:
    """Count the set's live questions the student has no standing answer to."""
    answered = sa.select(ReviewLog.id).where(
        ReviewLog.user_id == user.id,
        ReviewLog.question_id == Question.id,
        ReviewLog.counted_in(modes.Projection.POINTS),
    )
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Question)
        .where(Question.set_id == set_id, Question.retired_at.is_(None), ~answered.exists())
    ).scalar_one()


def _answers(user_id: int, without: int | None = None) -> Iterator[Answer]:
    rows = db.session.execute(
        sa.select(
            ReviewLog.day,
            ReviewLog.reviewed_at,
            ReviewLog.correct,
            ReviewLog.time_taken_ms,
            ReviewLog.state_before,
            ReviewLog.due_left,
            ReviewLog.question_id,
            Question.set_id,
            ReviewLog.mode,
        )
        .join(Question, Question.id == ReviewLog.question_id)
        .where(
            ReviewLog.user_id == user_id,
            ReviewLog.counted_in(modes.Projection.POINTS),
            ReviewLog.id != without if without is not None else sa.true(),
        )
        .order_by(ReviewLog.reviewed_at, ReviewLog.id)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        yield Answer(*row)


def goal_history(user: User, since: date | None = None) -> rules.GoalHistory:
    """The student's daily goals; only changes that can matter from ``since`` on."""
    past = sa.select(PastDailyGoal.until_day, PastDailyGoal.goal, PastDailyGoal.answers).where(
        PastDailyGoal.user_id == user.id
    )
    if since is not None:
        past = past.where(PastDailyGoal.until_day > since)
    return rules.GoalHistory(
        rules.Goal(user.daily_goal, user.daily_goal_answers),
        tuple((until, rules.Goal(k, n)) for until, k, n in db.session.execute(past)),
    )


def _goal_histories() -> dict[int, rules.GoalHistory]:
    """Every student's daily goals, in two queries."""
    past: dict[int, list[tuple[date, rules.Goal]]] = {}
    rows = sa.select(
        PastDailyGoal.user_id, PastDailyGoal.until_day, PastDailyGoal.goal, PastDailyGoal.answers
    )
    for user_id, until, kind, target in db.session.execute(rows):
        past.setdefault(user_id, []).append((until, rules.Goal(kind, target)))
    return {
        user_id: rules.GoalHistory(rules.Goal(kind, target), tuple(past.get(user_id, ())))
        for user_id, kind, target in db.session.execute(
            sa.select(User.id, User.daily_goal, User.daily_goal_answers)
        )
    }


def change_daily_goal(user: User, goal: rules.Goal, today: date) -> date | None:
    """Choose a new daily goal; return the study day it starts (None: nothing changed).

    A day is judged by the goal it began with: once the student has answered today, the
    new goal starts tomorrow; before their first answer, it starts today. A day already
    begun later than ``today`` (the student answered in a zone ahead of this one) keeps
    its goal too, as does a day an earlier change already handed to the current goal.
    """
    if rules.Goal(user.daily_goal, user.daily_goal_answers) == goal:
        return None
    last_begun = db.session.scalar(
        sa.select(sa.func.max(DailyActivity.day)).where(
            DailyActivity.user_id == user.id,
            DailyActivity.day >= today,
            DailyActivity.reviews > 0,
        )
    )
    last_handed_over = db.session.scalar(
        sa.select(sa.func.max(PastDailyGoal.until_day)).where(
            PastDailyGoal.user_id == user.id, PastDailyGoal.until_day > today
        )
    )
    starts = max(
        today,
        last_begun + timedelta(days=1) if last_begun is not None else today,
        last_handed_over or today,
    )
    if db.session.get(PastDailyGoal, (user.id, starts)) is None:
        db.session.add(
            PastDailyGoal(
                user_id=user.id,
                until_day=starts,
                goal=user.daily_goal,
                answers=user.daily_goal_answers,
            )
        )
    user.daily_goal, user.daily_goal_answers = goal.kind, goal.target
    db.session.flush()
    return starts


def replay(answers: Iterable[Answer], goals: rules.GoalHistory, sets: SetCatalog) -> Projection:
    """Fold a student's answers, in time order, into fresh projections."""
    p = Projection()
    for answer in answers:
        fold_answer(p, answer, goals, sets)
    return p


def rebuild_user(user: User, now: datetime) -> Projection:
    """Recompute one student's projections from their review log."""
    db.session.flush()
    p, _ = replay_user(user)
    store_projection(user, p, now)
    return p


def replay_user(user: User, without: int | None = None) -> tuple[Projection, rules.GoalHistory]:
    """Fold one student's log (leaving out one review, if asked) without writing anything.

    Returns the goals it judged the days by, so a caller that stores the result later
    can check they still hold.
    """
    sets = SetCatalog.load(
        db.session.scalars(
            sa.select(Question.set_id)
            .join(ReviewLog, ReviewLog.question_id == Question.id)
            .where(ReviewLog.user_id == user.id)
            .distinct()
        ).all()
    )
    goals = goal_history(user)
    return replay(_answers(user.id, without), goals, sets), goals


def store_projection(user: User, p: Projection, now: datetime) -> None:
    """Replace one student's projections with a replayed fold."""
    for model in (DailyActivity, UserStats, Badge):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    _insert_fresh(user.id, p, now)
    db.session.expire_all()  # rows loaded before the delete are stale


def rebuild_all(now: datetime, progress: Any = None) -> int:
    """Recompute every student's projections from the log; return how many students."""
    user_ids = db.session.scalars(
        sa.select(User.id)
        .where(User.id.in_(sa.select(ReviewLog.user_id).distinct()))
        .order_by(User.id)
    ).all()
    goals = _goal_histories()
    sets = SetCatalog.load()
    for model in (DailyActivity, UserStats, Badge):
        db.session.execute(sa.delete(model))
    for n, user_id in enumerate(user_ids, start=1):
        _insert_fresh(user_id, replay(_answers(user_id), goals[user_id], sets), now)
        if progress:
            progress(n)
    db.session.expire_all()
    return len(user_ids)


def badges_earned_by(log: ReviewLog) -> list[rules.BadgeSpec]:
    """The badges this answer earned (awarded at its moment)."""
    codes = db.session.scalars(
        sa.select(Badge.code).where(
            Badge.user_id == log.user_id, Badge.awarded_at == log.reviewed_at
        )
    )
    return [rules.BADGES[code] for code in codes if code in rules.BADGES]
