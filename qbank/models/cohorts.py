"""Cohorts, their members and reps, the sets assigned to them, and leaderboard settings."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qbank.extensions import db
from qbank.models.types import UTCDateTime, enum_check
from qbank.models.users import User


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    REP = "rep"


class BoardWindow(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL_TIME = "all_time"
    CUSTOM = "custom"


class BoardMetric(enum.StrEnum):
    XP = "xp"
    CORRECT = "correct"
    STREAK = "streak"
    ACCURACY = "accuracy"


class BoardView(enum.StrEnum):
    FULL = "full"
    AROUND_ME = "around_me"


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        sa.CheckConstraint(enum_check("board_window", BoardWindow), name="board_window"),
        sa.CheckConstraint(enum_check("board_metric", BoardMetric), name="board_metric"),
        sa.CheckConstraint(enum_check("board_view", BoardView), name="board_view"),
        sa.CheckConstraint(
            "board_window != 'custom' OR (window_start IS NOT NULL AND window_end IS NOT NULL"
            " AND window_start <= window_end)",
            name="custom_window_dates",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    board_window: Mapped[str] = mapped_column(sa.String(16), default=BoardWindow.WEEK.value)
    window_start: Mapped[date | None]
    window_end: Mapped[date | None]
    board_metric: Mapped[str] = mapped_column(sa.String(16), default=BoardMetric.XP.value)
    accuracy_min_answers: Mapped[int] = mapped_column(default=50)
    anonymous: Mapped[bool] = mapped_column(default=False)
    board_view: Mapped[str] = mapped_column(sa.String(16), default=BoardView.FULL.value)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id"),
        sa.CheckConstraint(enum_check("role", MemberRole), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=MemberRole.MEMBER.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    show_on_leaderboard: Mapped[bool] = mapped_column(default=True)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


cohort_sets = sa.Table(
    "cohort_sets",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "set_id",
        sa.ForeignKey("question_sets.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
