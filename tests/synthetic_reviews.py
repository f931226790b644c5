"""A synthetic student for the optimizer's tests: their memory follows FSRS with
parameters of their own (a weaker memory than the defaults assume), while the app
schedules them with the defaults, as it does until they optimize. Their answers are
written straight into the review log with the states the scheduler gave, so the
optimizer sees what it would in production."""

import functools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
UTC_DAYS = Calendar("UTC")  # the students here keep the default zone and rollover
# About 2,200 answers (1,500 of cards in review): 200 cards, 10 new a day, studied every
# day for four months. With 100 cards (600 in review) a fit on the earlier 80% predicted
# the later 20% worse than the defaults did (log loss 0.423 against 0.402), and was
# rightly not kept: too little to learn this student from.
DECK, DAYS, NEW_PER_DAY = 200, 120, 10
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
