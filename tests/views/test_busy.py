"""A write that finds the database locked for too long is asked to be sent again, never a 500."""

import re
import sqlite3
from contextlib import contextmanager
from html import unescape

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import ReviewLog, User
from tests.views.study_pages import card_form, enroll

BUSY_MS = 300


@pytest.fixture
def app_config():
    return {"QBANK_DATABASE_BUSY_TIMEOUT_MS": BUSY_MS}


@contextmanager
def locked_by_another_worker(user: User):
    """Hold what an answer needs from another connection: SQLite's write lock, a user row."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    other = sa.create_engine(url).connect()
    try:
        other.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
        yield
    finally:
        other.rollback()
        other.close()
        other.engine.dispose()


def resend_form(page: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        fields.setdefault(name, []).append(unescape(value))
    return fields


def test_an_answer_sent_while_the_database_is_locked_can_be_sent_again(
    client, auth, student, published_set
):
    enroll(auth, published_set(2))
    form = {**card_form(client.get("/study/").get_data(as_text=True)), "chosen": "A"}

    with locked_by_another_worker(student):
        busy = client.post("/study/answer", data=form)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2"
    page = busy.get_data(as_text=True)
    assert "qbank is busy" in page and "not saved yet" in page and "Send it again" in page
    assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 0

    again = resend_form(page)
    assert again["token"] == [form["token"]] and again["chosen"] == ["A"]
    first = client.post("/study/answer", data=again)
    second = client.post("/study/answer", data=again)  # the user presses it twice
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 1


def test_a_busy_form_with_a_password_is_not_written_back_into_the_page(client, auth, student):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL a password change waits for no lock")
    with locked_by_another_worker(student):
        busy = auth.post(
            "/account/password",
            {
                "current": "correct horse battery",
                "password": "new passphrase",
                "confirm": "new passphrase",
            },
        )
    assert busy.status_code == 503
    page = busy.get_data(as_text=True)
    assert "correct horse battery" not in page and "new passphrase" not in page
    assert "Back to the form" in page and "Send it again" not in page
