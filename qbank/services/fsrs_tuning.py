"""Fit FSRS to one student's own answers, and show what each desired retention would cost.

``fsrs-rs-python`` (the Rust optimizer Anki uses) does the fitting, the evaluation and
the workload simulation; the ``fsrs`` scheduler keeps doing the scheduling. Both speak
FSRS-6 (21 parameters), but the optimizer computes in 32-bit floats: a value it clamps
to 0.8 comes back as 0.800000011920929, which the scheduler refuses as out of bounds.
``scheduler_parameters`` is the one place that turns its output into what we store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import fsrs_rs_python as fsrs_rs
import sqlalchemy as sa
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from qbank.domain import backlog, scheduling
from qbank.domain.answers import TIME_CAP_MS
from qbank.domain.days import Calendar
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import (
    CardState,
    Question,
    ReviewLog,
    User,
)
from qbank.presentation.words import counted
from qbank.services import access
from qbank.services.study import card_seed

# When optimizing opens: FSRS's authors advise 512 or more reviews of cards in review
# (not learning steps), and a spread of days so that intervals of several lengths are seen.
MIN_REVIEWS = 512
MIN_DAYS = 14
HOLDOUT_SHARE = 0.2  # the latest answers, which the fit is judged on and never sees
# Offer it again a month after, or once the reviews have doubled since.
REOPTIMIZE_AFTER = timedelta(days=30)
REOPTIMIZE_GROWTH = 2.0
RETENTION_CHOICES = (0.80, 0.85, 0.90, 0.95)
# simulate() plays out every answer of every day: at worst (10,000 cards all learnt on
# day one, no review limit) about 0.15 s a retention for a year on this 2-core machine,
# 0.6 s for five years. These caps keep a chart of four or five well under a second.
MAX_SIMULATED_CARDS = 10_000
MAX_SIMULATED_DAYS = 365
SIMULATION_SEED = 2026  # the same chart on every visit
MIN_ANSWERS_FOR_PROFILE = 20  # fewer than this, and the simulator's defaults say more

_PARAMETER_DECIMALS = 4


class TuningError(ValueError):
    """Optimizing cannot be done yet; the message is for the student."""


@dataclass(frozen=True)
class CardHistory:
    """One card's answers from the first: (rating, study days since the answer before).

    The first answer has 0 days, as do same-day answers such as learning steps.
    """

    question_id: int
    reviews: tuple[tuple[int, int], ...]
    # The study day of each answer, aligned with ``reviews`` (empty: not known).
    days: tuple[date, ...] = ()

    def training_items(self) -> list[fsrs_rs.FSRSItem]:
        """The optimizer's items: the history up to each answer on a later day than the last.

        Each item asks "given what came before, was this answer recalled?"; same-day
        answers stay in the history of later items but are not predicted themselves.
        """
        return [item for item, _ in self.dated_items()]

    def dated_items(self) -> list[tuple[fsrs_rs.FSRSItem, date]]:
        """Each item with the study day of the answer it predicts (``date.min`` if unknown)."""
        reviews = [fsrs_rs.FSRSReview(rating, days) for rating, days in self.reviews]
        return [
            (fsrs_rs.FSRSItem(reviews[: end + 1]), self.days[end] if self.days else date.min)
            for end, (_, days) in enumerate(self.reviews)
            if end > 0 and days > 0
        ]


@dataclass(frozen=True)
class TuningResult:
    """What optimizing found. ``parameters_after`` is the fit, stored only if ``stored``."""

    parameters_before: tuple[float, ...]
    parameters_after: tuple[float, ...]
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float
    reviews: int
    stored: bool
    fitted_on: int = 0  # answers predicted in the fit (the earlier ones)
    judged_on: int = 0  # later answers both parameter sets were judged on
    judged_from: date | None = None  # the first day of those


@dataclass(frozen=True)
class WorkloadPoint:
    """A year (or ``days``) of study at one desired retention, as the simulator sees it."""

    desired_retention: float
    reviews_per_day: float
    minutes_per_day: float
    memorized: float  # expected cards recalled on the last day
    cards: int  # the deck simulated


def review_history(user: User, until: datetime | None = None) -> list[CardHistory]:
    """Gather the student's answers, one history per card, in one query.

    Undone answers are left out. An answer to a card with no state before it (a new
    card) starts a fresh history, since the scheduler started afresh there too. Days
    are the study days stored with each answer (time zone and rollover hour as they
    were then), as Anki counts them.
    """
    query = (
        sa.select(
            ReviewLog.question_id,
            ReviewLog.day,
            ReviewLog.rating,
            ReviewLog.state_before.is_(None),
        )
        .where(ReviewLog.user_id == user.id, ReviewLog.counted_in(Projection.FSRS_FITTING))
        .order_by(ReviewLog.question_id, ReviewLog.reviewed_at, ReviewLog.id)
    )
    if until is not None:
        query = query.where(ReviewLog.reviewed_at <= until)

    histories: list[CardHistory] = []
    question_id: int | None = None
    reviews: list[tuple[int, int]] = []
    days: list[date] = []
    last_day: date | None = None
    for qid, day, rating, was_new in db.session.execute(query):
        if qid != question_id or was_new:
            if reviews:
                assert question_id is not None  # set by the row that started the reviews
                histories.append(CardHistory(question_id, tuple(reviews), tuple(days)))
            question_id, reviews, days, last_day = qid, [], [], None
        if not reviews and not was_new:
            continue  # a card whose first answer is missing: nothing to start from
        reviews.append((rating, 0 if last_day is None else (day - last_day).days))
        days.append(day)
        last_day = day
    if reviews:
        assert question_id is not None
        histories.append(CardHistory(question_id, tuple(reviews), tuple(days)))
    return histories


def training_items(histories: Iterable[CardHistory]) -> tuple[list[fsrs_rs.FSRSItem], list[int]]:
    """Return the optimizer's items and, aligned with them, which history each came from.

    The ids are per history, not per question: the optimizer treats items with the same
    id as prefixes of one sequence.
    """
    items: list[fsrs_rs.FSRSItem] = []
    ids: list[int] = []
    for index, history in enumerate(histories):
        card_items = history.training_items()
        items.extend(card_items)
        ids.extend([index] * len(card_items))
    return items, ids


def scheduler_parameters(parameters: Sequence[float]) -> tuple[float, ...]:
    """Turn the optimizer's parameters into the 21 the ``fsrs`` scheduler accepts.

    Older FSRS vectors (17 or 19 values) are filled in by the optimizer's own rule;
    then each value is rounded off its 32-bit noise and kept inside the scheduler's
    bounds.
    """
    filled = fsrs_rs.check_and_fill_parameters(list(parameters))
    return tuple(
        min(max(round(value, _PARAMETER_DECIMALS), low), high)
        for value, low, high in zip(
            filled, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )


# --- when to optimize ---------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """Whether optimizing is open to the student, and whether the page should suggest it."""

    reviews: int  # answers to cards in review (learning steps and first answers left out)
    days: int  # distinct study days those answers fall on
    optimized_at: datetime | None
    reviews_then: int  # ``reviews`` when they last optimized

    @property
    def open(self) -> bool:
        return self.reviews >= MIN_REVIEWS and self.days >= MIN_DAYS

    def suggested(self, now: datetime) -> bool:
        """Open, and never done, or done a month ago, or the reviews have doubled since."""
        if not self.open:
            return False
        if self.optimized_at is None:
            return True
        return (
            now - self.optimized_at >= REOPTIMIZE_AFTER
            or self.reviews >= REOPTIMIZE_GROWTH * max(self.reviews_then, 1)
        )


def _review_state_answers() -> sa.ColumnElement[bool]:
    return ReviewLog.state_before["state"].as_integer() == scheduling.REVIEW


def readiness(user: User) -> Readiness:
    reviews, days = db.session.execute(
        sa.select(sa.func.count(ReviewLog.id), sa.func.count(sa.distinct(ReviewLog.day))).where(
            ReviewLog.user_id == user.id,
            ReviewLog.counted_in(Projection.FSRS_FITTING),
            _review_state_answers(),
        )
    ).one()
    return Readiness(
        reviews=int(reviews),
        days=int(days),
        optimized_at=user.fsrs_optimized_at,
        reviews_then=user.fsrs_optimized_reviews,
    )


HARD_AS_FAIL_SHARE = 0.25  # Hard on more of the reviews than this looks like a fail
NEVER_AGAIN_AFTER = 100  # reviews without (almost) any Again: the fit cannot see forgetting
NEVER_AGAIN_SHARE = 0.01


def health(user: User) -> list[str]:
    """What in the student's ratings would mislead a fit, said so they can change it."""
    counts = dict(
        db.session.execute(
            sa.select(ReviewLog.rating, sa.func.count())
            .where(
                ReviewLog.user_id == user.id,
                ReviewLog.counted_in(Projection.FSRS_FITTING),
                _review_state_answers(),
            )
            .group_by(ReviewLog.rating)
        ).all()
    )
    total = sum(counts.values())
    warnings: list[str] = []
    if not total:
        return warnings
    hard = counts.get(scheduling.HARD, 0) / total
    if hard > HARD_AS_FAIL_SHARE:
        warnings.append(
            f"You press Hard on {hard:.0%} of your reviews. Hard means you recalled the "
            "answer with effort; when you did not recall it, press Again, or the fit will "
            "take a lapse for a success and give you intervals too long."
        )
    again = counts.get(scheduling.AGAIN, 0) / total
    if total >= NEVER_AGAIN_AFTER and again < NEVER_AGAIN_SHARE:
        warnings.append(
            f"You pressed Again on {again:.1%} of {total:,} reviews. If you never forget, "
            "the fit cannot learn how fast you forget: press Again whenever you did not "
            "recall the answer."
        )
    ready = readiness(user)
    if ready.reviews >= MIN_REVIEWS and ready.days < MIN_DAYS:
        warnings.append(
            f"Your reviews fall on {counted(ready.days, 'day')}; a fit needs {MIN_DAYS} to see "
            "intervals of several lengths."
        )
    return warnings


