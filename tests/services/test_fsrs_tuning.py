"""Fitting FSRS to a student's answers, and simulating the workload of each retention,
with the synthetic student of ``tests.synthetic_reviews``."""

import math
from collections import Counter
from datetime import timedelta
from itertools import pairwise

import fsrs
import fsrs_rs_python
import pytest
import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.domain.days import study_day
from qbank.extensions import db
from qbank.models import CardState, ReviewLog, User
from qbank.services import fsrs_tuning, study
from qbank.services.fsrs_tuning import CardHistory, TuningError
from tests.synthetic_reviews import (
    DAYS,
    DECK,
    NEW_PER_DAY,
    START,
    UTC_DAYS,
    add_undone_answers,
    make_deck,
    study_for,
)


@pytest.fixture
def student(create_user):
    return create_user(email="student@example.edu")


# --- the history the optimizer sees -------------------------------------------------------


def test_history_counts_study_days_from_a_first_answer_of_zero(
    app, create_user, student, count_queries
):
    question = make_deck(create_user, student, 1)[0]
    day = timedelta(days=1)
    times_and_ratings = [
        (START, scheduling.GOOD),  # day 0: first sight
        (START + timedelta(minutes=10), scheduling.GOOD),  # a learning step, same day
        (START + day + timedelta(hours=17), scheduling.AGAIN),  # 2 a.m.: still day 1
        (START + 3 * day, scheduling.GOOD),  # day 3
    ]
    memory = scheduling.first_memory(START)
    for n, (at, rating) in enumerate(times_and_ratings):
        after = scheduling.review(memory, rating, at, scheduling.Preferences(), "seed", UTC_DAYS)
        db.session.add(
            ReviewLog(
                user_id=student.id,
                question_id=question.id,
                question_version_id=question.versions[0].id,
                reviewed_at=at,
                day=study_day(at, student.timezone, student.rollover_hour),
                answer_token=f"t{n}",
                correct=rating > 1,
                rating=rating,
                time_taken_ms=5000,
                state_before=memory.as_json() if n else None,
                state_after=after.as_json(),
            )
        )
        memory = after
    db.session.commit()
    db.session.refresh(student)
    with count_queries() as statements:
        history = fsrs_tuning.review_history(student)
    queries = statements.all

    first = START.date()
    days = (first, first, first + day, first + 3 * day)
    assert history == [CardHistory(question.id, ((3, 0), (3, 0), (1, 1), (3, 2)), days)]
    assert len(queries) == 1, queries
    items, ids = fsrs_tuning.training_items(history)
    # One item per answer on a later day, each carrying the whole history before it.
    assert [repr(item) for item in items] == [
        "FSRSItem { reviews: [FSRSReview { rating: 3, delta_t: 0 }, "
        "FSRSReview { rating: 3, delta_t: 0 }, FSRSReview { rating: 1, delta_t: 1 }] }",
        "FSRSItem { reviews: [FSRSReview { rating: 3, delta_t: 0 }, "
        "FSRSReview { rating: 3, delta_t: 0 }, FSRSReview { rating: 1, delta_t: 1 }, "
        "FSRSReview { rating: 3, delta_t: 2 }] }",
    ]
    assert ids == [0, 0]
    # The time split: the fit sees the earlier item, the later one is held out.
    earlier, earlier_ids, later, cut = fsrs_tuning.split_by_time(history)
    assert [repr(item) for item in earlier] == [repr(items[0])] and earlier_ids == [0]
    assert [repr(item) for item in later] == [repr(items[1])] and cut == first + 3 * day


def test_undone_answers_are_left_out_of_the_history(app, create_user, student):
    questions = make_deck(create_user, student, 20)
    study_for(student, questions, days=30, new_per_day=5)
    history = fsrs_tuning.review_history(student)

    add_undone_answers(student, questions, START + timedelta(days=31))

    assert fsrs_tuning.review_history(student) == history


# --- optimizing ----------------------------------------------------------------------------


def test_too_few_answers_are_refused_with_the_count(app, create_user, student):
    questions = make_deck(create_user, student, 12)
    answers = study_for(student, questions, days=10, new_per_day=4)
    add_undone_answers(student, questions, START + timedelta(days=11))

    with pytest.raises(TuningError) as refused:
        fsrs_tuning.optimize(student, START + timedelta(days=12))

    ready = fsrs_tuning.readiness(student)
    assert 0 < ready.reviews < answers  # learning steps and first answers do not count
    assert str(refused.value) == (
        "Optimizing needs 512 reviews of cards you already know on 14 different days; "
        f"you have {ready.reviews} on {ready.days} days. Keep studying and try again."
    )
    assert student.fsrs_parameters is None


