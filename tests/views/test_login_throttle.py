"""Failed logins slow down guessing: per account, per known device, per address, per sign-up.

The counts live in the database, so several workers (here: several app instances on one
database) share them.
"""

from pathlib import Path

import pytest

from qbank import create_app
from qbank.extensions import db
from qbank.models import User
from tests.support import CSRF_RE, PASSWORD, app_settings, csrf_token

OWNER = "ana@example.edu"
CAMPUS = "10.20.0.1"
WRONG = "Wrong e-mail or password. Check both and try again."


def attempt(client, email=OWNER, password="not my password", address=CAMPUS):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/login")},
        environ_base={"REMOTE_ADDR": address},
    )


def refused(response, wait: str) -> bool:
    page = response.get_data(as_text=True)
    return response.status_code == 429 and (
        f"Too many failed attempts for this account. Try again in {wait}." in page
    )


def fail(client, times, clock=None, **kw):
    """Fail ``times`` logins, waiting out the wait before each (if given the clock)."""
    for n in range(times):
        if clock is not None and n:
            clock.advance(minutes=15)
        response = attempt(client, **kw)
        assert response.status_code == 200, f"attempt {n + 1} was refused"
        assert WRONG in response.get_data(as_text=True)


@pytest.fixture
def owner(create_user):
    return create_user(email=OWNER)


@pytest.fixture
def second_worker(_schema, clock, tmp_path: Path):
    """Another app on the same database, as another gunicorn worker or host would be."""
    other = create_app(
        app_settings(_schema, QBANK_CLOCK=clock, QBANK_MEDIA_DIR=str(tmp_path / "media2")),
        environ={},
    )
    yield other.test_client()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_workers_sharing_a_database_share_the_count(client, second_worker, owner):
    fail(client, 3)
    fail(second_worker, 2)
    assert refused(attempt(second_worker), "2 seconds")
    assert refused(attempt(client, password=PASSWORD), "2 seconds")


def test_five_failures_are_free_then_the_wait_doubles_and_stops_at_15_minutes(client, owner, clock):
    fail(client, 5)
    said = []
    for _ in range(11):
        response = attempt(client)
        assert response.status_code == 429
        page = response.get_data(as_text=True)
        said.append(page.split("Try again in ", 1)[1].split(".", 1)[0])
        clock.advance(seconds=int(response.headers["Retry-After"]))
        assert WRONG in attempt(client).get_data(as_text=True)
    assert said == [
        *("2 seconds", "4 seconds", "8 seconds", "16 seconds", "32 seconds"),
        *("2 minutes", "3 minutes", "5 minutes", "9 minutes"),
        *("15 minutes", "15 minutes"),
    ]


def test_attempts_during_the_wait_are_refused_without_lengthening_it(client, owner, clock):
    fail(client, 7, clock=clock)  # the next may come 8 seconds after the seventh
    clock.advance(seconds=3)
    for _ in range(20):
        assert refused(attempt(client, password=PASSWORD), "5 seconds")
    clock.advance(seconds=5)
    response = attempt(client, password=PASSWORD)
    assert response.headers["Location"] == "/dashboard"


def test_a_success_resets_the_account_count(app, client, owner):
    fail(client, 4)
    assert attempt(client, password=PASSWORD).headers["Location"] == "/dashboard"
    elsewhere = app.test_client()
    fail(elsewhere, 5)


def test_a_quiet_day_forgets_the_failures(client, owner, clock):
    fail(client, 14, clock=clock)
    assert refused(attempt(client), "15 minutes")
    clock.advance(days=1)
    assert attempt(client, password=PASSWORD).headers["Location"] == "/dashboard"


def test_the_owner_on_a_known_device_gets_in_while_the_attacker_stays_slowed(
    app, client, owner, clock
):
    laptop = app.test_client()  # the owner signed in here before
    assert attempt(laptop, password=PASSWORD, address="10.1.1.1").headers["Location"]
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/dashboard")})
    attacker = app.test_client()
    fail(attacker, 14, clock=clock, address="203.0.113.7")
    assert refused(attempt(attacker, address="203.0.113.7"), "15 minutes")

    response = attempt(laptop, password=PASSWORD, address="10.1.1.1")
    assert response.headers["Location"] == "/dashboard"
    # The owner's sign-in frees their laptop only: every other browser still waits.
    assert refused(attempt(attacker, address="203.0.113.7"), "15 minutes")
    assert refused(attempt(app.test_client(), password=PASSWORD, address="10.1.1.1"), "15 minutes")


