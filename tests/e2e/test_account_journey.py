"""A newcomer signs up, logs out, logs back in and lands on the dashboard."""

import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.support import screenshot

pytestmark = pytest.mark.e2e


def test_register_logout_login_dashboard(page):
    email = f"student-{secrets.token_hex(4)}@example.edu"
    password = "a long enough password"

    page.goto("/")
    screenshot(page, "landing")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name").fill("Noor Haddad")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill("not the same")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("The passwords don't match.")).to_be_visible()
    screenshot(page, "register-error")

    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Hello, Noor Haddad")).to_be_visible()
    # The browser's zone was picked up at sign-up.
    expect(page.get_by_text("Europe/Berlin")).to_be_visible()
    screenshot(page, "dashboard")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("wrong password!!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong e-mail or password. Check both and try again.")).to_be_visible()
    screenshot(page, "login-error")

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("/dashboard")
    expect(page.get_by_text("You are not enrolled in any question set yet.")).to_be_visible()


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_pages_fit_a_phone_screen(page):
    for path in ("/", "/login", "/register"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"{path} scrolls sideways on a 360 px screen"