def test_optimizing_fits_the_answers_better_and_the_next_answer_uses_the_fit(
    app, create_user, student
):
    questions = make_deck(create_user, student, DECK)
    answers = study_for(student, questions, DAYS, NEW_PER_DAY)
    now = START + timedelta(days=DAYS)

    result = fsrs_tuning.optimize(student, now)

    assert fsrs_tuning.readiness(student).open
    assert result.reviews == answers
    # Fitted on the earlier answers, judged on the later ones it never saw.
    assert result.fitted_on > 3 * result.judged_on > 0
    assert result.judged_from is not None and result.judged_from > START.date()
    assert result.parameters_before == scheduling.DEFAULT_PARAMETERS
    losses = (result.log_loss_before, result.log_loss_after, result.rmse_before, result.rmse_after)
    assert all(math.isfinite(loss) for loss in losses)
    assert result.log_loss_after <= result.log_loss_before + 1e-6
    assert result.stored
    assert student.fsrs_parameters == list(result.parameters_after)
    assert len(student.fsrs_parameters) == len(scheduling.DEFAULT_PARAMETERS)
    # The next answer is scheduled with the fitted parameters.
    prefs = study.preferences_of(student)
    assert prefs.parameters == result.parameters_after
    memory = scheduling.review(
        scheduling.first_memory(now), scheduling.GOOD, now, prefs, "s", UTC_DAYS
    )
    assert memory.stability == pytest.approx(result.parameters_after[2])


def test_optimizing_flushes_and_leaves_the_commit_to_the_caller(app, create_user, student):
    questions = make_deck(create_user, student, DECK)
    study_for(student, questions, DAYS, NEW_PER_DAY)

    result = fsrs_tuning.optimize(student, START + timedelta(days=DAYS))

    with db.session.no_autoflush:
        in_transaction = db.session.scalar(
            sa.select(User.fsrs_parameters).where(User.id == student.id)
        )
    assert in_transaction == list(result.parameters_after)
    db.session.rollback()
    assert student.fsrs_parameters is None


def test_a_fit_that_predicts_worse_is_not_stored(app, create_user, student, monkeypatch):
    questions = make_deck(create_user, student, DECK)
    study_for(student, questions, DAYS, NEW_PER_DAY)
    real_fsrs = fsrs_rs_python.FSRS

    class OverconfidentFSRS:
        """The real optimizer, except that its fit says every first memory lasts 50 days."""

        def __init__(self, parameters):
            self._fsrs = real_fsrs(parameters)

        def compute_parameters(self, items, **options):
            return [50.0] * 4 + self._fsrs.compute_parameters(items, **options)[4:]

        def evaluate(self, items):
            return self._fsrs.evaluate(items)

    monkeypatch.setattr(fsrs_rs_python, "FSRS", OverconfidentFSRS)

    result = fsrs_tuning.optimize(student, START + timedelta(days=DAYS))

    assert result.log_loss_after > result.log_loss_before
    assert not result.stored
    assert student.fsrs_parameters is None


def test_optimizing_again_on_the_same_answers_changes_nothing(app, create_user, student):
    questions = make_deck(create_user, student, DECK)
    study_for(student, questions, DAYS, NEW_PER_DAY)
    now = START + timedelta(days=DAYS)
    first = fsrs_tuning.optimize(student, now)

    again = fsrs_tuning.optimize(student, now)

    assert again.parameters_before == again.parameters_after == first.parameters_after
    assert not again.stored
    assert student.fsrs_parameters == list(first.parameters_after)


# --- parameters the scheduler accepts ------------------------------------------------------


def test_the_optimizers_32_bit_values_are_brought_inside_the_schedulers_bounds():
    fitted = list(fsrs_rs_python.DEFAULT_PARAMETERS)  # 32-bit values, as the optimizer gives
    fitted[9] = fitted[19] = fitted[20] = 0.800000011920929  # 0.8 in 32 bits, at the bound
    with pytest.raises(ValueError, match="out of bounds"):
        fsrs.Scheduler(parameters=fitted)

    parameters = fsrs_tuning.scheduler_parameters(fitted)

    assert parameters[9] == parameters[19] == parameters[20] == 0.8
    assert parameters[:4] == (0.212, 1.2931, 2.3065, 8.2956)
    fsrs.Scheduler(parameters=parameters)


def test_fsrs5_parameters_are_filled_in_to_fsrs6():
    fsrs5 = list(scheduling.DEFAULT_PARAMETERS[:19])

    parameters = fsrs_tuning.scheduler_parameters(fsrs5)

    # FSRS-5 had no w19 and a fixed forgetting-curve decay of 0.5.
    assert parameters == (*scheduling.DEFAULT_PARAMETERS[:19], 0.0, 0.5)
    fsrs.Scheduler(parameters=parameters)


# --- workload --------------------------------------------------------------------------------


def test_higher_retention_costs_more_reviews_a_day(app, create_user, student):
    questions = make_deck(create_user, student, 60)
    study_for(student, questions, days=40, new_per_day=6)
    make_deck(create_user, student, 40)  # enrolled, not seen yet: part of the deck too
    db.session.execute(
        sa.update(CardState)
        .where(CardState.user_id == student.id, CardState.question_id == questions[0].id)
        .values(suspended=True)
    )
    db.session.commit()

    points = fsrs_tuning.simulate_workload(student)

    assert [p.desired_retention for p in points] == [0.80, 0.85, 0.90, 0.95]
    assert all(p.cards == 99 for p in points)
    reviews = [p.reviews_per_day for p in points]
    assert all(fewer < more for fewer, more in pairwise(reviews)), reviews
    assert all(p.minutes_per_day > 0 and 0 < p.memorized <= 99 for p in points)


