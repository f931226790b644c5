"""A student plans for an exam: sets its day, sees the reviews brought before it and the
predicted recall on the day."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from qbank.services import study
from tests.e2e.support import log_in, screenshot
from tests.support import review_card

pytestmark = pytest.mark.e2e


@pytest.fixture
def studying_for_an_exam(studying):
    """A student with 6 review cards: three weak ones due well after a coming exam."""
    with studying((8, "Pharmacology", ["Cardiology::Valves"]), timezone="Europe/Berlin") as made:
        today = study.today_for(made.student, made.now).day
        questions = sorted(made.sets[0].questions, key=lambda q: q.position)
        for n, question in enumerate(questions[:6]):
            weak = n < 3  # weak ones would be under the target on the day
            review_card(made.student, question, made.now, 6.0 if weak else 300.0, 1, 25)
        title = made.sets[0].title
    return made.email, made.password, title, today + timedelta(days=14)


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
