"""A synthetic student studies every day for 90 days through the services.

Their memory follows the FSRS forgetting curve: a review-state card is recalled with
the probability FSRS predicts for it at that moment. If the scheduler does its job,
the share of review-state answers recalled lands near the desired retention.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest

from qbank.domain import scheduling
from qbank.extensions import db
from qbank.models import Role, Visibility
from qbank.services import enrollment, study
from qbank.services import question_bank as bank
from tests.bank_helpers import sba

SECRET = "simulation"
DAYS = 90
NEW_PER_DAY = 12
QUESTIONS = 540  # new cards for the first 45 days


def build_deck(owner, now):
    question_set = bank.create_set(owner, "Simulation", "", now)
    tags = bank.tags_named({"Sim"})
    for n in range(QUESTIONS):
        bank.add_question(
            question_set, sba(n, stem=f"Sim {n}", tags=["Sim"]), owner, now, n, tags, []
        )
    db.session.flush()
    bank.update_set(question_set, "Simulation", "", Visibility.PUBLIC, [], owner, now)
    bank.publish_set(question_set, True, now)
    return question_set


@pytest.mark.slow
@pytest.mark.parametrize("desired", [0.80, 0.90])
def test_recall_lands_near_the_desired_retention(app, create_user, clock, desired):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the simulation checks the scheduler, not the engine: SQLite is enough")
    owner = create_user(role=Role.FACULTY)
    # New York changes to summer time on 8 March, inside the 90 days.
    student = create_user(
        desired_retention=desired,
        new_cards_per_day=NEW_PER_DAY,
        max_reviews_per_day=9999,
        timezone="America/New_York",
    )
    start = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)  # 9 a.m. in New York
    clock.set(start)
    enrollment.enroll(student, build_deck(owner, start), start)
    db.session.commit()
    prefs = study.preferences_of(student)
    rng = random.Random(f"simulation:{desired}")
    tally = Tally()

    for day in range(DAYS):
        clock.set(start + timedelta(days=day))
        today = study.today_for(student, clock.now())
        while True:
            # Answer the whole queue as it stands, then look again for learning steps.
            queue = study.queue_for(student, clock.now())
            batch = [c.question_id for c in queue.learning + queue.reviews] + queue.new
            if not batch:
                if queue.later and queue.later < today.end:
                    clock.set(queue.later)  # wait for the next learning step today
                    continue
                break
            for question_id in batch:
                answer(student, question_id, clock, prefs, rng, tally)

    assert tally.review_answers > 600
    retention = tally.recalled / tally.review_answers
    assert abs(retention - desired) <= 0.03, (tally.recalled, tally.review_answers)


class Tally:
    def __init__(self) -> None:
        self.review_answers = 0
        self.recalled = 0


def answer(student, question_id, clock, prefs, rng, tally):
    """Answer one card as the synthetic student would remember it."""
    state = study.state_of(student, question_id)
    if state is not None and state.state == scheduling.REVIEW:
        chance = scheduling.retrievability(study.memory_of(state), clock.now(), prefs)
        remembered = rng.random() < chance
        tally.review_answers += 1
        tally.recalled += remembered
    else:
        remembered = rng.random() < 0.85
    token = study.answer_token(
        SECRET, student, question_id, study.last_log_id(student, question_id)
    )
    chosen = ["A" if remembered else "B"]
    study.record_answer(student, question_id, token, chosen, None, 8000, clock.now(), SECRET)
    db.session.commit()
    clock.advance(seconds=20)