def test_simulated_minutes_follow_the_students_own_answer_times(app, create_user, student):
    questions = make_deck(create_user, student, 60)
    study_for(student, questions, days=40, new_per_day=6)
    brisk = fsrs_tuning.simulate_workload(student, retentions=(0.9,))[0]

    db.session.execute(
        sa.update(ReviewLog)
        .where(ReviewLog.user_id == student.id)
        .values(time_taken_ms=ReviewLog.time_taken_ms * 2)
    )
    slow = fsrs_tuning.simulate_workload(student, retentions=(0.9,))[0]

    assert slow.reviews_per_day == brisk.reviews_per_day
    assert slow.minutes_per_day > 1.5 * brisk.minutes_per_day


def test_an_empty_deck_simulates_no_work(app, student):
    points = fsrs_tuning.simulate_workload(student, retentions=(0.85, 0.9))

    assert [(p.desired_retention, p.reviews_per_day, p.cards) for p in points] == [
        (0.85, 0.0, 0),
        (0.9, 0.0, 0),
    ]


def test_retentions_outside_the_settings_range_are_refused(app, student):
    with pytest.raises(ValueError, match=r"0\.70 to 0\.97"):
        fsrs_tuning.simulate_workload(student, retentions=(0.5,))


# --- after a fit is kept -------------------------------------------------------------------


def test_keeping_a_fit_reschedules_cards_in_review_and_spreads_the_overdue(
    app, create_user, student
):
    questions = make_deck(create_user, student, DECK)
    study_for(student, questions, DAYS, NEW_PER_DAY)
    now = START + timedelta(days=DAYS)
    student.max_reviews_per_day = 20  # so that what comes out overdue needs spreading
    before = {
        c.question_id: (c.stability, c.due_day)
        for c in db.session.scalars(sa.select(CardState).where(CardState.state == 2))
    }

    result = fsrs_tuning.fit(student, now)
    moved = fsrs_tuning.keep_parameters(student, result, now)

    today = UTC_DAYS.day_of(now)
    cards = db.session.scalars(sa.select(CardState).where(CardState.state == 2)).all()
    assert moved > 0 and len(cards) == len(before)
    # This student forgets faster than the defaults thought: memories are weaker now.
    weaker = sum(1 for c in cards if c.stability < before[c.question_id][0])
    assert weaker > 0.8 * len(cards)
    assert all(c.due_day >= today and c.due == UTC_DAYS.start_of(c.due_day) for c in cards)
    # Cards that came out overdue are spread: no day gets more reviews than the limit
    # leaves, unless it had that many before.
    after_by_day = Counter(c.due_day for c in cards)
    before_by_day = Counter(day for _, day in before.values())
    assert all(n <= max(20, before_by_day[day]) for day, n in after_by_day.items())
    # Done again with nothing new, it changes nothing: the schedule is the parameters'.
    assert fsrs_tuning.reschedule(student, now) == 0
    assert student.fsrs_optimized_at == now
    assert student.fsrs_optimized_reviews == fsrs_tuning.readiness(student).reviews


def test_optimizing_is_suggested_once_open_then_monthly_or_when_reviews_double():
    now = START
    closed = fsrs_tuning.Readiness(reviews=600, days=10, optimized_at=None, reviews_then=0)
    assert not closed.open and not closed.suggested(now)
    never = fsrs_tuning.Readiness(reviews=600, days=20, optimized_at=None, reviews_then=0)
    assert never.suggested(now)
    recent = fsrs_tuning.Readiness(600, 20, optimized_at=now - timedelta(days=29), reviews_then=400)
    assert recent.open and not recent.suggested(now)
    assert fsrs_tuning.Readiness(600, 20, now - timedelta(days=30), 400).suggested(now)
    assert fsrs_tuning.Readiness(800, 20, now - timedelta(days=3), 400).suggested(now)


def test_the_health_check_names_ratings_that_would_mislead_a_fit(app, create_user, student):
    questions = make_deck(create_user, student, DECK)
    study_for(student, questions, DAYS, NEW_PER_DAY)
    assert fsrs_tuning.health(student) == []
    # Hard pressed for every lapse: a fail taken for a success.
    db.session.execute(
        sa.update(ReviewLog)
        .where(ReviewLog.rating == scheduling.AGAIN, ReviewLog.state_before.is_not(None))
        .values(rating=scheduling.HARD)
    )
    db.session.execute(
        sa.update(ReviewLog).where(ReviewLog.id % 3 == 0).values(rating=scheduling.HARD)
    )
    warnings = fsrs_tuning.health(student)
    assert any("press Hard on" in w for w in warnings)
    assert any("pressed Again on 0.0%" in w for w in warnings)
