"""Fixtures for the page tests: a signed-in student."""

import pytest


@pytest.fixture
def student(create_user, auth):
    user = create_user(email="student@example.edu")
    auth.login(user.email)
    return user
