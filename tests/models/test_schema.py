"""The database itself enforces the rules: types, uniqueness, ownership."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from qbank.extensions import db
from qbank.models import (
    CardState,
    Question,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Role,
    User,
)


def make_question(owner: User, now: datetime) -> Question:
    question_set = QuestionSet(owner_id=owner.id, title="Set", created_at=now, updated_at=now)
    question = Question(question_set=question_set, created_at=now)
    question.versions.append(
        QuestionVersion(
            number=1, kind="flashcard", stem="Front", explanation="Back", created_at=now
        )
    )
    db.session.add(question)
    db.session.commit()
    return question


def test_datetimes_come_back_aware_in_utc(create_user, clock):
    paris = timezone(timedelta(hours=2))
    user = create_user(created_at=datetime(2026, 5, 1, 14, 0, tzinfo=paris))
    db.session.expire_all()
    stored = db.session.get(User, user.id).created_at
    assert stored.tzinfo is UTC
    assert stored == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(create_user):
    user = create_user()
    user.created_at = datetime(2026, 5, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_email_is_unique_whatever_the_case(create_user, clock):
    create_user(email="Ana@Example.edu")
    db.session.add(
        User(email="ana@example.edu", display_name="Ana", password_hash="x", created_at=clock.now())
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_mixed_case_email_cannot_be_stored(app, clock):
    db.session.add(
        User(email="Ana@example.edu", display_name="Ana", password_hash="x", created_at=clock.now())
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_unknown_role_is_refused(create_user):
    user = create_user()
    user.role = "superuser"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_card_state_per_user_and_question(create_user, clock):
    student = create_user()
    question = make_question(create_user(role=Role.FACULTY), clock.now())
    for _ in range(2):
        db.session.add(
            CardState(user_id=student.id, question_id=question.id, state=1, due=clock.now())
        )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def review(user: User, question: Question, token: str, now: datetime) -> ReviewLog:
    return ReviewLog(
        user_id=user.id,
        question_id=question.id,
        question_version_id=question.versions[0].id,
        reviewed_at=now,
        answer_token=token,
        correct=True,
        rating=3,
        time_taken_ms=4000,
        state_after={"state": 2},
    )


def test_one_review_per_answer_token(create_user, clock):
    student = create_user()
    question = make_question(create_user(role=Role.FACULTY), clock.now())
    db.session.add(review(student, question, "token-1", clock.now()))
    db.session.commit()
    db.session.add(review(student, question, "token-1", clock.now()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_questions_with_reviews_cannot_be_deleted(create_user, clock):
    student = create_user()
    question = make_question(create_user(role=Role.FACULTY), clock.now())
    db.session.add(review(student, question, "token-1", clock.now()))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.delete(Question).where(Question.id == question.id))
        db.session.commit()
    db.session.rollback()


def test_deleting_a_student_removes_their_reviews_and_cards(create_user, clock):
    student = create_user()
    question = make_question(create_user(role=Role.FACULTY), clock.now())
    db.session.add(review(student, question, "token-1", clock.now()))
    db.session.add(CardState(user_id=student.id, question_id=question.id, state=2, due=clock.now()))
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == student.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardState)) == 0


def test_sqlite_connections_are_tuned(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
