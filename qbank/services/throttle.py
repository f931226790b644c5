"""Login throttling: failures counted per account and per address, in shared storage."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class LoginThrottle:
    """Count failed logins; refuse more once either key reaches the limit.

    The account key is the address typed, whether or not such an account exists, so
    a throttled answer never tells an attacker which e-mails are registered.
    """

    limiter: MovingWindowRateLimiter
    limit: RateLimitItem

    @classmethod
    def from_settings(cls, storage_url: str, limit: str) -> LoginThrottle:
        storage: Storage = storage_from_string(storage_url)
        return cls(MovingWindowRateLimiter(storage), parse(limit))

    def _keys(self, email: str, address: str) -> list[tuple[str, str]]:
        return [("login-account", email.strip().lower()), ("login-address", address)]

    def is_blocked(self, email: str, address: str) -> bool:
        return any(not self.limiter.test(self.limit, *key) for key in self._keys(email, address))

    def record_failure(self, email: str, address: str) -> None:
        for key in self._keys(email, address):
            self.limiter.hit(self.limit, *key)
