"""A rep creates a cohort, two students join and study, the rep runs an anonymous board."""

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qbank.extensions import db
from qbank.models import Role, User
from tests.bank_helpers import publish_set
from tests.e2e.support import log_in, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def open_set(live_app, live_clock, make_account):
    faculty_email, _ = make_account(Role.FACULTY)
    with live_app.app_context():
        now = live_clock.now()
        owner = db.session.scalar(sa.select(User).where(User.email == faculty_email))
        question_set = publish_set(owner, now, 3, f"Board set {faculty_email}")
        db.session.commit()
        return question_set.title


def study_two_cards(page, live_clock, set_title):
    page.goto("/library/")
    page.locator(".library-item", has_text=set_title).get_by_role(
        "button", name="Study this set"
    ).click()
    page.goto("/study/")
    for _ in range(2):
        page.locator("label.choice").first.click()
        live_clock.advance(seconds=3)  # answers under two seconds earn no points
        page.get_by_role("button", name="Check answer").click()
        expect(page.locator(".verdict-banner")).to_be_visible()
        page.get_by_role("link", name="Next card").click()


def test_rep_runs_an_anonymous_weekly_board(
    browser, live_server, live_clock, make_account, open_set
):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server)
    page = context.new_page()
    page.viewport_name = "phone"
    rep_email, rep_password = make_account()
    log_in(page, rep_email, rep_password)
    page.goto("/cohorts/")
    page.get_by_label("Cohort name").fill("Year 2 Pathology")
    page.get_by_role("button", name="Create").click()
    code = page.locator(".join-code").inner_text().strip()
    page.get_by_role("button", name="Log out").click()

    for _ in range(2):
        email, password = make_account()
        log_in(page, email, password)
        page.goto("/cohorts/")
        page.get_by_label("Join code").fill(code.lower())
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_text("You joined Year 2 Pathology.")).to_be_visible()
        study_two_cards(page, live_clock, open_set)
        page.get_by_role("button", name="Log out").click()

    log_in(page, rep_email, rep_password)
    page.goto("/cohorts/")
    page.get_by_role("link", name="Year 2 Pathology").first.click()
    page.get_by_role("link", name="Manage").click()
    page.get_by_label("Time window").select_option("week")
    page.get_by_label("Show pseudonyms instead of names").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Leaderboard settings saved.")).to_be_visible()
    page.get_by_role("link", name="Leaderboard").click()
    board = page.locator("table.board")
    expect(board.locator("tbody tr")).to_have_count(3)
    expect(board).not_to_contain_text("Test student")
    screenshot(page, "cohort-board")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["rank", "name", "xp"]
    assert len(rows) == 4
    assert all(int(row[2]) > 0 for row in rows[1:3])  # both students scored
    context.close()
