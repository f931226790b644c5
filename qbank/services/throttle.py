"""Login and sign-up throttling, counted in the database so every worker and host shares it.

Keys, each with its rule (``domain.throttle``):

- the account typed (whether or not it exists, so no answer tells who is registered):
  a backoff, for browsers that have not signed in to that account before;
- a known device (a browser holding a device cookie from an earlier sign-in to that
  account): its own backoff, so an attacker's failures elsewhere never keep the owner out;
- the address, for unknown browsers: a generous window, since a campus NAT puts a
  lecture hall behind one address;
- sign-ups per address: a window that lets a class register at once.

A login attempt is counted as a failure before the password is checked and given back
if it succeeds, so parallel requests (several workers) cannot slip past the count.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from qbank.domain.throttle import NO_WAIT, Backoff, Tally, WindowLimit, parse_limit, say_wait
from qbank.extensions import db
from qbank.models import ThrottleCounter

ACCOUNT = "login-account"
DEVICE = "login-device"
ADDRESS = "login-address"
SIGN_UP = "sign-up-address"

_MESSAGES = {
    ACCOUNT: "Too many failed attempts for this account. Try again in {wait}.",
    DEVICE: "Too many failed attempts for this account. Try again in {wait}.",
    ADDRESS: "Too many failed logins from your network. Try again in {wait}.",
    SIGN_UP: "Too many sign-ups from your network. Try again in {wait}.",
}
_PRUNE_BATCH = 100


class Throttled(Exception):
    """An attempt refused without being checked; the message says how long to wait."""

    def __init__(self, scope: str, wait: timedelta) -> None:
        super().__init__(_MESSAGES[scope].format(wait=say_wait(wait)))
        self.wait = wait

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait.total_seconds()))


Rule = Backoff | WindowLimit


@dataclass(frozen=True)
class LoginAttempt:
    email: str
    address: str
    device: str | None = None  # this browser's device nonce for that account, if it has one


@dataclass(frozen=True)
class Throttle:
    account: Backoff
    login_address: WindowLimit
    sign_up_address: WindowLimit

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Throttle:
        return cls(
            account=Backoff(
                free_failures=config["QBANK_LOGIN_FREE_FAILURES"],
                max_wait=timedelta(minutes=config["QBANK_LOGIN_MAX_WAIT_MINUTES"]),
            ),
            login_address=parse_limit(config["QBANK_LOGIN_ADDRESS_LIMIT"]),
            sign_up_address=parse_limit(config["QBANK_SIGNUP_ADDRESS_LIMIT"]),
        )

    def _login_keys(self, attempt: LoginAttempt) -> list[tuple[str, str, Rule]]:
        if attempt.device:
            # A browser that signed in to this account before answers only for itself.
            return [(DEVICE, attempt.device, self.account)]
        email = attempt.email.strip().lower()
        return [(ACCOUNT, email, self.account), (ADDRESS, attempt.address, self.login_address)]

    def _sign_up_keys(self, address: str) -> list[tuple[str, str, Rule]]:
        return [(SIGN_UP, address, self.sign_up_address)]

    def check_login(self, attempt: LoginAttempt, now: datetime) -> None:
        """Refuse an attempt that must wait, reading only: the cheap answer to a flood."""
        keys = self._login_keys(attempt)
        _refuse_if_waiting(keys, _tallies(keys), now)

    def begin_login(self, attempt: LoginAttempt, now: datetime) -> None:
        """Refuse an attempt that must wait, or count it as a failure until it succeeds.

        Run it in the write transaction before checking the password.
        """
        _hit(self._login_keys(attempt), now, self._keeps_for)

    def login_succeeded(self, attempt: LoginAttempt, now: datetime) -> None:
        """Give back the failure ``begin_login`` counted; a backoff forgets all of them."""
        keys = self._login_keys(attempt)
        tallies = _tallies(keys, lock=True)
        for scope, value, rule in keys:
            _store(scope, value, rule.give_back(tallies.get((scope, value)), now))

    def check_sign_up(self, address: str, now: datetime) -> None:
        """Refuse a sign-up from an address that has had its share, reading only."""
        keys = self._sign_up_keys(address)
        _refuse_if_waiting(keys, _tallies(keys), now)

    def count_sign_up(self, address: str, now: datetime) -> None:
        """Refuse a sign-up from an address that has had its share, or count it."""
        _hit(self._sign_up_keys(address), now, self._keeps_for)

    @property
    def _keeps_for(self) -> timedelta:
        rules: tuple[Rule, ...] = (self.account, self.login_address, self.sign_up_address)
        return max(rule.keeps_for for rule in rules)


def _hash(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()


def _tallies(keys: list[tuple[str, str, Rule]], lock: bool = False) -> dict[tuple[str, str], Tally]:
    # The hash covers the scope, so it names the key alone.
    hashes = {_hash(scope, value): (scope, value) for scope, value, _ in keys}
    query = (
        sa.select(ThrottleCounter)
        .where(ThrottleCounter.key_hash.in_(list(hashes)))
        # One order for every request, so two that lock the same keys cannot deadlock.
        .order_by(ThrottleCounter.scope, ThrottleCounter.key_hash)
    )
    if lock:
        query = query.with_for_update()
    return {
        hashes[row.key_hash]: Tally(row.hits, row.started_at, row.last_at)
        for row in db.session.scalars(query)
        if row.hits  # a row _ensure_row just made has counted nothing yet
    }


def _refuse_if_waiting(
    keys: list[tuple[str, str, Rule]], tallies: dict[tuple[str, str], Tally], now: datetime
) -> None:
    waits = [(rule.wait(tallies.get((scope, value)), now), scope) for scope, value, rule in keys]
    wait, scope = max(waits, key=lambda pair: pair[0])
    if wait > NO_WAIT:
        raise Throttled(scope, wait)


def _hit(keys: list[tuple[str, str, Rule]], now: datetime, keeps_for: timedelta) -> None:
    for scope, value, _ in sorted(keys, key=lambda k: (k[0], _hash(k[0], k[1]))):
        _ensure_row(scope, value, now)
    tallies = _tallies(keys, lock=True)
    # A refused attempt writes nothing, so waiting out a wait never makes it longer.
    _refuse_if_waiting(keys, tallies, now)
    for scope, value, rule in keys:
        _store(scope, value, rule.hit(tallies.get((scope, value)), now))
    _prune(now - keeps_for)


def _ensure_row(scope: str, value: str, now: datetime) -> None:
    # Two workers counting a new key at once must not both insert it: the second one
    # waits for the first and then finds its row to lock.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ThrottleCounter)
        .values(scope=scope, key_hash=_hash(scope, value), hits=0, started_at=now, last_at=now)
        .on_conflict_do_nothing()
    )


def _store(scope: str, value: str, tally: Tally | None) -> None:
    where = (ThrottleCounter.scope == scope, ThrottleCounter.key_hash == _hash(scope, value))
    if tally is None:
        db.session.execute(sa.delete(ThrottleCounter).where(*where))
        return
    db.session.execute(
        sa.update(ThrottleCounter)
        .where(*where)
        .values(hits=tally.hits, started_at=tally.started_at, last_at=tally.last_at)
    )


def _prune(before: datetime) -> None:
    # Keys quiet for longer than any rule remembers count for nothing. A few at a time,
    # skipping rows another request holds, so pruning never waits on anyone.
    stale = (
        sa.select(ThrottleCounter.id)
        .where(ThrottleCounter.last_at < before)
        .limit(_PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(
        sa.delete(ThrottleCounter)
        .where(ThrottleCounter.id.in_(stale))
        .execution_options(synchronize_session=False)
    )