def test_a_known_device_that_keeps_failing_waits_too(app, owner):
    laptop = app.test_client()
    assert attempt(laptop, password=PASSWORD).headers["Location"] == "/dashboard"
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/dashboard")})
    fail(laptop, 5)
    assert refused(attempt(laptop, password=PASSWORD), "2 seconds")
    fail(app.test_client(), 5)  # its failures were its own: the account is not slowed


def test_a_device_cookie_from_another_account_does_not_help(app, owner, create_user):
    mallory = create_user(email="mallory@example.edu")
    browser = app.test_client()
    assert attempt(browser, email=mallory.email, password=PASSWORD).headers["Location"]
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/dashboard")})
    fail(app.test_client(), 5)
    assert refused(attempt(browser), "2 seconds")


def test_a_forged_device_cookie_does_not_help(app, client, owner):
    fail(client, 5)
    forged = app.test_client()
    forged.set_cookie("qbank_device", "W1siYWJjIiwieHl6Il1d.forged", domain="qbank.test")
    assert refused(attempt(forged), "2 seconds")


def test_unknown_emails_are_slowed_exactly_like_real_ones(app, owner):
    def seen(response, email):
        page = CSRF_RE.sub("", response.get_data(as_text=True)).replace(email, "EMAIL")
        return response.status_code, response.headers.get("Retry-After"), page

    real, unknown = app.test_client(), app.test_client()
    for _ in range(6):
        assert seen(attempt(real), OWNER) == seen(
            attempt(unknown, email="nobody@example.edu"), "nobody@example.edu"
        )
    assert refused(attempt(unknown, email="nobody@example.edu"), "2 seconds")


def test_an_address_gets_100_failures_per_15_minutes_then_429_until_the_window_passes(
    app, owner, clock
):
    hall = app.test_client()
    for n in range(100):  # a lecture hall's typos, each on its own account
        response = attempt(hall, email=f"student{n}@example.edu")
        assert response.status_code == 200, n
    clock.advance(minutes=10)
    response = attempt(hall, email="late@example.edu", password=PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "300"
    assert "Too many failed logins from your network. Try again in 5 minutes." in (
        response.get_data(as_text=True)
    )
    # Another address is not affected, and a known device never was.
    assert attempt(app.test_client(), password=PASSWORD, address="10.9.9.9").status_code == 302
    clock.advance(minutes=5)
    assert attempt(hall, password=PASSWORD).headers["Location"] == "/dashboard"


def test_successful_logins_do_not_fill_the_address_window(app, create_user):
    for n in range(3):
        create_user(email=f"s{n}@example.edu")
    for _ in range(40):
        for n in range(3):
            browser = app.test_client()
            assert attempt(browser, email=f"s{n}@example.edu", password=PASSWORD).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 3


@pytest.mark.parametrize("app_config", [{"QBANK_SIGNUP_ADDRESS_LIMIT": "3 per hour"}])
def test_sign_ups_are_limited_per_address(app, clock):
    def sign_up(n, address=CAMPUS):
        browser = app.test_client()
        return browser.post(
            "/register",
            data={
                "display_name": f"Student {n}",
                "email": f"student{n}@example.edu",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "csrf_token": csrf_token(browser, "/register"),
            },
            environ_base={"REMOTE_ADDR": address},
        )

    assert [sign_up(n).status_code for n in range(3)] == [302, 302, 302]
    clock.advance(minutes=20)
    response = sign_up(3)
    assert response.status_code == 429
    assert "Too many sign-ups from your network. Try again in 40 minutes." in response.get_data(
        as_text=True
    )
    assert sign_up(4, address="10.9.9.9").status_code == 302
    clock.advance(minutes=40)
    assert sign_up(5).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 5
