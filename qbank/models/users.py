"""Accounts: users, their roles and study settings, signed-in sessions and reset links."""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from qbank.extensions import Model
from qbank.models.types import UTCDateTime, enum_check


class Role(enum.StrEnum):
    STUDENT = "student"
    FACULTY = "faculty"
    ADMIN = "admin"


class DailyGoal(enum.StrEnum):
    ALL_DUE = "all_due"
    ANSWERS = "answers"


def hash_token(token: str) -> str:
    """Return the digest that is stored in place of a secret token."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        # Stored lower-case, so the unique constraint is case-insensitive on every engine.
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
        sa.CheckConstraint(enum_check("role", Role), name="role_known"),
        sa.CheckConstraint(enum_check("daily_goal", DailyGoal), name="daily_goal_known"),
        sa.CheckConstraint("rollover_hour BETWEEN 0 AND 23", name="rollover_hour_range"),
        sa.CheckConstraint(
            "desired_retention BETWEEN 0.70 AND 0.97", name="desired_retention_range"
        ),
        sa.CheckConstraint("new_cards_per_day >= 0", name="new_cards_per_day_positive"),
        sa.CheckConstraint("max_reviews_per_day >= 0", name="max_reviews_per_day_positive"),
        sa.CheckConstraint(
            "daily_goal_answers BETWEEN 1 AND 1000", name="daily_goal_answers_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.STUDENT.value)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    timezone_confirmed: Mapped[bool] = mapped_column(default=False)
    rollover_hour: Mapped[int] = mapped_column(default=4)
    desired_retention: Mapped[float] = mapped_column(default=0.90)
    new_cards_per_day: Mapped[int] = mapped_column(default=20)
    # While more reviews are due than today's limit leaves, new cards wait.
    new_cards_wait_for_reviews: Mapped[bool] = mapped_column(default=True)
    # Each weekday's share of a normal day's reviews in percent, Monday first (None: all
    # 100): a lighter day gets fewer reviews when load balancing picks review days.
    easy_days: Mapped[list[int] | None] = mapped_column(sa.JSON)
    max_reviews_per_day: Mapped[int] = mapped_column(default=200)
    confirm_rating: Mapped[bool] = mapped_column(default=False)
    # A question missed or guessed in a practice block becomes (or lapses) a review card.
    practice_into_review: Mapped[bool] = mapped_column(default=True)
    fsrs_parameters: Mapped[list[float] | None] = mapped_column(sa.JSON)
    # When they last optimized (kept or not), and their reviews then: when to offer again.
    fsrs_optimized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fsrs_optimized_reviews: Mapped[int] = mapped_column(default=0)
    daily_goal: Mapped[str] = mapped_column(sa.String(16), default=DailyGoal.ALL_DUE.value)
    daily_goal_answers: Mapped[int] = mapped_column(default=20)

    reset_links: Mapped[list[PasswordResetLink]] = relationship(
        back_populates="user",
        foreign_keys="PasswordResetLink.user_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    # The token of the session this object was loaded through or just started: it is what
    # Flask-Login keeps in the session and the remember-me cookie. Not a column, so its
    # type is declared only to the type checker: the ORM takes an annotation for a column.
    if TYPE_CHECKING:
        session_token: str | None
    session_token = None

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("Start a session (services.sessions.start_session) first.")
        return self.session_token

    # Flask-Login compares users by get_id(), a session's token here; two objects are the
    # same user when they are the same account, whichever session loaded them.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class PastDailyGoal(Model):
    """The daily goal a student had until a given study day, before they changed it.

    Every day is judged by the goal it began with (a change made after the day's first
    answer waits for the next day), so a rebuild from the log judges each past day as
    it was judged then.
    """

    __tablename__ = "past_daily_goals"
    __table_args__ = (
        sa.CheckConstraint(enum_check("goal", DailyGoal), name="goal_known"),
        sa.CheckConstraint("answers BETWEEN 1 AND 1000", name="answers_range"),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    until_day: Mapped[date] = mapped_column(primary_key=True)  # first day it no longer held
    goal: Mapped[str] = mapped_column(sa.String(16))
    answers: Mapped[int]


class PasswordResetLink(Model):
    """A one-time link an admin hands to a user who lost their password."""

    __tablename__ = "password_reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash is kept: a database leak must not hand out working links.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="reset_links", foreign_keys=[user_id])


class UserSession(Model):
    """One signed-in browser. Logging out revokes it, and its cookies stop working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash is kept: a database leak must not hand out working sessions.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool]  # "Keep me logged in"
    device: Mapped[str] = mapped_column(sa.String(120))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
