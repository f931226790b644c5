from datetime import timedelta

import pytest
import sqlalchemy as sa

from qbank.domain import exams as rules
from qbank.extensions import db
from qbank.models import CardState, ExamDate
from qbank.services import cohorts, enrollment, exams, study
from tests.support import review_card

SECRET = "exams"


@pytest.fixture
def student(create_user):
    return create_user(email="student@example.edu", timezone="Europe/Berlin")


def test_an_exam_brings_the_reviews_that_would_fall_short_before_it(student, published_set, clock):
    question_set = published_set(3)
    enrollment.enroll(student, question_set, clock.now())
    now = clock.now()
    today = study.today_for(student, now).day
    weak, strong, soon = sorted(question_set.questions, key=lambda q: q.position)
    # Exam in 10 days. Weak: stability 8, due in 20 days: about 0.82 on the day. Strong:
    # stability 400, due in 100: 0.99. Soon: due in 3 days, before the exam anyway.
    review_card(student, weak, now, 8.0, 2, 20)
    review_card(student, strong, now, 400.0, 2, 100)
    review_card(student, soon, now, 8.0, 5, 3)
    db.session.commit()
    exam = today + timedelta(days=10)
    assert exams.set_exam(student, question_set, exam, now) == 1
    db.session.commit()
    days = {
        qid: day
        for qid, day in db.session.execute(sa.select(CardState.question_id, CardState.due_day))
    }
    assert today < days[weak.id] < exam
    assert days[strong.id] == today + timedelta(days=100)
    assert days[soon.id] == today + timedelta(days=3)
    plan = {line.question_set.id: line for line in exams.exam_plan(student, now)}[question_set.id]
    assert (plan.day, plan.own, plan.studied, plan.questions) == (exam, True, 3, 3)
    assert plan.reviews_before == 2
    decay = study.preferences_of(student).parameters[20]
    expected = [
        rules.recall_after(8.0, (exam - days[weak.id]).days, decay),
        rules.recall_after(400.0, 12, decay),
        rules.recall_after(8.0, 7, decay),
    ]
    assert plan.predicted == pytest.approx(sum(expected) / 3)


def test_with_an_exam_coming_the_buttons_still_show_what_an_answer_gives(
    student, published_set, clock
):
    question_set = published_set(1)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    question = question_set.questions[0]
    now = clock.now()
    today = study.today_for(student, now).day
    review_card(student, question, now, 3.0, 3, 0)  # due today: Good gives ~11 days
    exams.set_exam(student, question_set, today + timedelta(days=12), now)
    db.session.commit()
    card = study.card_view(student, question.id, now, SECRET)
    log, _ = study.record_answer(student, question.id, card.token, ["A"], None, 5000, now, SECRET)
    db.session.commit()
    state = study.state_of(student, question.id)
    assert timedelta(days=(state.due_day - today).days) == card.intervals[log.rating]
    assert state.due_day < today + timedelta(days=12)


def test_a_students_own_date_comes_before_the_cohorts_and_past_exams_are_over(
    student, create_user, published_set, clock
):
    question_set = published_set(2)
    now = clock.now()
    rep = create_user(email="rep@example.edu")
    cohort = cohorts.create_cohort("Year 2", rep, "UTC", now)
    cohorts.add_member(cohort, student, now)
    cohorts.assign_set(cohort, question_set, rep, now)
    db.session.commit()
    today = study.today_for(student, now).day
    with pytest.raises(exams.ExamError, match="after today"):
        exams.set_cohort_exam(rep, cohort, question_set, today, now)
    exams.set_cohort_exam(rep, cohort, question_set, today + timedelta(days=30), now)
    db.session.commit()
    assert study.exam_day_for(student, question_set.id, today) == today + timedelta(days=30)
    exams.set_exam(student, question_set, today + timedelta(days=20), now)
    db.session.commit()
    assert study.exam_day_for(student, question_set.id, today) == today + timedelta(days=20)
    assert study.exam_day_for(student, question_set.id, today + timedelta(days=20)) is None
    exams.clear_exam(student, question_set)
    db.session.commit()
    assert study.exam_day_for(student, question_set.id, today) == today + timedelta(days=30)
    assert exams.cohort_exam_days(cohort) == {question_set.id: today + timedelta(days=30)}


def test_an_exam_date_needs_a_set_studied_or_assigned_and_a_day_to_come(
    student, create_user, published_set, clock
):
    question_set = published_set(1)
    now = clock.now()
    today = study.today_for(student, now).day
    with pytest.raises(exams.ExamError, match="only on a set you study"):
        exams.set_exam(student, question_set, today + timedelta(days=5), now)
    enrollment.enroll(student, question_set, now)
    with pytest.raises(exams.ExamError, match="within the next two years"):
        exams.set_exam(student, question_set, today + timedelta(days=800), now)
    rep = create_user(email="rep@example.edu")
    cohort = cohorts.create_cohort("Year 2", rep, "UTC", now)
    with pytest.raises(exams.ExamError, match="Assign the set"):
        exams.set_cohort_exam(rep, cohort, question_set, today + timedelta(days=5), now)
    assert db.session.scalar(sa.select(sa.func.count(ExamDate.id))) == 0


def test_the_exam_page_takes_five_queries_however_many_sets(
    student, published_set, clock, count_queries
):
    now = clock.now()
    for n in range(4):
        question_set = published_set(3, title=f"Set {n}")
        enrollment.enroll(student, question_set, now)
        for question in question_set.questions:
            review_card(student, question, now, 5.0, 2, 20)
        db.session.commit()
        exams.set_exam(
            student, question_set, study.today_for(student, now).day + timedelta(days=9), now
        )
    db.session.commit()
    db.session.refresh(student)
    with count_queries() as statements:
        lines = exams.exam_plan(student, now)
    assert len(lines) == 4 and all(line.studied == 3 and line.predicted for line in lines)
    assert len(statements.selects) == 5
