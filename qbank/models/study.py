"""What students study: enrollments, exam dates, per-card FSRS state and the review log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qbank.domain.modes import COUNTED_MODES, Projection, ReviewMode
from qbank.extensions import Model
from qbank.models.types import UTCDateTime, enum_check


class Enrollment(Model):
    __tablename__ = "enrollments"
    __table_args__ = (sa.UniqueConstraint("user_id", "set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Unenrolling hides the cards but keeps the history; re-enrolling clears it.
    unenrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExamDate(Model):
    """The day of an exam on a set: a student's own, or a cohort's for all its members.

    A student's own date comes first; otherwise the earliest coming one of their cohorts.
    """

    __tablename__ = "exam_dates"
    __table_args__ = (
        sa.UniqueConstraint("set_id", "user_id"),
        sa.UniqueConstraint("set_id", "cohort_id"),
        sa.CheckConstraint("(user_id IS NULL) != (cohort_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CardState(Model):
    """A projection of the review log: one student's FSRS state for one question."""

    __tablename__ = "card_states"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "question_id"),
        sa.Index("ix_card_states_user_due", "user_id", "due"),
        sa.Index("ix_card_states_user_due_day", "user_id", "due_day"),
        sa.CheckConstraint("state IN (1, 2, 3)", name="fsrs_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[int]  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    # A review-state card is due on a study day (``due`` is when it starts, in the zone of
    # the time it was scheduled); None while learning, when ``due`` is the step's minute.
    due_day: Mapped[date | None]
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_review_day: Mapped[date | None]  # the study day of the last review
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    suspended: Mapped[bool] = mapped_column(default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flagged: Mapped[bool] = mapped_column(default=False)


def _utc_date_of_review(context: Any) -> date:
    return context.get_current_parameters()["reviewed_at"].date()


class ReviewLog(Model):
    """One answer, as it happened. Rows are never updated except to mark them undone."""

    __tablename__ = "review_logs"
    __table_args__ = (
        # The card page's one-time token: a double submit or a retry records one review.
        sa.UniqueConstraint("user_id", "answer_token"),
        sa.Index("ix_review_logs_user_time", "user_id", "reviewed_at"),
        # A card's latest review, read for its one-time token on every card shown.
        sa.Index("ix_review_logs_user_question", "user_id", "question_id", "id"),
        # A version's answers: its item statistics, and whether an edit needs a new version.
        sa.Index("ix_review_logs_question_version", "question_version_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
        sa.CheckConstraint("time_taken_ms >= 0", name="time_taken_positive"),
        sa.CheckConstraint(enum_check("mode", ReviewMode), name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Reviews pin their question: a question with history is retired, never deleted.
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The student's study day when they answered (their zone and rollover then), kept so
    # that a later change of time zone never moves past answers to other days. Writers
    # that do not know it (history imported from elsewhere) get the UTC date.
    day: Mapped[date] = mapped_column(default=_utc_date_of_review)
    answer_token: Mapped[str] = mapped_column(sa.String(64))
    chosen: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    correct: Mapped[bool]
    rating: Mapped[int]
    time_taken_ms: Mapped[int]
    mode: Mapped[str] = mapped_column(sa.String(16), default=ReviewMode.REVIEW.value)
    # NULL (not JSON null) for a new card, so "was it new?" is a plain IS NULL.
    state_before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    state_after: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Cards still due today after this answer, as seen then: the "clear all due" goal.
    due_left: Mapped[int | None]

    @classmethod
    def counted_in(cls, projection: Projection) -> sa.ColumnElement[bool]:
        """The answers a projection counts: not undone, in a mode it lists."""
        modes = sorted(mode.value for mode in COUNTED_MODES[projection])
        return sa.and_(cls.undone_at.is_(None), cls.mode.in_(modes))