# --- fitting, judged on later answers -------------------------------------------------------


def optimize(user: User, now: datetime) -> TuningResult:
    """Fit FSRS to the student's answers up to ``now``; keep the fit if it predicts the
    later answers better, and reschedule their cards with it.

    Everything is flushed for the caller to commit; the next answer uses the new
    parameters.
    """
    result = fit(user, now)
    if result.stored:
        keep_parameters(user, result, now)
    else:
        note_attempt(user, now)
    return result


def note_attempt(user: User, now: datetime) -> None:
    """Remember that the student optimized now, kept or not: the next suggestion waits."""
    user.fsrs_optimized_at = now
    user.fsrs_optimized_reviews = readiness(user).reviews
    db.session.flush()


def keep_parameters(user: User, result: TuningResult, now: datetime) -> int:
    """Schedule the student with the parameters a fit found better, their cards in review
    included; return how many cards moved to another day."""
    user.fsrs_parameters = list(result.parameters_after)
    note_attempt(user, now)
    return reschedule(user, now)


def split_by_time(
    histories: Sequence[CardHistory],
) -> tuple[list[fsrs_rs.FSRSItem], list[int], list[fsrs_rs.FSRSItem], date | None]:
    """The items predicting the earlier answers (with their history ids, for the fit), the
    items predicting the latest ``HOLDOUT_SHARE`` of them (to judge on), and the first day
    of those. Each history's items are made once."""
    dated = [
        (index, item, day)
        for index, history in enumerate(histories)
        for item, day in history.dated_items()
    ]
    if len(dated) < 2:
        return [], [], [], None
    days = sorted(day for _, _, day in dated)
    cut = days[min(len(days) - 1, int(len(days) * (1 - HOLDOUT_SHARE)))]
    earlier = [(index, item) for index, item, day in dated if day < cut]
    later = [item for _, item, day in dated if day >= cut]
    return [item for _, item in earlier], [index for index, _ in earlier], later, cut


