"""Fitting FSRS to a student's answers, and simulating the workload of each retention.

The synthetic student's memory follows FSRS with parameters of their own (a weaker
memory than the defaults assume), while the app schedules them with the defaults, as
it does until they optimize. Their answers are written straight into the review log
with the states the scheduler gave, so the optimizer sees what it would in production.
"""

import functools
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import fsrs
import fsrs_rs_python
import pytest
import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.domain.days import Calendar, day_bounds, study_day
from qbank.extensions import db
from qbank.models import (
    CardState,
    Enrollment,
    Question,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Role,
    User,
)
from qbank.services import fsrs_tuning, study
from qbank.services.fsrs_tuning import CardHistory, TuningError

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
UTC_DAYS = Calendar("UTC")  # the students here keep the default zone and rollover
# About 1,400 answers: 100 cards, 10 new a day, studied every day for four months.
DECK, DAYS, NEW_PER_DAY = 100, 120, 10
# Less stable first memories and a steeper forgetting curve than FSRS-6's defaults.
STUDENT_MEMORY = scheduling.Preferences(
    parameters=(
        0.1, 0.4, 1.0, 3.0,
        *scheduling.DEFAULT_PARAMETERS[4:8],
        1.5,  # w8: stability grows less with each successful review
        *scheduling.DEFAULT_PARAMETERS[9:20],
        0.35,  # w20: decay
    )
)  # fmt: skip


@dataclass(frozen=True)
class Answer:
    card: int  # the card's place in the deck
    at: datetime
    rating: int
    milliseconds: int
    state_before: dict[str, Any] | None
    state_after: dict[str, Any]
    memory: scheduling.Memory  # after the answer, as the scheduler sees it


def make_deck(create_user, student, n: int) -> list[Question]:
    owner = create_user(role=Role.FACULTY)
    question_set = QuestionSet(
        owner_id=owner.id,
        title="Deck",
        visibility="public",
        published=True,
        created_at=START,
        updated_at=START,
    )
    questions = []
    for i in range(n):
        question = Question(question_set=question_set, position=i, created_at=START)
        question.versions.append(
            QuestionVersion(number=1, kind="flashcard", stem=f"Q{i}", created_at=START)
        )
        questions.append(question)
    db.session.add_all(questions)
    db.session.flush()
    db.session.add(Enrollment(user_id=student.id, set_id=question_set.id, enrolled_at=START))
    db.session.commit()
    return questions


def study_for(student, questions, days: int, new_per_day: int) -> int:
    """Write the synthetic student's answers and card states; return how many answers."""
    answers = synthetic_answers(len(questions), days, new_per_day)
    db.session.execute(
        sa.insert(ReviewLog),
        [
            {
                "user_id": student.id,
                "question_id": questions[a.card].id,
                "question_version_id": questions[a.card].versions[0].id,
                "reviewed_at": a.at,
                "day": study_day(a.at, student.timezone, student.rollover_hour),
                "answer_token": f"answer-{n}",
                "chosen": [],
                "correct": a.rating > scheduling.AGAIN,
                "rating": a.rating,
                "time_taken_ms": a.milliseconds,
                "mode": "review",
                "state_before": a.state_before,
                "state_after": a.state_after,
            }
            for n, a in enumerate(answers)
        ],
    )
    last = {a.card: a.memory for a in answers}
    db.session.add_all(
        CardState(
            user_id=student.id,
            question_id=questions[card].id,
            state=memory.state,
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=memory.due,
            last_review=memory.last_review,
            reps=memory.reps,
            lapses=memory.lapses,
            due_day=memory.due_day,
            last_review_day=memory.last_day,
        )
        for card, memory in last.items()
    )
    db.session.commit()
    return len(answers)


@functools.cache
def synthetic_answers(cards: int, days: int, new_per_day: int) -> tuple[Answer, ...]:
    """Return the answers of a student who studies every morning for ``days``.

    Each session takes the reviews due that day, learning steps as they come due and the
    day's new cards. Pure and cached: tests that need the same history share the work.
    """
    rng = random.Random(f"{cards}:{days}:{new_per_day}")
    app: dict[int, scheduling.Memory] = {}  # as the scheduler sees each card
    truth: dict[int, scheduling.Memory] = {}  # the student's real memory of it
    answers: list[Answer] = []
    for day in range(days):
        now = START + timedelta(days=day, minutes=rng.randint(0, 180))
        today_end = day_bounds(study_day(now, "UTC"), "UTC")[1]
        new = [card for card in range(cards) if card not in app][:new_per_day]
        while True:
            due = sorted(
                (memory.due, card)
                for card, memory in app.items()
                if memory.due <= now
                or (memory.state == scheduling.REVIEW and memory.due < today_end)
            )
            batch = [card for _, card in due] + new
            new = []
            if not batch:
                steps = [m.due for m in app.values() if m.due < now + timedelta(hours=1)]
                if not steps:
                    break
                now = min(steps)
                continue
            for card in batch:
                if card in truth:
                    recall = scheduling.retrievability(truth[card], now, STUDENT_MEMORY)
                    recalled = rng.random() < recall
                    rating = (
                        rng.choices(scheduling.RATINGS[1:], weights=(10, 80, 10))[0]
                        if recalled
                        else scheduling.AGAIN
                    )
                else:
                    rating = rng.choices(scheduling.RATINGS, weights=(25, 10, 55, 10))[0]
                before = app.get(card)
                seed = f"card-{card}"
                app[card] = scheduling.review(
                    before or scheduling.first_memory(now),
                    rating,
                    now,
                    scheduling.Preferences(),
                    seed,
                    UTC_DAYS,
                )
                truth[card] = scheduling.review(
                    truth.get(card) or scheduling.first_memory(now),
                    rating,
                    now,
                    STUDENT_MEMORY,
                    seed,
                    UTC_DAYS,
                )
                answers.append(
                    Answer(
                        card=card,
                        at=now,
                        rating=rating,
                        milliseconds=rng.randint(4_000, 30_000),
                        state_before=before.as_json() if before else None,
                        state_after=app[card].as_json(),
                        memory=app[card],
                    )
                )
                now += timedelta(seconds=rng.randint(8, 35))
    return tuple(answers)


def add_undone_answers(student, questions, at: datetime) -> None:
    """Answer each card once more, as if new and Again, and take every one of those back."""
    for n, question in enumerate(questions):
        db.session.add(
            ReviewLog(
                user_id=student.id,
                question_id=question.id,
                question_version_id=question.versions[0].id,
                reviewed_at=at + timedelta(minutes=n),
                day=study_day(at, student.timezone, student.rollover_hour),
                answer_token=f"undone-{question.id}",
                correct=False,
                rating=scheduling.AGAIN,
                time_taken_ms=5000,
                state_before=None,
                state_after=scheduling.first_memory(at).as_json(),
                undone_at=at + timedelta(minutes=n, seconds=5),
            )
        )
    db.session.commit()


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

    assert history == [CardHistory(question.id, ((3, 0), (3, 0), (1, 1), (3, 2)))]
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

    assert str(refused.value) == (
        f"You need at least 400 reviews to optimize; you have {answers}. "
        "Keep studying and try again."
    )
    assert student.fsrs_parameters is None


def test_optimizing_fits_the_answers_better_and_the_next_answer_uses_the_fit(
    app, create_user, student
):
    questions = make_deck(create_user, student, DECK)
    answers = study_for(student, questions, DAYS, NEW_PER_DAY)
    now = START + timedelta(days=DAYS)

    result = fsrs_tuning.optimize(student, now)

    assert answers >= fsrs_tuning.MIN_REVIEWS
    assert result.reviews == answers
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
