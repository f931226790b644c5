"""A student opens a card's info from the card page, on a phone and on a desktop."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qbank.extensions import db
from qbank.models import Role, User, Visibility
from qbank.services import question_bank as bank
from qbank.services import study
from qbank.services.enrollment import enroll
from tests.bank_helpers import sba
from tests.e2e.support import log_in, screenshot

pytestmark = pytest.mark.e2e
SECRET = "e2e-history"


@pytest.fixture
def card_with_history(live_app, live_clock, make_account):
    """A student with a week of answers to one card: learnt, reviewed, one answer undone."""
    faculty_email, _ = make_account(Role.FACULTY)
    email, password = make_account(Role.STUDENT)
    with live_app.app_context():
        now = live_clock.now()
        owner = db.session.scalar(sa.select(User).where(User.email == faculty_email))
        student = db.session.scalar(sa.select(User).where(User.email == email))
        question_set = bank.create_set(owner, f"Valves {email}", "", now)
        question, _ = bank.save_question(
            question_set, sba(1, stem="Which lesion gives an ejection murmur?"), owner, now
        )
        bank.update_set(question_set, question_set.title, "", Visibility.PUBLIC, [], owner, now)
        bank.publish_set(question_set, True, now)
        enroll(student, question_set, now - timedelta(days=9))
        for when, chosen in (
            (timedelta(days=9), "A"),
            (timedelta(days=9, minutes=-10), "A"),
            (timedelta(days=6), "A"),
            (timedelta(days=1), "B"),
        ):
            at = now - when
            token = study.card_view(student, question.id, at, SECRET).token
            study.record_answer(student, question.id, token, [chosen], None, 14_000, at, SECRET)
        study.undo_last_answer(student, now - timedelta(days=1))
        db.session.commit()
        question_id = question.id
    return email, password, question_id


def test_card_info_from_the_card_page(page, card_with_history):
    email, password, question_id = card_with_history
    log_in(page, email, password)
    page.goto(f"/study/cards/{question_id}")
    screenshot(page, "card-info-link")
    page.get_by_role("link", name="Card info").click()
    expect(page.get_by_role("heading", name="Card info")).to_be_visible()
    expect(page.get_by_role("img", name="Chance of recall since your last review")).to_be_visible()
    expect(page.get_by_text("Undone", exact=True)).to_be_visible()
    # Nothing on the page is wider than a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "card-info")
