"""Signed-in sessions: one row per browser, so logging out (or a new password) ends it.

The browser holds a random token, in Flask-Login's session cookie and, with "Keep me
logged in", its remember-me cookie; the database holds only the token's hash. A request
is signed in while that row is neither revoked nor expired, and reading it writes
nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from qbank.domain.devices import MAX_LENGTH as DEVICE_LENGTH
from qbank.extensions import db
from qbank.models import User, UserSession, hash_token


@dataclass(frozen=True)
class StartedSession:
    session: UserSession
    token: str  # handed to the browser once, never stored


def start_session(
    user: User, now: datetime, lifetime: timedelta, remember: bool, device: str
) -> StartedSession:
    """Open a session for ``user`` that the server refuses after ``lifetime``."""
    # Sessions that can no longer sign anyone in are of no use: drop them as the user
    # signs in again, so the table does not grow with every login.
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id,
            sa.or_(UserSession.revoked_at.is_not(None), UserSession.expires_at <= now),
        )
    )
    token = secrets.token_urlsafe(32)
    session = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + lifetime,
        remember=remember,
        device=device[:DEVICE_LENGTH],
    )
    db.session.add(session)
    db.session.flush()
    user.session_token = token
    return StartedSession(session, token)


def _live(now: datetime) -> list[sa.ColumnElement[bool]]:
    return [UserSession.revoked_at.is_(None), UserSession.expires_at > now]


def signed_in_user(token: str, now: datetime) -> User | None:
    """Return the active user whose live session has ``token``, or None; one query."""
    user = db.session.scalar(
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token), User.is_active_account, *_live(now))
    )
    if user is not None:
        user.session_token = token
    return user


def active_sessions(user: User, now: datetime) -> list[UserSession]:
    """The user's live sessions, newest first."""
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, *_live(now))
            .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        )
    )


def is_current(session: UserSession, token: str | None) -> bool:
    """Say whether ``session`` is the one the request was signed in with."""
    return token is not None and session.token_hash == hash_token(token)


def _updated(statement: sa.Update) -> sa.CursorResult[Any]:
    """Run an UPDATE in the session; its result has the rowcount that Result's type lacks."""
    return cast("sa.CursorResult[Any]", db.session.execute(statement))


def end_session(user: User, session_id: int, now: datetime) -> bool:
    """Revoke one of the user's own sessions; say whether there was one to end."""
    result = _updated(
        sa.update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user.id, *_live(now))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


def end_current_session(token: str, now: datetime) -> None:
    """Revoke the session with ``token``: its cookies stop working on their next request."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def end_other_sessions(user: User, keep_token: str | None, now: datetime) -> int:
    """Revoke every live session of the user but the one with ``keep_token``; count them."""
    keep = [UserSession.token_hash != hash_token(keep_token)] if keep_token else []
    result = _updated(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, *_live(now), *keep)
        .values(revoked_at=now)
    )
    return result.rowcount
