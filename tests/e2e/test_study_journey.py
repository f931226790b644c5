"""A student does a whole day's queue with the keyboard alone."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qbank.extensions import db
from qbank.models import QuestionKind, ReviewLog, Role, User, Visibility
from qbank.services import question_bank as bank
from qbank.services.enrollment import enroll
from tests.bank_helpers import sba
from tests.e2e.support import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def studying_student(live_app, live_clock, make_account):
    """A student enrolled in a set of three questions and one flashcard."""
    faculty_email, _ = make_account(Role.FACULTY)
    email, password = make_account(Role.STUDENT)
    with live_app.app_context():
        now = live_clock.now()
        owner = db.session.scalar(sa.select(User).where(User.email == faculty_email))
        student = db.session.scalar(sa.select(User).where(User.email == email))
        question_set = bank.create_set(owner, f"Keyboard set {email}", "", now)
        for n in range(3):
            bank.save_question(
                question_set, sba(n, stem=f"Vignette {n}: which lesion?"), owner, now
            )
        bank.save_question(
            question_set,
            sba(
                9,
                kind=QuestionKind.FLASHCARD,
                options=[],
                stem="Antidote for heparin?",
                explanation="**Protamine sulfate**",
            ),
            owner,
            now,
        )
        bank.update_set(question_set, question_set.title, "", Visibility.PUBLIC, [], owner, now)
        bank.publish_set(question_set, True, now)
        enroll(student, question_set, now)
        db.session.commit()
        student_id = student.id
    return email, password, student_id


def test_a_days_queue_with_the_keyboard_alone(page, live_app, studying_student):
    email, password, student_id = studying_student
    page.goto("/login")
    page.keyboard.press("Tab")  # skip link, then the form fields in order
    page.get_by_label("E-mail").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).to_have_url("/dashboard")
    page.goto("/study/")

    # Four new cards, then their learning steps: each due within 20 minutes, so shown at
    # once (learn ahead) instead of ending the session a few minutes early.
    seen_flashcard = False
    answered = 0
    done = page.get_by_role("heading", name="All done for today")
    while True:
        assert answered < 12, "the queue never ended"
        # The next card's progress, or the end of the day: either means the page is ready.
        expect(page.get_by_text(f"{answered + 1} of ").or_(done)).to_be_visible()
        if done.is_visible():
            break
        if page.get_by_text("Show answer").count():
            seen_flashcard = True
            page.keyboard.press(" ")
            expect(page.get_by_text("Protamine sulfate")).to_be_visible()
            if not answered:
                screenshot(page, "study-flashcard")
            page.keyboard.press("3")
        else:
            key = page.get_by_role("radio", name="Aortic stenosis").get_attribute("data-index")
            page.keyboard.press(key)  # the right answer, by its number on the page
            expect(page.locator(f"form[data-answer] input[data-index='{key}']")).to_be_checked()
            if not answered:
                screenshot(page, "study-card")
            page.keyboard.press("Enter")
            expect(page.locator(".verdict-banner")).to_be_visible()
            if not answered:
                screenshot(page, "study-result")
            page.keyboard.press("Enter")
        answered += 1
    assert answered > 4  # the learning steps came too
    screenshot(page, "study-done")
    assert seen_flashcard
    # U takes back the last answer, and the card comes back.
    page.keyboard.press("u")
    expect(page.get_by_text("Answer undone")).to_be_visible()
    with live_app.app_context():
        logs = db.session.scalars(sa.select(ReviewLog).where(ReviewLog.user_id == student_id)).all()
        assert len(logs) == answered
        assert sum(log.undone_at is not None for log in logs) == 1
