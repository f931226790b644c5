"""The student's card browser: which cards each filter finds, a page at a time, and the
actions it offers (unbury, reset) besides suspend and flag."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import CardState, Question, QuestionSet, ReviewLog, Role
from qbank.services import enrollment, study
from qbank.services.study import browser
from qbank.services.study.browser import CardFilter, Status
from tests.bank_helpers import publish_set
from tests.support import review_card

SECRET = "test-secret"
RIGHT, WRONG = ["A"], ["B"]


@pytest.fixture
def student(create_user):
    return create_user(email="student@example.edu", timezone="Europe/Berlin")


@pytest.fixture
def sets(student, published_set, create_user, clock):
    """Two sets the student studies (3 cardio, 2 renal questions) and one they do not."""
    cardio = published_set(3, "Cardio", tags=["Cardiology::Valves::Aortic"])
    renal = published_set(2, "Renal", tags=["Renal_Tubule::Acid base"])
    other = create_user(role=Role.FACULTY, email="other@example.edu")
    publish_set(other, clock.now(), 2, "Not enrolled", tags=["Cardiology"])
    for question_set in (cardio, renal):
        enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    return cardio, renal


def answer(student, question_id, now, chosen):
    token = study.card_view(student, question_id, now, SECRET).token
    study.record_answer(student, question_id, token, list(chosen), None, 5000, now, SECRET)
    db.session.commit()


def ids(page):
    return [row.question_id for row in page.rows]


def find(student, clock, **wanted):
    return browser.browse(student, clock.now(), CardFilter(**wanted))


def test_all_cards_of_the_students_sets_and_nothing_else(student, sets, clock):
    cardio, renal = sets
    page = find(student, clock)
    assert ids(page) == [q.id for q in cardio.questions] + [q.id for q in renal.questions]
    assert page.total == 5 and page.pages == 1
    assert all(row.is_new and not row.flagged for row in page.rows)
    assert page.rows[0].set_title == "Cardio"
    assert page.rows[0].tags == ("Cardiology::Valves::Aortic",)
    assert page.sets == [(cardio.id, "Cardio"), (renal.id, "Renal")]
    # Every level of each tag, for the filter; the unenrolled set's tags are not there.
    assert page.tags == [
        "Cardiology",
        "Cardiology::Valves",
        "Cardiology::Valves::Aortic",
        "Renal_Tubule",
        "Renal_Tubule::Acid base",
    ]


def test_set_and_tag_filters_take_the_tags_below(student, sets, clock):
    cardio, renal = sets
    assert ids(find(student, clock, set_id=renal.id)) == [q.id for q in renal.questions]
    assert ids(find(student, clock, tag="Cardiology::Valves")) == [q.id for q in cardio.questions]
    assert ids(find(student, clock, tag="Cardiology::Val")) == []  # a level, not a prefix
    assert ids(find(student, clock, tag="Renal_Tubule")) == [q.id for q in renal.questions]
    assert ids(find(student, clock, tag="Renal%")) == []  # LIKE's wildcards are escaped
    assert ids(find(student, clock, set_id=renal.id, tag="Cardiology")) == []


def test_status_filters(student, sets, clock):
    cardio, renal = sets
    missed, known, flagged, suspended, buried = cardio.questions + renal.questions
    answer(student, missed.id, clock.now(), WRONG)
    answer(student, known.id, clock.now(), RIGHT)
    study.set_flagged(student, flagged.id, True, clock.now())
    study.set_suspended(student, suspended.id, True, clock.now())
    study.bury(student, buried.id, clock.now())
    db.session.commit()

    def status(s):
        return set(ids(find(student, clock, status=s)))

    assert status(Status.MISSED) == {missed.id}
    assert status(Status.FLAGGED) == {flagged.id}
    assert status(Status.SUSPENDED) == {suspended.id}
    assert status(Status.BURIED) == {buried.id}
    assert status(Status.NEW) == set()  # acting on a new card starts its state
    # Answered cards are in learning steps a minute or ten away: due within the week.
    assert {missed.id, known.id} <= status(Status.DUE_WEEK)
    clock.advance(hours=1)
    assert {missed.id, known.id} <= status(Status.DUE)
    clock.advance(days=1)
    assert buried.id not in status(Status.BURIED)  # the next study day: no longer buried


def test_a_review_due_later_is_in_the_week_filter_only_when_due_within_it(student, sets, clock):
    cardio, _ = sets
    soon, later = cardio.questions[:2]
    review_card(student, soon, clock.now(), stability=10, last_days_ago=3, due_in=6)
    review_card(student, later, clock.now(), stability=30, last_days_ago=3, due_in=7)
    db.session.commit()
    assert ids(find(student, clock, status=Status.DUE_WEEK)) == [soon.id]
    assert ids(find(student, clock, status=Status.DUE)) == []
    row = find(student, clock, set_id=cardio.id).rows[0]
    assert row.is_review and row.due_day is not None


def test_pages_of_fifty(student, published_set, clock):
    big = published_set(60, "Big")
    enrollment.enroll(student, big, clock.now())
    db.session.commit()
    first = find(student, clock)
    assert (len(first.rows), first.total, first.pages) == (50, 60, 2)
    second = find(student, clock, page=2)
    assert len(second.rows) == 10 and not set(ids(first)) & set(ids(second))
    assert find(student, clock, page=99).page == 2  # past the end: the last page
    assert find(student, clock, page=-3).page == 1


def test_a_page_takes_five_queries_however_many_cards(student, published_set, clock, count_queries):
    big = published_set(60, "Big")
    enrollment.enroll(student, big, clock.now())
    db.session.commit()
    with count_queries() as statements:
        find(student, clock, status=Status.MISSED)
    assert len(statements.selects) == 5, statements.selects


def test_unbury_brings_a_card_back_to_today(student, sets, clock):
    question = sets[0].questions[0]
    study.bury(student, question.id, clock.now())
    db.session.commit()

    def in_queue():
        queue = study.queue_for(student, clock.now())
        return question.id in [s.question_id for s in queue.learning] + queue.new

    assert not in_queue()
    study.unbury(student, question.id, clock.now())
    db.session.commit()
    assert in_queue()
    assert not find(student, clock, status=Status.BURIED).rows


def test_reset_makes_a_card_new_and_keeps_its_answers(student, sets, clock):
    question = sets[0].questions[0]
    answer(student, question.id, clock.now(), WRONG)
    assert study.reset(student, question.id) is True
    db.session.commit()
    assert db.session.scalar(sa.select(CardState).where(CardState.user_id == student.id)) is None
    assert find(student, clock, status=Status.NEW).total == 5
    assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 1
    assert study.reset(student, question.id) is False  # new already


def test_reset_refuses_a_card_outside_the_students_sets(student, sets, clock):
    other_q = db.session.scalar(
        sa.select(Question.id).join(QuestionSet).where(QuestionSet.title == "Not enrolled")
    )
    with pytest.raises(study.StudyError, match="not in your sets"):
        study.reset(student, other_q)