def fit(user: User, now: datetime) -> TuningResult:
    """Fit FSRS to the earlier 80% of the student's answers up to ``now``, and judge both
    the current parameters and the fit on the later 20%, which the fit never saw (log
    loss, and RMSE over bins); writing nothing. ``stored`` says whether the fit predicts
    those later answers better (``keep_parameters``).
    """
    ready = readiness(user)
    if not ready.open:
        raise TuningError(
            f"Optimizing needs {MIN_REVIEWS} reviews of cards you already know on "
            f"{MIN_DAYS} different days; you have {ready.reviews} on "
            f"{counted(ready.days, 'day')}. Keep studying and try again."
        )
    histories = review_history(user, until=now)
    reviews = sum(len(history.reviews) for history in histories)
    items, card_ids, judged, cut = split_by_time(histories)
    if not items or not judged:
        raise TuningError(
            "Your answers so far fall on too few days to fit on the earlier and judge on "
            "the later. Review on a few more days and try again."
        )
    before = scheduling.preferences(user.desired_retention, user.fsrs_parameters).parameters
    current = fsrs_rs.FSRS(list(before))
    # The fit starts from FSRS's defaults whatever the current parameters. Short-term
    # on: learning steps are same-day answers, which FSRS-6 models (w17 to w19).
    fitted = current.compute_parameters(
        items,
        card_ids=card_ids,
        enable_short_term=True,
        num_relearning_steps=len(scheduling.RELEARNING_STEPS),
    )
    after = scheduler_parameters(fitted)
    judged_before = current.evaluate(judged)
    judged_after = fsrs_rs.FSRS(list(after)).evaluate(judged)
    stored = after != before and judged_after.log_loss < judged_before.log_loss
    return TuningResult(
        parameters_before=before,
        parameters_after=after,
        log_loss_before=judged_before.log_loss,
        log_loss_after=judged_after.log_loss,
        rmse_before=judged_before.rmse_bins,
        rmse_after=judged_after.rmse_bins,
        reviews=reviews,
        stored=stored,
        fitted_on=len(items),
        judged_on=len(judged),
        judged_from=cut,
    )


