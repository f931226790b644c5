import os
import secrets
from datetime import timedelta

import pytest

from qbank.extensions import db
from qbank.models import Role
from qbank.services import accounts
from qbank.services.throttle import LoginThrottle
from tests.conftest import IN_CI, PASSWORD


@pytest.fixture
def throttle():
    return LoginThrottle.from_settings("memory://", "3 per 15 minutes")


def test_register_refuses_a_taken_email_in_another_case(create_user, clock):
    create_user(email="ana@example.edu")
    with pytest.raises(accounts.AccountError, match="already exists") as caught:
        accounts.register_user("ANA@Example.EDU", PASSWORD, "Ana", clock.now())
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10"), ("aaaaaaaaaaaa", "too easy"), ("ana@example.edu", "e-mail")],
)
def test_register_refuses_weak_passwords(app, clock, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.register_user("ana@example.edu", password, "Ana", clock.now())


def test_register_keeps_a_known_timezone_and_drops_an_unknown_one(app, clock):
    berlin = accounts.register_user(
        "a@example.edu", PASSWORD, "A", clock.now(), timezone="Europe/Berlin"
    )
    nowhere = accounts.register_user(
        "b@example.edu", PASSWORD, "B", clock.now(), timezone="Nowhere/City"
    )
    assert (berlin.timezone, berlin.timezone_confirmed) == ("Europe/Berlin", True)
    assert (nowhere.timezone, nowhere.timezone_confirmed) == ("UTC", False)


def test_authenticate_accepts_any_case_of_the_email(create_user, throttle):
    user = create_user(email="ana@example.edu")
    assert accounts.authenticate(" Ana@Example.edu ", PASSWORD, "10.0.0.1", throttle) == user


def test_wrong_password_and_unknown_email_get_the_same_message(create_user, throttle):
    create_user(email="ana@example.edu")
    with pytest.raises(accounts.AccountError) as wrong:
        accounts.authenticate("ana@example.edu", "not the password", "10.0.0.1", throttle)
    with pytest.raises(accounts.AccountError) as unknown:
        accounts.authenticate("nobody@example.edu", PASSWORD, "10.0.0.2", throttle)
    assert (
        str(wrong.value)
        == str(unknown.value)
        == "Wrong e-mail or password. Check both and try again."
    )


def test_failures_throttle_the_account_from_any_address(create_user, throttle):
    create_user(email="ana@example.edu")
    for n in range(3):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate("ana@example.edu", "wrong", f"10.0.0.{n}", throttle)
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate("ana@example.edu", PASSWORD, "10.9.9.9", throttle)


def test_failures_throttle_the_address_for_every_account(create_user, throttle):
    create_user(email="ana@example.edu")
    for n in range(3):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(f"guess{n}@example.edu", "wrong", "10.0.0.1", throttle)
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate("ana@example.edu", PASSWORD, "10.0.0.1", throttle)
    assert accounts.authenticate("ana@example.edu", PASSWORD, "10.0.0.2", throttle)


def test_unknown_accounts_are_throttled_like_real_ones(app, throttle):
    for _ in range(3):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate("nobody@example.edu", "wrong", "10.0.0.1", throttle)
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate("nobody@example.edu", "wrong", "10.0.0.7", throttle)


def test_deactivated_accounts_cannot_log_in(create_user, throttle):
    create_user(email="ana@example.edu", is_active_account=False)
    with pytest.raises(accounts.AccountError, match="Wrong e-mail or password"):
        accounts.authenticate("ana@example.edu", PASSWORD, "10.0.0.1", throttle)


def test_change_password_checks_the_current_one_and_rotates_the_login_id(create_user):
    user = create_user()
    old_login_id = user.login_id
    with pytest.raises(accounts.AccountError, match="current password") as caught:
        accounts.change_password(user, "not it", "a brand new password")
    assert caught.value.field == "current"
    accounts.change_password(user, PASSWORD, "a brand new password")
    assert user.check_password("a brand new password")
    assert user.login_id != old_login_id


def test_reset_link_works_once(create_user, clock):
    admin = create_user(role=Role.ADMIN)
    user = create_user()
    issued = accounts.issue_reset_link(user, admin, clock.now(), timedelta(hours=24))
    db.session.commit()
    accounts.reset_password(issued.token, "fresh password 1", clock.now())
    db.session.commit()
    assert user.check_password("fresh password 1")
    with pytest.raises(accounts.AccountError, match="expired or was already used"):
        accounts.reset_password(issued.token, "fresh password 2", clock.now())


def test_reset_link_expires(create_user, clock):
    user = create_user()
    issued = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=24))
    clock.advance(hours=24, seconds=1)
    assert accounts.find_reset_link(issued.token, clock.now()) is None


def test_a_new_reset_link_cancels_the_earlier_one(create_user, clock):
    user = create_user()
    first = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=24))
    second = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=24))
    assert accounts.find_reset_link(first.token, clock.now()) is None
    assert accounts.find_reset_link(second.token, clock.now()) is not None


def test_reset_tokens_are_stored_only_as_hashes(create_user, clock):
    user = create_user()
    issued = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=1))
    assert issued.token not in issued.link.token_hash


def test_the_last_admin_cannot_step_down(create_user, clock):
    admin = create_user(role=Role.ADMIN)
    with pytest.raises(accounts.AccountError, match="only admin"):
        accounts.set_role(admin, Role.STUDENT, admin, clock.now())
    other = create_user(role=Role.ADMIN)
    accounts.set_role(admin, Role.STUDENT, other, clock.now())
    assert admin.role == "student"


def test_workers_share_the_throttle_through_redis():
    url = os.environ.get("QBANK_TEST_REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("CI must check the Redis throttle: set QBANK_TEST_REDIS_URL.")
        pytest.skip("Redis throttle check skipped: set QBANK_TEST_REDIS_URL to run it.")
    email = f"shared-{secrets.token_hex(4)}@example.edu"
    worker_a = LoginThrottle.from_settings(url, "3 per 15 minutes")
    worker_b = LoginThrottle.from_settings(url, "3 per 15 minutes")
    for _ in range(3):
        worker_a.record_failure(email, "10.0.0.1")
    assert worker_b.is_blocked(email, "10.0.0.2")
