"""Back from a break: a student sees their backlog, spreads it over four days, and studies."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import log_in, screenshot
from tests.support import review_card

pytestmark = pytest.mark.e2e


@pytest.fixture
def returning_student(studying):
    """A student with 12 reviews overdue by 1 to 12 days and a limit of 5 a day."""
    with studying(
        (12, "Backlog", ["Cardiology::Valves"]), timezone="Europe/Berlin", max_reviews_per_day=5
    ) as made:
        questions = sorted(made.sets[0].questions, key=lambda q: q.position)
        for n, question in enumerate(questions):
            review_card(made.student, question, made.now, 10.0, n + 11, -(n + 1))
    return made.email, made.password


def test_a_backlog_is_spread_over_the_days_the_student_chooses(page, returning_student):
    email, password = returning_student
    log_in(page, email, password)
    page.goto("/study/")
    notice = page.get_by_text("7 more reviews due beyond today's limit")
    expect(notice).to_be_visible()
    expect(page.get_by_text("I guessed")).to_be_visible()
    screenshot(page, "study-card-behind")
    page.get_by_role("link", name="See how long they take, or spread them out").click()
    expect(page.get_by_role("heading", name="Your reviews due")).to_be_visible()
    expect(page.get_by_text("it takes about 3 days")).to_be_visible()
    page.get_by_label("Spread over").select_option("4")
    page.get_by_role("button", name="Show the plan").click()
    plan = page.get_by_role("table", name="The plan over 4 days")
    expect(plan.get_by_role("row")).to_have_count(5)  # the header and four days
    screenshot(page, "backlog-plan")
    page.get_by_role("button", name="Spread over 4 days").click()
    expect(page.get_by_text("9 reviews moved to the coming days")).to_be_visible()
    expect(page.get_by_text("more reviews due beyond today's limit")).to_have_count(0)
    expect(page.get_by_text("3 to review")).to_be_visible()
