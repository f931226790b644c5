"""Accounts: registration, sign-in checks, passwords, roles and admin-issued reset links.

Every function takes what it needs (user, data, now), flushes, and leaves the commit to
the caller: the request or the command that owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from qbank.domain.days import is_known_timezone
from qbank.extensions import db
from qbank.models import PasswordResetLink, Role, User
from qbank.services import audit
from qbank.services.throttle import LoginThrottle

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
_DUMMY_HASHES: dict[str, str] = {}


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user.

    ``field`` names the form field the message belongs beside, if any.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


EMAIL_TAKEN = "An account with that e-mail already exists. Log in instead."


class LoginThrottled(AccountError):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a new password, or None if it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    if email and password.strip().lower() == normalize_email(email):
        return "Don't use your e-mail address as your password."
    if len(set(password)) < 4:
        return "That password is too easy to guess: mix more different characters."
    return None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def register_user(
    email: str,
    password: str,
    display_name: str,
    now: datetime,
    role: Role = Role.STUDENT,
    timezone: str = "UTC",
) -> User:
    """Create an account; refuse a taken e-mail in any letter case."""
    email = normalize_email(email)
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field="password")
    if find_user_by_email(email) is not None:
        raise AccountError(EMAIL_TAKEN, field="email")
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        role=role.value,
        created_at=now,
        timezone=timezone if is_known_timezone(timezone) else "UTC",
        timezone_confirmed=is_known_timezone(timezone) and timezone != "UTC",
    )
    user.set_password(password)
    db.session.add(user)
    try:
        # The unique constraint is the real guard; this turns a race into the same message.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountError(EMAIL_TAKEN, field="email") from None
    return user


def authenticate(email: str, password: str, address: str, throttle: LoginThrottle) -> User:
    """Return the user these credentials belong to, counting failures against both keys."""
    if throttle.is_blocked(email, address):
        raise LoginThrottled(
            "Too many failed attempts. Wait 15 minutes and try again, or ask an admin for "
            "a password reset link."
        )
    user = find_user_by_email(email)
    ok = user.check_password(password) if user else _check_dummy_password(password)
    if not ok or user is None or not user.is_active:
        throttle.record_failure(email, address)
        raise AccountError("Wrong e-mail or password. Check both and try again.")
    return user


def needs_browser_timezone(user: User, timezone: str) -> bool:
    """Say whether signing in from a browser in ``timezone`` would change the user's zone."""
    return not (
        user.timezone_confirmed or not is_known_timezone(timezone) or timezone == user.timezone
    )


def adopt_browser_timezone(user: User, timezone: str) -> bool:
    """Take the browser's zone for a student who has not chosen one; say if it changed."""
    if not needs_browser_timezone(user, timezone):
        return False
    user.timezone = timezone
    user.timezone_confirmed = True
    db.session.flush()
    return True


def _check_dummy_password(password: str) -> bool:
    """Spend as long as a real check, so response time does not tell who has an account."""
    method = current_app.config["QBANK_PASSWORD_HASH"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)
    return False


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; other sessions are signed out."""
    if not user.check_password(current):
        raise AccountError("Your current password is not right. Type it again.", field="current")
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem, field="password")
    user.set_password(new)
    db.session.flush()


def set_role(user: User, role: Role, acting: User | None, now: datetime) -> None:
    """Grant ``role`` to ``user`` (``acting`` None: the command line); keep one admin."""
    if user.role == Role.ADMIN and role != Role.ADMIN:
        admins = db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.role == Role.ADMIN.value)
        )
        if admins <= 1:
            raise AccountError(
                "This is the only admin. Make someone else an admin first, then change this role."
            )
    if user.role != role.value:
        audit.record(
            acting, audit.Action.ROLE_CHANGED, user, now, before=user.role, after=role.value
        )
    user.role = role.value
    db.session.flush()


@dataclass(frozen=True)
class IssuedResetLink:
    link: PasswordResetLink
    token: str  # shown once, never stored


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_link(
    user: User, issued_by: User | None, now: datetime, valid_for: timedelta
) -> IssuedResetLink:
    """Create a one-time reset token for ``user``; earlier unused ones stop working."""
    for earlier in user.reset_links:
        if earlier.used_at is None:
            earlier.used_at = now
    token = secrets.token_urlsafe(32)
    link = PasswordResetLink(
        user=user,
        token_hash=_hash_token(token),
        created_by_id=issued_by.id if issued_by else None,
        created_at=now,
        expires_at=now + valid_for,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(issued_by, audit.Action.RESET_LINK_ISSUED, user, now)
    return IssuedResetLink(link, token)


def find_reset_link(token: str, now: datetime) -> PasswordResetLink | None:
    """Return the unused, unexpired link for ``token``, or None."""
    link = db.session.scalar(
        sa.select(PasswordResetLink).where(PasswordResetLink.token_hash == _hash_token(token))
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def reset_password(token: str, new: str, now: datetime) -> User:
    """Set a new password through a reset link, which then stops working."""
    link = find_reset_link(token, now)
    if link is None:
        raise AccountError(
            "This reset link has expired or was already used. Ask an admin for a new one."
        )
    problem = password_problem(new, link.user.email)
    if problem:
        raise AccountError(problem, field="password")
    link.used_at = now
    link.user.set_password(new)
    db.session.flush()
    return link.user