# --- rescheduling -------------------------------------------------------------------------


def reschedule(user: User, now: datetime) -> int:
    """Give each of the student's cards in review the memory and due day its history has
    under their parameters now; return how many moved to another day.

    A card's memory is replayed from its answers by the optimizer's own model; its next
    interval is the one the scheduler gives that memory at their desired retention, from
    its last review, fuzzed with its seed. Cards that come out due before today are not
    all put on today: they go on the coming days, most overdue first, each day taking at
    most half the daily review limit of them and never more than the limit leaves beside
    the reviews already due then.
    """
    prefs = scheduling.preferences(user.desired_retention, user.fsrs_parameters)
    model = fsrs_rs.FSRS(list(prefs.parameters))
    calendar = Calendar(user.timezone, user.rollover_hour)
    today = calendar.day_of(now)
    histories = {h.question_id: h for h in review_history(user, until=now)}
    cards = list(
        db.session.scalars(
            sa.select(CardState).where(
                CardState.user_id == user.id,
                CardState.state == scheduling.REVIEW,
                CardState.question_id.in_(list(histories)),
            )
        )
    )
    items = [
        fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(r, d) for r, d in histories[c.question_id].reviews])
        for c in cards
    ]
    states = model.memory_state_batch(items, [None] * len(items)) if items else []
    moved = 0
    overdue: list[tuple[float, CardState]] = []
    for card, state in zip(cards, states, strict=True):
        last_day = card.last_review_day or histories[card.question_id].days[-1]
        interval = max(1, round(model.next_interval(state.stability, prefs.desired_retention, 3)))
        interval = min(interval, scheduling.MAXIMUM_INTERVAL_DAYS)
        seed = f"{card_seed(user, card.question_id)}:{card.reps}"  # as the scheduler seeds it
        day = last_day + timedelta(days=scheduling.fuzz_days(interval, seed))
        card.stability, card.difficulty = float(state.stability), float(state.difficulty)
        if day < today:
            overdue.append(((today - day).days / interval, card))
            continue
        if day != card.due_day:
            moved += 1
        card.due_day, card.due = day, calendar.start_of(day)
    overdue.sort(key=lambda pair: -pair[0])
    db.session.flush()
    load = {
        day: n
        for day, n in db.session.execute(
            sa.select(CardState.due_day, sa.func.count())
            .where(
                CardState.user_id == user.id,
                CardState.state == scheduling.REVIEW,
                CardState.due_day >= today,
                CardState.id.not_in([card.id for _, card in overdue]),
            )
            .group_by(CardState.due_day)
        )
        if day is not None
    }
    days = backlog.fill(len(overdue), today, load, user.max_reviews_per_day)
    for (_, card), day in zip(overdue, days, strict=True):
        if day != card.due_day:
            moved += 1
        card.due_day, card.due = day, calendar.start_of(day)
    db.session.flush()
    return moved


def simulate_workload(
    user: User,
    retentions: Sequence[float] = RETENTION_CHOICES,
    days: int = 365,
    parameters: Sequence[float] | None = None,
) -> list[WorkloadPoint]:
    """Simulate the student's deck at each desired retention, with their parameters.

    The simulator starts the whole deck (the cards they study now, seen or not) as new,
    brought in at their new cards per day and capped at their reviews per day; ratings
    and seconds per answer come from their own history once there is enough of it.
    The deck is capped at ``MAX_SIMULATED_CARDS`` and ``days`` at ``MAX_SIMULATED_DAYS``.
    ``parameters``: simulate with these instead of the student's (a fit's, before keeping it).
    """
    for retention in retentions:
        if not 0.70 <= retention <= 0.97:
            raise ValueError(f"desired retention must be 0.70 to 0.97, not {retention!r}")
    days = max(1, min(days, MAX_SIMULATED_DAYS))
    cards = min(_deck_size(user), MAX_SIMULATED_CARDS)
    if cards == 0:
        return [WorkloadPoint(r, 0.0, 0.0, 0.0, 0) for r in retentions]
    config = _simulator_config(user, cards, days)
    chosen = list(
        parameters
        if parameters is not None
        else scheduling.preferences(user.desired_retention, user.fsrs_parameters).parameters
    )
    points = []
    for retention in retentions:
        result = fsrs_rs.simulate(chosen, retention, config, SIMULATION_SEED)
        points.append(
            WorkloadPoint(
                desired_retention=retention,
                reviews_per_day=sum(result.review_cnt_per_day) / days,
                minutes_per_day=sum(result.cost_per_day) / days / 60,
                memorized=result.memorized_cnt_per_day[-1],
                cards=cards,
            )
        )
    return points


