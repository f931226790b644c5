"""Accounts: registration, sign-in checks, passwords, roles and admin-issued reset links.

Every function takes what it needs (user, data, now), flushes, and leaves the commit to
the caller: the request or the command that owns the transaction. Hashing a password is
slow on purpose, so the functions that hash (``new_password``, ``new_account``) and the
one that checks (``authenticate``) write nothing: call them before the write transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from qbank.domain.days import is_known_timezone
from qbank.domain.passwords import password_problem
from qbank.extensions import db
from qbank.models import PasswordResetLink, Role, User, hash_token
from qbank.services import audit, sessions

_DUMMY_HASHES: dict[str, str] = {}


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user.

    ``field`` names the form field the message belongs beside, if any.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# Said for every refusal of a sign-up that is not about the password, so the page never
# tells whether an e-mail is registered. (A sign-up that works shows that it was not.)
REGISTRATION_REFUSED = (
    "We could not create an account with these details. If you already have one, log in, "
    "or ask an admin for a reset link."
)
WRONG_CREDENTIALS = "Wrong e-mail or password. Check both and try again."


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class NewPassword:
    """A password that passed the checks, already hashed."""

    hash: str


@dataclass(frozen=True)
class NewAccount:
    email: str
    display_name: str
    password: NewPassword


def new_password(password: str, email: str = "", name: str = "") -> NewPassword:
    """Check a new password and hash it (slow); refuse a weak one beside its field."""
    problem = password_problem(password, email, name)
    if problem:
        raise AccountError(problem, field="password")
    method = current_app.config["QBANK_PASSWORD_HASH"]
    return NewPassword(generate_password_hash(password, method=method))


def new_account(email: str, password: str, display_name: str) -> NewAccount:
    """Check and hash what a sign-up form sent, whether or not the e-mail is taken."""
    email = normalize_email(email)
    display_name = display_name.strip() or email.split("@")[0]
    return NewAccount(email, display_name, new_password(password, email, display_name))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_account(
    account: NewAccount, now: datetime, role: Role = Role.STUDENT, timezone: str = "UTC"
) -> User:
    """Create the account; refuse a taken e-mail without saying it is taken."""
    if find_user_by_email(account.email) is not None:
        raise AccountError(REGISTRATION_REFUSED)
    user = User(
        email=account.email,
        display_name=account.display_name,
        password_hash=account.password.hash,
        role=role.value,
        created_at=now,
        timezone=timezone if is_known_timezone(timezone) else "UTC",
        timezone_confirmed=is_known_timezone(timezone) and timezone != "UTC",
    )
    db.session.add(user)
    try:
        # The unique constraint is the real guard; this turns a race into the same message.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountError(REGISTRATION_REFUSED) from None
    return user


def register_user(
    email: str,
    password: str,
    display_name: str,
    now: datetime,
    role: Role = Role.STUDENT,
    timezone: str = "UTC",
) -> User:
    """Check, hash and create an account in one call (for commands, seeds and tests)."""
    return create_account(new_account(email, password, display_name), now, role, timezone)


def authenticate(email: str, password: str) -> User:
    """Return the active user these credentials belong to; the same refusal for any miss."""
    user = find_user_by_email(email)
    ok = user.check_password(password) if user else _check_dummy_password(password)
    if not ok or user is None or not user.is_active:
        raise AccountError(WRONG_CREDENTIALS)
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


def check_current_password(user: User, current: str) -> None:
    """Refuse a password change whose current password is wrong (slow: it hashes)."""
    if not user.check_password(current):
        raise AccountError("Your current password is not right. Type it again.", field="current")


def change_password(
    user: User, password: NewPassword, now: datetime, keep_session: str | None
) -> int:
    """Set a new password; every session but ``keep_session`` ends. Count those ended."""
    user.password_hash = password.hash
    ended = sessions.end_other_sessions(user, keep_session, now)
    db.session.flush()
    return ended


def set_role(user: User, role: Role, acting: User | None, now: datetime) -> None:
    """Grant ``role`` to ``user`` (``acting`` None: the command line); keep one admin."""
    if user.role == Role.ADMIN and role != Role.ADMIN:
        admins = db.session.execute(
            sa.select(sa.func.count()).select_from(User).where(User.role == Role.ADMIN.value)
        ).scalar_one()
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
        token_hash=hash_token(token),
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
        sa.select(PasswordResetLink).where(PasswordResetLink.token_hash == hash_token(token))
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def reset_password(token: str, password: NewPassword, now: datetime) -> User:
    """Set a new password through a reset link, which then stops working; sign out all."""
    link = find_reset_link(token, now)
    if link is None:
        raise AccountError(
            "This reset link has expired or was already used. Ask an admin for a new one."
        )
    link.used_at = now
    link.user.password_hash = password.hash
    sessions.end_other_sessions(link.user, None, now)
    db.session.flush()
    return link.user
