"""Cohorts, their members and reps, the sets assigned to them, and leaderboard settings."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qbank.domain.leaderboard import BoardMetric, BoardView, BoardWindow
from qbank.extensions import Model, db
from qbank.models.types import UTCDateTime, enum_check
from qbank.models.users import User


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    REP = "rep"


class Cohort(Model):
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


class Membership(Model):
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

    @property
    def is_rep(self) -> bool:
        return self.role == MemberRole.REP


# The sets a cohort studies: members are enrolled, and the set's owner follows the
# cohort's progress in it. Assigning grants no access: see ``set_shares``.
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
    sa.Column("assigned_by_id", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("assigned_at", UTCDateTime),
)

# Who may see a set shared with cohorts: its owner's (or an admin's) choice alone. A
# set whose visibility is "cohorts" is open to the current members of these cohorts.
set_shares = sa.Table(
    "set_shares",
    db.metadata,
    sa.Column("set_id", sa.ForeignKey("question_sets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
    sa.Column("granted_by_id", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("granted_at", UTCDateTime, nullable=False),
)


class CohortFaculty(Model):
    """A faculty member a cohort works with: invited by a rep, or granted by an admin.

    They may share and assign their sets to the cohort, and follow its progress.
    """

    __tablename__ = "cohort_faculty"

    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
