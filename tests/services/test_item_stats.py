"""Item statistics from real answers recorded through the study service."""

import pytest

from qbank.domain.item_analysis import Flag
from qbank.extensions import db
from qbank.models import Role
from qbank.services import enrollment, item_stats, study
from qbank.services import question_bank as bank
from tests.bank_helpers import sba

SECRET = "item-stats"


def answer(student, question_id, clock, chosen):
    token = study.card_view(student, question_id, clock.now(), SECRET).token
    study.record_answer(student, question_id, token, [chosen], None, 9000, clock.now(), SECRET)
    db.session.commit()
    clock.advance(seconds=30)


@pytest.fixture
def answered_set(create_user, published_set, clock):
    """Five questions, twelve students' first answers.

    Questions 0-2 tell the strong half from the weak; everyone gets question 3; question
    4's key is wrong: the strong half picks B, the weak half A (the key) or C.
    """
    question_set = published_set(5, title="Cardiology")
    owner = question_set.owner
    questions = sorted(question_set.questions, key=lambda q: q.position)
    students = [create_user() for _ in range(12)]
    for n, student in enumerate(students):
        enrollment.enroll(student, question_set, clock.now())
        strong = n < 6
        picks = ["A" if strong else "B"] * 3 + ["A"]
        picks.append("B" if strong else ("A" if n < 11 else "C"))
        for question, pick in zip(questions, picks, strict=True):
            answer(student, question.id, clock, pick)
    return owner, question_set, questions, students


def by_question(question_set):
    return {f.question.id: f for f in item_stats.set_statistics(question_set)}


def test_first_answers_give_difficulty_discrimination_and_flags(answered_set):
    _owner, question_set, questions, _students = answered_set
    figures = by_question(question_set)
    assert list(figures) == [q.id for q in questions]  # in the set's order
    good = figures[questions[0].id]
    assert (good.stats.answers, good.stats.correct) == (12, 6)
    assert good.stats.discrimination > 0.5 and good.flags == []
    assert figures[questions[3].id].flags == [Flag.TOO_EASY]
    faulty = figures[questions[4].id]
    assert faulty.stats.chosen == {"A": 5, "B": 6, "C": 1}
    assert faulty.flags == [Flag.NEGATIVE_DISCRIMINATION, Flag.DISTRACTOR_BEATS_KEY]


def test_one_questions_figures_equal_those_of_the_whole_set(answered_set, create_user, clock):
    _owner, question_set, questions, _students = answered_set
    loner = create_user()  # answers one question only: no rest of the set to compare
    enrollment.enroll(loner, question_set, clock.now())
    answer(loner, questions[2].id, clock, "B")
    figures = by_question(question_set)
    for question in questions:
        assert item_stats.question_statistics(question) == figures[question.id]
    bank.retire_question(questions[0], True, clock.now())
    assert item_stats.question_statistics(questions[0]) is None


def test_only_first_answers_count(answered_set, create_user, clock):
    _owner, question_set, questions, students = answered_set
    # A second answer (a learning step) is a review, not a first answer.
    clock.advance(minutes=15)
    answer(students[6], questions[0].id, clock, "A")
    # An undone first answer is not an answer.
    late = create_user()
    enrollment.enroll(late, question_set, clock.now())
    answer(late, questions[0].id, clock, "A")
    study.undo_last_answer(late, clock.now())
    db.session.commit()
    assert by_question(question_set)[questions[0].id].stats.correct == 6
    assert by_question(question_set)[questions[0].id].stats.answers == 12


def test_an_edit_starts_the_figures_afresh_and_retired_questions_drop_out(answered_set, clock):
    owner, question_set, questions, _students = answered_set
    _, outcome = bank.save_question(
        question_set, sba(4, stem="Item 4, key fixed"), owner, clock.now(), questions[4]
    )
    bank.retire_question(questions[3], True, clock.now())
    db.session.commit()
    assert outcome == "versioned"
    figures = by_question(question_set)
    assert questions[3].id not in figures
    fixed = figures[questions[4].id]
    assert fixed.version.number == 2 and fixed.stats.answers == 0 and fixed.flags == []
    assert figures[questions[0].id].stats.answers == 12  # the rest of the set unchanged


def test_the_owner_sees_the_page_and_no_one_else_does(client, auth, answered_set, create_user):
    owner, question_set, questions, students = answered_set
    auth.login(owner.email)
    page = client.get(f"/sets/{question_set.id}/statistics").get_data(as_text=True)
    assert "2 questions to look at" in page
    assert "a wrong option drew more first answers than the right one" in page
    assert "Too easy: more than 90% right first time." in page
    one = client.get(f"/sets/{question_set.id}/questions/{questions[4].id}")
    text = " ".join(one.get_data(as_text=True).split())
    assert "First answers to version 1" in text
    assert "12 students · 42% right first time · discrimination -0.85" in text
    auth.logout()
    other = create_user(role=Role.FACULTY, email="other@example.edu")
    auth.login(other.email)
    assert client.get(f"/sets/{question_set.id}/statistics").status_code == 403
    auth.logout()
    auth.login(students[0].email)
    assert client.get(f"/sets/{question_set.id}/statistics").status_code == 403


def test_the_table_pages_through_a_large_set(client, auth, create_user, clock):
    owner = create_user(role=Role.FACULTY, email="owner@example.edu")
    question_set = bank.create_set(owner, "Big", "", clock.now())
    for n in range(55):
        bank.save_question(question_set, sba(n, stem=f"Big item {n}"), owner, clock.now())
    db.session.commit()
    auth.login(owner.email)
    first = client.get(f"/sets/{question_set.id}/statistics").get_data(as_text=True)
    assert "Big item 49" in first and "Big item 50" not in first
    assert "55 questions · page 1 of 2" in first
    assert "no question is flagged yet (flags need 10 first answers)" in first
    last = client.get(f"/sets/{question_set.id}/statistics?page=99").get_data(as_text=True)
    assert "Big item 54" in last and "Big item 49" not in last and "page 2 of 2" in last
