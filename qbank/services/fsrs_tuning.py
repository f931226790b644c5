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
from datetime import date, datetime

import fsrs_rs_python as fsrs_rs
import sqlalchemy as sa
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from qbank.domain import scheduling
from qbank.domain.answers import TIME_CAP_MS
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import (
    CardState,
    Question,
    ReviewLog,
    User,
)
from qbank.services import access

MIN_REVIEWS = 400
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

    def training_items(self) -> list[fsrs_rs.FSRSItem]:
        """The optimizer's items: the history up to each answer on a later day than the last.

        Each item asks "given what came before, was this answer recalled?"; same-day
        answers stay in the history of later items but are not predicted themselves.
        """
        reviews = [fsrs_rs.FSRSReview(rating, days) for rating, days in self.reviews]
        return [
            fsrs_rs.FSRSItem(reviews[: end + 1])
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
    last_day: date | None = None
    for qid, day, rating, was_new in db.session.execute(query):
        if qid != question_id or was_new:
            if reviews:
                assert question_id is not None  # set by the row that started the reviews
                histories.append(CardHistory(question_id, tuple(reviews)))
            question_id, reviews, last_day = qid, [], None
        if not reviews and not was_new:
            continue  # a card whose first answer is missing: nothing to start from
        reviews.append((rating, 0 if last_day is None else (day - last_day).days))
        last_day = day
    if reviews:
        assert question_id is not None
        histories.append(CardHistory(question_id, tuple(reviews)))
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


def optimize(user: User, now: datetime) -> TuningResult:
    """Fit FSRS to the student's answers up to ``now``; keep the fit if it predicts no worse.

    The new parameters are stored on the user, flushed, for the caller to commit; the
    next answer is scheduled with them.
    """
    result = fit(user, now)
    if result.stored:
        keep_parameters(user, result)
    return result


def keep_parameters(user: User, result: TuningResult) -> None:
    """Schedule the student's next answers with the parameters a fit found better."""
    user.fsrs_parameters = list(result.parameters_after)
    db.session.flush()


def fit(user: User, now: datetime) -> TuningResult:
    """Fit FSRS to the student's answers up to ``now``, writing nothing.

    Both sets of parameters are judged on the same answers by the optimizer's own
    evaluation (log loss, and RMSE over bins); ``stored`` says whether the fit is worth
    keeping (``keep_parameters``).
    """
    histories = review_history(user, until=now)
    reviews = sum(len(history.reviews) for history in histories)
    if reviews < MIN_REVIEWS:
        raise TuningError(
            f"You need at least {MIN_REVIEWS} reviews to optimize; you have {reviews}. "
            "Keep studying and try again."
        )
    items, card_ids = training_items(histories)
    if not items:
        raise TuningError(
            "Your answers so far all fall on the day you first saw each card. "
            "Review on a few more days and try again."
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
    judged_before = current.evaluate(items)
    judged_after = fsrs_rs.FSRS(list(after)).evaluate(items)
    stored = after != before and judged_after.log_loss <= judged_before.log_loss
    return TuningResult(
        parameters_before=before,
        parameters_after=after,
        log_loss_before=judged_before.log_loss,
        log_loss_after=judged_after.log_loss,
        rmse_before=judged_before.rmse_bins,
        rmse_after=judged_after.rmse_bins,
        reviews=reviews,
        stored=stored,
    )


def simulate_workload(
    user: User, retentions: Sequence[float] = RETENTION_CHOICES, days: int = 365
) -> list[WorkloadPoint]:
    """Simulate the student's deck at each desired retention, with their parameters.

    The simulator starts the whole deck (the cards they study now, seen or not) as new,
    brought in at their new cards per day and capped at their reviews per day; ratings
    and seconds per answer come from their own history once there is enough of it.
    The deck is capped at ``MAX_SIMULATED_CARDS`` and ``days`` at ``MAX_SIMULATED_DAYS``.
    """
    for retention in retentions:
        if not 0.70 <= retention <= 0.97:
            raise ValueError(f"desired retention must be 0.70 to 0.97, not {retention!r}")
    days = max(1, min(days, MAX_SIMULATED_DAYS))
    cards = min(_deck_size(user), MAX_SIMULATED_CARDS)
    if cards == 0:
        return [WorkloadPoint(r, 0.0, 0.0, 0.0, 0) for r in retentions]
    config = _simulator_config(user, cards, days)
    parameters = list(
        scheduling.preferences(user.desired_retention, user.fsrs_parameters).parameters
    )
    points = []
    for retention in retentions:
        result = fsrs_rs.simulate(parameters, retention, config, SIMULATION_SEED)
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
    """How many answers (not undone) the student has given: the optimizer needs 400."""
    return db.session.execute(
        sa.select(sa.func.count(ReviewLog.id)).where(
            ReviewLog.user_id == user.id, ReviewLog.counted_in(Projection.FSRS_FITTING)
        )
    ).scalar_one()
