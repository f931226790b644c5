from datetime import timedelta

import pytest

from qbank.extensions import db
from qbank.models import Role
from qbank.services import accounts, sessions
from tests.support import PASSWORD


def test_register_refuses_a_taken_email_without_saying_it_is_taken(create_user, clock):
    create_user(email="ana@example.edu")
    with pytest.raises(accounts.AccountError) as caught:
        accounts.register_user("ANA@Example.EDU", PASSWORD, "Ana", clock.now())
    assert str(caught.value) == (
        "We could not create an account with these details. If you already have one, log in, "
        "or ask an admin for a reset link."
    )
    assert caught.value.field is None


def test_a_sign_up_hashes_the_password_whether_or_not_the_email_is_taken(
    create_user, clock, monkeypatch
):
    create_user(email="ana@example.edu")
    hashed = []
    real = accounts.generate_password_hash
    monkeypatch.setattr(
        accounts, "generate_password_hash", lambda *a, **kw: hashed.append(1) or real(*a, **kw)
    )
    accounts.register_user("new@example.edu", PASSWORD, "New", clock.now())
    with pytest.raises(accounts.AccountError):
        accounts.register_user("ana@example.edu", PASSWORD, "Ana", clock.now())
    assert len(hashed) == 2  # the same slow work, so the time taken tells nothing


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 10"),
        ("aaaaaaaaaaaa", "easy to guess"),
        ("ana@example.edu", "e-mail"),
        ("password1234", "list of common passwords"),
    ],
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


def test_authenticate_accepts_any_case_of_the_email(create_user):
    user = create_user(email="ana@example.edu")
    assert accounts.authenticate(" Ana@Example.edu ", PASSWORD) == user


def test_wrong_password_and_unknown_email_get_the_same_message(create_user):
    create_user(email="ana@example.edu")
    with pytest.raises(accounts.AccountError) as wrong:
        accounts.authenticate("ana@example.edu", "not the password")
    with pytest.raises(accounts.AccountError) as unknown:
        accounts.authenticate("nobody@example.edu", PASSWORD)
    assert (
        str(wrong.value)
        == str(unknown.value)
        == "Wrong e-mail or password. Check both and try again."
    )


def test_deactivated_accounts_cannot_log_in(create_user):
    create_user(email="ana@example.edu", is_active_account=False)
    with pytest.raises(accounts.AccountError, match="Wrong e-mail or password"):
        accounts.authenticate("ana@example.edu", PASSWORD)


def start(user, clock, remember=False):
    return sessions.start_session(user, clock.now(), timedelta(hours=24), remember, "Firefox")


def test_change_password_checks_the_current_one_and_ends_the_other_sessions(create_user, clock):
    user = create_user()
    this, other = start(user, clock), start(user, clock)
    with pytest.raises(accounts.AccountError, match="current password") as caught:
        accounts.check_current_password(user, "not it")
    assert caught.value.field == "current"
    new = accounts.new_password("a brand new password", user.email)
    assert accounts.change_password(user, new, clock.now(), keep_session=this.token) == 1
    assert user.check_password("a brand new password")
    assert sessions.signed_in_user(this.token, clock.now()) == user
    assert sessions.signed_in_user(other.token, clock.now()) is None


def test_reset_link_works_once(create_user, clock):
    admin = create_user(role=Role.ADMIN)
    user = create_user()
    issued = accounts.issue_reset_link(user, admin, clock.now(), timedelta(hours=24))
    db.session.commit()
    accounts.reset_password(issued.token, accounts.new_password("fresh password 1"), clock.now())
    db.session.commit()
    assert user.check_password("fresh password 1")
    with pytest.raises(accounts.AccountError, match="expired or was already used"):
        accounts.reset_password(
            issued.token, accounts.new_password("fresh password 2"), clock.now()
        )


def test_a_reset_through_a_link_ends_every_session(create_user, clock):
    user = create_user()
    first, second = start(user, clock), start(user, clock, remember=True)
    issued = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=24))
    accounts.reset_password(issued.token, accounts.new_password("fresh password 1"), clock.now())
    assert sessions.signed_in_user(first.token, clock.now()) is None
    assert sessions.signed_in_user(second.token, clock.now()) is None


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
