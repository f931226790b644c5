"""A student does a timed practice block from two tags: strikes an option, marks a
question, pauses, resumes from the dashboard, ends the block, reads the report, and
finds the question they missed in the next day's review. At desktop size the exam
screen is worked with the keyboard alone; at phone size with taps."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import log_in, screenshot

pytestmark = pytest.mark.e2e

RIGHT, WRONG, STRUCK = "Aortic stenosis", "Mitral regurgitation", "Aortic regurgitation"


@pytest.fixture
def studying_three_sets(studying):
    with studying(
        (6, "Cardio", ["Cardiology::Valves"]),
        (6, "Renal", ["Renal::Acid base"]),
        (6, "Neuro", ["Neurology"]),
    ) as made:
        pass
    return made.email, made.password


def letter_of(page, text: str) -> str:
    """The letter shown beside the option with this text (options are shuffled)."""
    return page.locator(".choice", has_text=text).locator("input").get_attribute("data-letter")


def test_a_timed_block_from_two_tags(page, live_clock, studying_three_sets):
    email, password = studying_three_sets
    keyboard = page.viewport_name == "desktop"
    log_in(page, email, password)
    page.get_by_role("link", name="Practice").click()
    page.locator("input[name=tag][value=Cardiology]").check()
    page.locator("input[name=tag][value=Renal]").check()
    page.get_by_role("radio", name="Timed").check()
    page.get_by_label("Questions").fill("10")
    page.get_by_role("button", name="Update counts").click()
    expect(page.get_by_text("12 questions", exact=True)).to_be_visible()
    page.get_by_role("button", name="Start block").click()

    expect(page.get_by_text("Question 1", exact=True)).to_be_visible()
    page.wait_for_load_state()  # practice.js (deferred) handles the keys
    expect(page.get_by_role("timer")).to_contain_text("15:00")
    missed = page.locator("#stem").inner_text()
    if keyboard:
        page.keyboard.press(letter_of(page, WRONG).lower())
        page.keyboard.press("s")
        page.keyboard.press(letter_of(page, STRUCK).lower())
        page.keyboard.press("m")
    else:
        page.locator(".choice", has_text=WRONG).click()
        page.locator(f"[data-strike={letter_of(page, STRUCK)}]").locator("..").click()
        page.get_by_text("Mark for review").click()
    screenshot(page, "practice-question")
    if keyboard:
        page.keyboard.press("ArrowRight")
    else:
        page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Question 2", exact=True)).to_be_visible()
    page.wait_for_load_state()  # practice.js (deferred) handles the keys
    if keyboard:
        page.keyboard.press(letter_of(page, RIGHT).lower())
        page.get_by_role("button", name="Pause").focus()
        page.keyboard.press("Enter")
    else:
        page.locator(".choice", has_text=RIGHT).click()
        page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Block paused at question 2 of 10")).to_be_visible()

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_text("question 2 of 10, timed, paused")).to_be_visible()
    page.get_by_role("link", name="Resume block").click()
    expect(page.get_by_text("Question 2", exact=True)).to_be_visible()
    page.wait_for_load_state()  # practice.js (deferred) handles the keys
    if not keyboard:  # on a phone the navigator starts folded
        page.locator("[data-navigator] summary").click()
    page.get_by_role("button", name="Question 1, answered, marked").click()
    expect(page.locator(f"[data-strike={letter_of(page, STRUCK)}]")).to_be_checked()

    page.get_by_role("button", name="End block").first.click()
    expect(page.get_by_text("8 questions not answered")).to_be_visible()
    expect(page.get_by_text("1 question marked for review:")).to_be_visible()
    page.get_by_role("button", name="End block and see the report").click()

    expect(page.get_by_role("heading", name="Block report")).to_be_visible()
    expect(page.get_by_text("1 of 10 right")).to_be_visible()
    expect(
        page.get_by_text("Questions you missed or guessed are in your daily reviews")
    ).to_be_visible()
    screenshot(page, "practice-report")

    live_clock.advance(days=1)  # the next day: a new session, and the miss is due
    log_in(page, email, password)
    page.goto("/study/")
    expect(page.locator("#stem")).to_have_text(missed)
