"""A card's info page: its memory, forgetting curve and history, for whoever may see it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.extensions import db
from qbank.models import CardState, Visibility
from qbank.services import enrollment, study
from qbank.services import question_bank as bank
from qbank.services.study import info

SECRET = "test-secret"
RIGHT, WRONG = ("A",), ("B",)


@pytest.fixture
def student(create_user):
    return create_user(email="student@example.edu", timezone="Europe/Berlin")


@pytest.fixture
def question(student, published_set, clock):
    """The first question of a public set the student is enrolled in."""
    question_set = published_set(2)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    return question_set.questions[0]


def answer(student, question_id, now, chosen=RIGHT, time_ms=5000):
    token = study.card_view(student, question_id, now, SECRET).token
    log, _ = study.record_answer(
        student, question_id, token, list(chosen), None, time_ms, now, SECRET
    )
    db.session.commit()
    return log


def learn(student, question, clock):
    """Answer right twice, ten minutes apart: through the learning steps into review."""
    answer(student, question.id, clock.now())
    clock.advance(minutes=10)
    answer(student, question.id, clock.now(), time_ms=12_000)


def state(student, question) -> CardState:
    return db.session.scalar(
        sa.select(CardState).where(
            CardState.user_id == student.id, CardState.question_id == question.id
        )
    )


def test_a_card_never_answered_is_new_with_no_figures(student, question, clock):
    card = info.card_info(student, question.id, clock.now())
    assert card.is_new and card.state_name == "New"
    assert card.memory is None and card.now is None and card.due_day is None
    assert card.curve == [] and card.answers == []
    assert card.version.stem == "Cardio question 0" and card.set_title == "Cardio"


def test_a_suspended_new_card_is_still_new(student, question, clock):
    study.set_suspended(student, question.id, True, clock.now())
    db.session.commit()
    card = info.card_info(student, question.id, clock.now())
    assert card.is_new and card.suspended and card.due_day is None


def test_the_figures_are_the_card_states(student, question, clock):
    learn(student, question, clock)
    clock.advance(days=1)
    card = info.card_info(student, question.id, clock.now())
    kept = state(student, question)
    assert card.state_name == "Review"
    assert (card.memory.stability, card.memory.difficulty) == (kept.stability, kept.difficulty)
    assert card.due_day == kept.due_day
    assert card.days_until_due == (kept.due_day - card.today).days
    prefs = study.preferences_of(student)
    assert card.now.chance == pytest.approx(
        scheduling.retrievability(study.memory_of(kept), clock.now(), prefs)
    )
    assert card.now.day == card.today
    assert card.now.days_after_review == pytest.approx(1.0)
    # The schedule aims for the desired retention on the due day.
    assert card.at_due.day == kept.due_day
    assert 0.8 < card.at_due.chance < card.now.chance < 1


def test_a_learning_step_is_due_in_minutes(student, question, clock):
    answer(student, question.id, clock.now())
    clock.advance(minutes=4)
    card = info.card_info(student, question.id, clock.now())
    assert card.state_name == "Learning" and card.in_learning_step
    assert card.step_wait == timedelta(minutes=6)
    clock.advance(minutes=30)
    assert info.card_info(student, question.id, clock.now()).step_wait == timedelta(0)


def test_the_curve_falls_from_the_last_review_over_two_stabilities(student, question, clock):
    learn(student, question, clock)
    card = info.card_info(student, question.id, clock.now())
    days = [d for d, _ in card.curve]
    chances = [c for _, c in card.curve]
    assert card.curve[0] == (0.0, 1.0)
    assert days[-1] == pytest.approx(2 * card.memory.stability)
    assert chances == sorted(chances, reverse=True) and chances[-1] < card.desired_retention


def test_the_curve_reaches_today_when_the_card_is_long_overdue(student, question, clock):
    learn(student, question, clock)
    stability = info.card_info(student, question.id, clock.now()).memory.stability
    clock.advance(days=round(5 * stability))
    card = info.card_info(student, question.id, clock.now())
    assert card.days_until_due < 0
    assert card.curve[-1][0] > card.now.days_after_review
    assert card.curve[-1][1] < card.now.chance


def test_the_history_lists_every_answer_newest_first_with_the_wait_it_gave(
    student, question, clock
):
    learn(student, question, clock)
    due_day = state(student, question).due_day
    clock.advance(days=1)
    answer(student, question.id, clock.now(), chosen=WRONG, time_ms=0)
    study.undo_last_answer(student, clock.now())
    db.session.commit()

    card = info.card_info(student, question.id, clock.now())
    undone, second, first = card.answers
    assert (first.rating, first.correct, first.interval) == (3, True, timedelta(minutes=10))
    assert first.day == date(2026, 3, 2) and first.time_taken_ms == 5000
    assert second.interval == timedelta(days=(due_day - second.day).days)
    assert second.time_taken_ms == 12_000 and not second.undone
    assert (undone.rating, undone.correct, undone.undone) == (1, False, True)
    assert undone.day == date(2026, 3, 3) and not undone.moved_the_schedule
    assert card.undone_answers == 1
    assert card.due_day == due_day  # the undo put the card back


def test_undoing_the_only_answer_leaves_a_new_card_with_its_history(student, question, clock):
    answer(student, question.id, clock.now())
    study.undo_last_answer(student, clock.now())
    db.session.commit()
    card = info.card_info(student, question.id, clock.now())
    assert card.is_new and [a.undone for a in card.answers] == [True]


def test_another_students_answers_are_not_shown(student, question, create_user, clock):
    other = create_user(email="other@example.edu")
    enrollment.enroll(other, question.question_set, clock.now())
    learn(other, question, clock)
    card = info.card_info(student, question.id, clock.now())
    assert card.is_new and card.answers == []
    assert len(info.card_info(other, question.id, clock.now()).answers) == 2


def test_a_question_the_student_may_not_see_has_no_card_info(
    student, published_set, create_user, clock
):
    private = published_set(1, title="Private")
    owner = private.owner
    bank.update_set(private, private.title, "", Visibility.PRIVATE, [], owner, clock.now())
    db.session.commit()
    assert info.card_info(student, private.questions[0].id, clock.now()) is None
    assert info.card_info(owner, private.questions[0].id, clock.now()).is_new
    assert info.card_info(student, 999_999, clock.now()) is None


def test_a_set_made_private_or_retired_closes_the_card_info_history_and_all(
    student, question, clock
):
    learn(student, question, clock)
    question_set = question.question_set
    owner = question_set.owner
    bank.update_set(
        question_set, question_set.title, "", Visibility.PRIVATE, [], owner, clock.now()
    )
    db.session.commit()
    assert info.card_info(student, question.id, clock.now()) is None

    bank.update_set(question_set, question_set.title, "", Visibility.PUBLIC, [], owner, clock.now())
    bank.retire_set(question_set, True, clock.now())
    db.session.commit()
    assert info.card_info(student, question.id, clock.now()) is None
    bank.retire_set(question_set, False, clock.now())
    db.session.commit()
    assert len(info.card_info(student, question.id, clock.now()).answers) == 2


def test_a_retired_question_keeps_its_card_info_and_says_so(student, question, clock):
    learn(student, question, clock)
    bank.retire_question(question, True, clock.now())
    db.session.commit()
    card = info.card_info(student, question.id, clock.now())
    assert card.retired and len(card.answers) == 2


def test_without_an_exam_there_is_no_recall_on_exam_day(student, question, clock):
    learn(student, question, clock)
    assert info.card_info(student, question.id, clock.now()).on_exam is None


def test_an_exam_date_gets_its_chance_of_recall(student, question, clock):
    from qbank.services import exams

    learn(student, question, clock)
    exam = date(2026, 4, 20)
    exams.set_exam(student, question.question_set, exam, clock.now())
    db.session.commit()
    card = info.card_info(student, question.id, clock.now())
    start = study.calendar_of(student).start_of(exam)
    assert card.on_exam.day == exam
    assert card.on_exam.chance == pytest.approx(
        scheduling.retrievability(card.memory, start, study.preferences_of(student))
    )
    assert card.curve[-1][0] > card.on_exam.days_after_review  # the curve reaches the exam


def test_card_info_takes_five_queries_however_long_the_history(
    student, question, clock, count_queries
):
    for n in range(30):
        answer(student, question.id, clock.now(), chosen=WRONG if n % 5 == 0 else RIGHT)
        clock.advance(days=1)
    question_id = question.id
    db.session.refresh(student)  # the commits expired both; reloading is not the page's cost
    with count_queries() as statements:
        card = info.card_info(student, question_id, clock.now())
    assert len(card.answers) == 30
    assert len(statements.selects) == 5
