import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Question, QuestionVersion, ReviewLog, Role, Visibility
from qbank.services import access
from qbank.services import question_bank as bank
from qbank.services.cohorts import add_faculty, add_member, create_cohort
from tests.bank_helpers import sba


@pytest.fixture
def faculty(create_user):
    return create_user(role=Role.FACULTY, email="fac@example.edu")


def review_of(question, student, now, token="t1"):
    version = bank.current_version(question)
    db.session.add(
        ReviewLog(
            user_id=student.id,
            question_id=question.id,
            question_version_id=version.id,
            reviewed_at=now,
            answer_token=token,
            chosen=["A"],
            correct=True,
            rating=3,
            time_taken_ms=5000,
            state_after={},
        )
    )
    db.session.flush()


def test_editing_an_unanswered_question_changes_it_in_place(faculty, clock):
    question_set = bank.create_set(faculty, "Cardio", "", clock.now())
    question, outcome = bank.save_question(question_set, sba(), faculty, clock.now())
    assert outcome == "created"
    question, outcome = bank.save_question(
        question_set, sba(stem="Edited stem"), faculty, clock.now(), question=question
    )
    assert outcome == "updated"
    assert question.current_version == 1
    assert bank.current_version(question).stem == "Edited stem"


def test_editing_an_answered_question_keeps_the_old_version(faculty, create_user, clock):
    student = create_user()
    question_set = bank.create_set(faculty, "Cardio", "", clock.now())
    question, _ = bank.save_question(question_set, sba(), faculty, clock.now())
    review_of(question, student, clock.now())
    question, outcome = bank.save_question(
        question_set, sba(stem="A better stem"), faculty, clock.now(), question=question
    )
    db.session.commit()
    assert outcome == "versioned"
    assert question.current_version == 2
    versions = db.session.scalars(
        sa.select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.number)
    ).all()
    assert [v.stem for v in versions] == [sba().stem, "A better stem"]
    review = db.session.scalar(sa.select(ReviewLog))
    assert review.question_version_id == versions[0].id


def test_saving_the_same_content_changes_nothing(faculty, clock):
    question_set = bank.create_set(faculty, "Cardio", "", clock.now())
    question, _ = bank.save_question(question_set, sba(), faculty, clock.now())
    _, outcome = bank.save_question(question_set, sba(), faculty, clock.now(), question=question)
    assert outcome == "unchanged"


def test_an_empty_set_cannot_be_published(faculty, clock):
    question_set = bank.create_set(faculty, "Empty", "", clock.now())
    with pytest.raises(bank.BankError, match="no questions yet"):
        bank.publish_set(question_set, True, clock.now())


def test_visibility_rules(faculty, create_user, clock):
    other_faculty = create_user(role=Role.FACULTY)
    admin = create_user(role=Role.ADMIN)
    member, outsider, rep = create_user(), create_user(), create_user()
    cohort = create_cohort("Year 2", rep, "UTC", clock.now())
    add_member(cohort, member, clock.now())
    add_faculty(cohort, faculty, rep, clock.now())
    question_set = bank.create_set(faculty, "Renal", "", clock.now())
    bank.save_question(question_set, sba(), faculty, clock.now())

    assert access.can_see_set(faculty, question_set) and access.can_see_set(admin, question_set)
    assert not access.can_see_set(other_faculty, question_set)
    assert not access.manages_set(other_faculty, question_set)

    bank.update_set(
        question_set, "Renal", "", Visibility.COHORTS, [cohort.id], faculty, clock.now()
    )
    assert not access.can_see_set(member, question_set)  # not published yet
    bank.publish_set(question_set, True, clock.now())
    assert access.can_see_set(member, question_set)
    assert not access.can_see_set(outsider, question_set)

    bank.update_set(question_set, "Renal", "", Visibility.PUBLIC, [], faculty, clock.now())
    assert access.can_see_set(outsider, question_set)
    bank.retire_set(question_set, True, clock.now())
    assert not access.can_see_set(outsider, question_set)


def test_questions_filter_by_text_and_tag_prefix(faculty, clock):
    question_set = bank.create_set(faculty, "Mixed", "", clock.now())
    bank.save_question(question_set, sba(1, tags=["Cardiology::Valves"]), faculty, clock.now())
    bank.save_question(
        question_set, sba(2, stem="Which nephron segment?", tags=["Renal"]), faculty, clock.now()
    )
    by_tag = db.session.scalars(bank.questions_in_set(question_set, tag="Cardiology")).all()
    by_text = db.session.scalars(bank.questions_in_set(question_set, text="NEPHRON")).all()
    assert [q.external_id for q in by_tag] == ["q-1"]
    assert [q.external_id for q in by_text] == ["q-2"]
    assert bank.tags_in_set(question_set) == ["Cardiology::Valves", "Renal"]


def test_retired_questions_leave_the_list(faculty, clock):
    question_set = bank.create_set(faculty, "Set", "", clock.now())
    question, _ = bank.save_question(question_set, sba(), faculty, clock.now())
    bank.retire_question(question, True, clock.now())
    assert db.session.scalars(bank.questions_in_set(question_set)).all() == []
    assert len(db.session.scalars(bank.questions_in_set(question_set, retired=True)).all()) == 1
    assert db.session.get(Question, question.id) is not None
