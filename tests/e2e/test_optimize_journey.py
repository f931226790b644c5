"""Four months into their reviews, a student follows the dashboard's suggestion to fit
qbank to their memory: the fit is judged on their later reviews, kept, and their cards
move to the days they now fall due."""

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qbank.extensions import db
from qbank.models import Role, User
from qbank.services.accounts import register_user
from tests.e2e.support import log_in, screenshot
from tests.synthetic_reviews import DAYS, DECK, NEW_PER_DAY, START, make_deck, study_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def four_months_of_reviews(live_app, live_clock, make_account):
    email, password = make_account()
    saved = live_clock.now()
    with live_app.app_context():
        student = db.session.scalar(sa.select(User).where(User.email == email))

        def owner(role: Role) -> User:
            address = f"owner-{secrets.token_hex(4)}@example.edu"
            return register_user(address, password, "Deck owner", START, role=role)

        study_for(student, make_deck(owner, student, DECK), DAYS, NEW_PER_DAY)
    live_clock.set(START + timedelta(days=DAYS))
    yield email, password
    live_clock.set(saved)


def test_a_student_optimizes_when_asked_and_their_cards_move(page, four_months_of_reviews):
    log_in(page, *four_months_of_reviews)
    prompt = page.get_by_role("heading", name="Fit qbank to your memory")
    expect(prompt).to_be_visible()
    page.get_by_role("link", name="Optimize in Settings").click()
    expect(page.get_by_text("reviews of cards you know, on")).to_be_visible()
    page.get_by_role("button", name="Optimize my parameters").click()

    expect(page.get_by_text("predict your later reviews better, so they are kept")).to_be_visible()
    expect(page.get_by_role("row", name="Reviews a day, next 90 days")).to_be_visible()
    expect(page.get_by_text("moved to the day they now fall due")).to_be_visible()
    screenshot(page, "optimized")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()
    expect(prompt).to_have_count(0)  # done: asked again in a month, or at twice the reviews
