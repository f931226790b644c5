"""A student signed in on a lab computer logs it out from their phone's settings page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_log_out_the_other_devices_from_settings(page, browser, live_server, make_account):
    email, password = make_account()
    lab = browser.new_context(
        base_url=live_server, user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
    )
    try:
        lab_page = lab.new_page()
        log_in(lab_page, email, password)
        expect(lab_page).to_have_url("/dashboard")

        log_in(page, email, password)
        page.goto("/settings/")
        expect(page.get_by_role("heading", name="Signed-in devices")).to_be_visible()
        expect(page.get_by_text("Firefox on Linux")).to_be_visible()
        expect(page.get_by_text("This device")).to_be_visible()
        screenshot(page, "devices")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, "the settings page scrolls sideways"
        page.get_by_role("button", name="Log out all other devices").click()
        expect(page.get_by_text("Logged out 1 other device.")).to_be_visible()
        expect(page.get_by_text("Firefox on Linux")).to_have_count(0)

        lab_page.goto("/dashboard")
        expect(lab_page).to_have_url("/login?next=%2Fdashboard")
        expect(lab_page.get_by_text("Log in to see that page.")).to_be_visible()
    finally:
        lab.close()
