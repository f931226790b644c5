import threading
from datetime import timedelta

import pytest

from qbank.database import write_transaction
from qbank.domain.throttle import Backoff, WindowLimit
from qbank.extensions import db
from qbank.models import ThrottleCounter
from qbank.services.throttle import ADDRESS, LoginAttempt, Throttle, Throttled

ATTEMPT = LoginAttempt("ana@example.edu", "10.0.0.1")


def throttle(free_failures=5):
    return Throttle(
        account=Backoff(free_failures=free_failures),
        login_address=WindowLimit(100, timedelta(minutes=15)),
        sign_up_address=WindowLimit(200, timedelta(hours=1)),
    )


def counts():
    return {(row.scope, row.hits) for row in db.session.scalars(db.select(ThrottleCounter))}


def test_parallel_attempts_cannot_slip_past_the_count(app, clock):
    # No free failure: of eight attempts sent at once on a key never seen, one is checked.
    rules = throttle(free_failures=0)
    start = threading.Barrier(8)
    outcomes = []

    def attempt():
        with app.app_context():
            start.wait()
            try:
                with write_transaction():
                    rules.begin_login(ATTEMPT, clock.now())
            except Throttled:
                outcomes.append("refused")
            else:
                outcomes.append("checked")
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["checked"] + ["refused"] * 7
    assert counts() == {("login-account", 1), (ADDRESS, 1)}


def test_a_success_forgets_the_account_and_gives_back_the_address_failure(app, clock):
    rules = throttle()
    other = LoginAttempt("bo@example.edu", ATTEMPT.address)
    rules.begin_login(other, clock.now())
    for _ in range(3):
        rules.begin_login(ATTEMPT, clock.now())
    assert counts() == {("login-account", 1), ("login-account", 3), (ADDRESS, 4)}
    rules.login_succeeded(ATTEMPT, clock.now())
    assert counts() == {("login-account", 1), (ADDRESS, 3)}


def test_counters_quiet_for_longer_than_any_rule_remembers_are_dropped(app, clock):
    rules = throttle()
    rules.begin_login(ATTEMPT, clock.now())
    clock.advance(days=1, seconds=1)
    rules.begin_login(LoginAttempt("bo@example.edu", "10.0.0.2"), clock.now())
    db.session.flush()
    assert counts() == {("login-account", 1), (ADDRESS, 1)}
    assert db.session.scalar(db.select(db.func.count()).select_from(ThrottleCounter)) == 2


def test_the_typed_email_is_not_stored(app, clock):
    throttle().begin_login(ATTEMPT, clock.now())
    stored = " ".join(
        f"{row.scope} {row.key_hash}" for row in db.session.scalars(db.select(ThrottleCounter))
    )
    assert "ana" not in stored and "10.0.0.1" not in stored


@pytest.mark.parametrize("free", [0, 5])
def test_refusals_write_nothing(app, clock, free):
    rules = throttle(free_failures=free)
    for _ in range(free or 1):
        rules.begin_login(ATTEMPT, clock.now())
    before = counts()
    with pytest.raises(Throttled, match="Try again in 2 seconds"), write_transaction():
        rules.begin_login(ATTEMPT, clock.now())
    assert counts() == before
