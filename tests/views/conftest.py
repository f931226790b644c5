"""Fixtures for the page tests: a published set open to everyone, a signed-in student."""

import pytest

from qbank.extensions import db
from qbank.models import Role, Visibility
from qbank.services import question_bank as bank
from tests.bank_helpers import sba


@pytest.fixture
def open_set(create_user, clock):
    def make(n=3, title="Cardio", **fields):
        owner = create_user(role=Role.FACULTY, email=f"owner-{title.lower()}@example.edu")
        question_set = bank.create_set(owner, title, "", clock.now())
        for i in range(n):
            bank.save_question(
                question_set, sba(i, stem=f"{title} stem {i}", **fields), owner, clock.now()
            )
        bank.update_set(question_set, title, "", Visibility.PUBLIC, [], owner, clock.now())
        bank.publish_set(question_set, True, clock.now())
        db.session.commit()
        return question_set

    return make


@pytest.fixture
def student(create_user, auth):
    user = create_user(email="student@example.edu")
    auth.login(user.email)
    return user
