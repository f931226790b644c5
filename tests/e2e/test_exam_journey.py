"""A student plans for an exam: sets its day, sees the reviews brought before it and the
predicted recall on the day."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qbank.extensions import db
from qbank.models import User
from qbank.services import study
from qbank.services.enrollment import enroll
from tests.bank_helpers import publish_set
from tests.e2e.support import log_in, screenshot
from tests.support import review_card

pytestmark = pytest.mark.e2e


@pytest.fixture
def studying_for_an_exam(live_app, live_clock, make_account):
    """A student with 6 review cards: three weak ones due well after a coming exam."""
    faculty_email, _ = make_account()
    email, password = make_account()
    with live_app.app_context():
        now = live_clock.now()
        owner = db.session.scalar(sa.select(User).where(User.email == faculty_email))
        student = db.session.scalar(sa.select(User).where(User.email == email))
        student.timezone = "Europe/Berlin"
        question_set = publish_set(owner, now, 8, f"Pharmacology {email}")
        enroll(student, question_set, now)
        today = study.today_for(student, now).day
        questions = sorted(question_set.questions, key=lambda q: q.position)
        for n, question in enumerate(questions[:6]):
            weak = n < 3  # weak ones would be under the target on the day
            review_card(student, question, now, 6.0 if weak else 300.0, 1, 25)
        title = question_set.title
        db.session.commit()
        exam_day = today + timedelta(days=14)
    return email, password, title, exam_day


def test_a_student_sets_an_exam_day_and_sees_the_plan(page, studying_for_an_exam):
    email, password, title, exam_day = studying_for_an_exam
    log_in(page, email, password)
    page.goto("/stats/")
    page.get_by_role("link", name="Exam dates").click()
    section = page.get_by_role("region", name=title)
    expect(section.get_by_text("No exam date.")).to_be_visible()
    section.get_by_label("Exam day").fill(exam_day.isoformat())
    section.get_by_role("button", name="Save").click()
    expect(page.get_by_text("3 reviews brought before it")).to_be_visible()
    section = page.get_by_role("region", name=title)
    expect(section.get_by_text(f"Exam on {exam_day:%A %-d %B %Y}")).to_be_visible()
    expect(
        section.get_by_text("of the 6 cards you have studied, if you do the 3 reviews")
    ).to_be_visible()
    expect(section.get_by_text("2 questions of the set you have not seen yet")).to_be_visible()
    screenshot(page, "exam-plan")
    section.get_by_role("button", name="Clear my date").click()
    expect(page.get_by_role("region", name=title).get_by_text("No exam date.")).to_be_visible()