def _deck_size(user: User) -> int:
    """Count the questions the student studies now: enrolled, live, not suspended."""
    suspended = sa.select(CardState.id).where(
        CardState.user_id == user.id,
        CardState.question_id == Question.id,
        CardState.suspended.is_(True),
    )
    return db.session.execute(
        sa.select(sa.func.count(Question.id)).where(
            access.studied_questions(user), ~suspended.exists()
        )
    ).scalar_one()


# The simulator's rows of seconds per answer: a card in learning, in review, relearning.
_COST_ROW = {None: 0, scheduling.LEARNING: 0, scheduling.REVIEW: 1, scheduling.RELEARNING: 2}


def _simulator_config(user: User, cards: int, days: int) -> fsrs_rs.SimulatorConfig:
    config = fsrs_rs.default_simulator_config()
    config.deck_size = cards
    config.learn_span = days
    config.learn_limit = user.new_cards_per_day
    config.review_limit = user.max_reviews_per_day
    config.new_cards_ignore_review_limit = True  # as the queue: new cards have their own limit
    config.max_cost_perday = 86_400.0  # no time limit: a day is the ceiling
    config.max_ivl = float(scheduling.MAXIMUM_INTERVAL_DAYS)
    config.learning_step_count = len(scheduling.LEARNING_STEPS)
    config.relearning_step_count = len(scheduling.RELEARNING_STEPS)

    # simulate() panics (a BaseException) on a rating distribution of all zeros: the
    # student's own is used only when it has at least MIN_ANSWERS_FOR_PROFILE answers.
    profile = _answer_profile(user)
    first = [profile.get((None, rating), (0, 0.0))[0] for rating in scheduling.RATINGS]
    if sum(first) >= MIN_ANSWERS_FOR_PROFILE:
        config.first_rating_prob = [n / sum(first) for n in first]
    recalled = [
        profile.get((scheduling.REVIEW, rating), (0, 0.0))[0] for rating in scheduling.RATINGS[1:]
    ]
    if sum(recalled) >= MIN_ANSWERS_FOR_PROFILE:
        config.review_rating_prob = [n / sum(recalled) for n in recalled]

    cells: dict[tuple[int, int], tuple[int, float]] = {}
    for (state, rating), (answers, mean_seconds) in profile.items():
        cell = (_COST_ROW[state], rating - 1)
        so_far, seconds = cells.get(cell, (0, 0.0))
        cells[cell] = (so_far + answers, seconds + answers * mean_seconds)
    costs = [list(row) for row in config.state_rating_costs]
    for (row, column), (answers, seconds) in cells.items():
        if answers >= MIN_ANSWERS_FOR_PROFILE:
            costs[row][column] = seconds / answers
    config.state_rating_costs = costs
    return config


def _answer_profile(user: User) -> dict[tuple[int | None, int], tuple[int, float]]:
    """Count the student's answers by (state before, rating), each with its mean seconds."""
    capped = sa.case(
        (ReviewLog.time_taken_ms > TIME_CAP_MS, TIME_CAP_MS),
        else_=ReviewLog.time_taken_ms,
    )
    # Grouped outside a subquery: PostgreSQL wants GROUP BY to repeat the selected
    # expression exactly, and the JSON path in it is a bound parameter.
    answers = (
        sa.select(
            ReviewLog.state_before["state"].as_integer().label("state"),
            ReviewLog.rating.label("rating"),
            capped.label("ms"),
        )
        .where(ReviewLog.user_id == user.id, ReviewLog.counted_in(Projection.FSRS_FITTING))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            answers.c.state, answers.c.rating, sa.func.count(), sa.func.avg(answers.c.ms)
        ).group_by(answers.c.state, answers.c.rating)
    )
    return {(state, rating): (n, float(ms) / 1000) for state, rating, n, ms in rows}


def review_count(user: User) -> int:
    """How many answers (not undone) the student has given, learning steps included."""
    return db.session.execute(
        sa.select(sa.func.count(ReviewLog.id)).where(
            ReviewLog.user_id == user.id, ReviewLog.counted_in(Projection.FSRS_FITTING)
        )
    ).scalar_one()
