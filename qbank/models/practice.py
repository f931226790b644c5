"""Practice blocks: a student's fixed list of questions, answered against a clock or not,
and each question's answer as it stands in the block; and the fixed blocks faculty
assign to a cohort, which each member takes as a block of their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qbank.domain.practice import Mode, Order
from qbank.extensions import Model
from qbank.models.types import UTCDateTime, enum_check

OPEN = sa.text("ended_at IS NULL")
ASSIGNED = sa.text("assignment_id IS NOT NULL")


class PracticeBlock(Model):
    """One block: how it was built, its clock, and when it ended (None: in progress)."""

    __tablename__ = "practice_blocks"
    __table_args__ = (
        # One block in progress per student: a second tab or a double submit of the
        # builder cannot start another.
        sa.Index(
            "uq_practice_blocks_one_open",
            "user_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        sa.Index("ix_practice_blocks_user_created", "user_id", "created_at"),
        # One attempt per member at an assigned block.
        sa.Index(
            "uq_practice_blocks_one_attempt",
            "assignment_id",
            "user_id",
            unique=True,
            sqlite_where=ASSIGNED,
            postgresql_where=ASSIGNED,
        ),
        sa.CheckConstraint(enum_check("mode", Mode), name="mode"),
        sa.CheckConstraint(enum_check("ordering", Order), name="ordering"),
        sa.CheckConstraint("time_used_ms >= 0", name="time_used_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(sa.String(8))
    ordering: Mapped[str] = mapped_column(sa.String(8))
    seed: Mapped[int]
    # What the student asked for: {"sets": [ids], "tags": [names], "pools": [pools]}.
    sources: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    seconds_per_question: Mapped[int | None]
    time_limit_s: Mapped[int | None]  # None: untimed
    time_used_ms: Mapped[int] = mapped_column(default=0)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: paused
    position: Mapped[int] = mapped_column(default=1)  # the question last shown, from 1
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The assignment this block is a member's attempt at (None: the student built it).
    assignment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("block_assignments.id", ondelete="SET NULL")
    )

    items: Mapped[list[BlockItem]] = relationship(
        order_by="BlockItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="block",
    )


class BlockItem(Model):
    """One question of a block and the student's work on it."""

    __tablename__ = "block_items"
    __table_args__ = (
        sa.UniqueConstraint("block_id", "position"),
        sa.UniqueConstraint("block_id", "question_id"),
        # Peers' first answers to a question, for the percentile: covering, so a report
        # reads the index alone for a class's thousands of answers to its questions.
        sa.Index(
            "ix_block_items_question_first", "question_id", "answered_at", "block_id", "correct"
        ),
        sa.CheckConstraint("time_ms >= 0", name="time_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("practice_blocks.id", ondelete="CASCADE"))
    position: Mapped[int]
    # The block keeps the version it showed: an edit during the block changes nothing.
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="RESTRICT"))
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    chosen: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True))
    correct: Mapped[bool | None]
    guessed: Mapped[bool] = mapped_column(default=False)
    marked: Mapped[bool] = mapped_column(default=False)
    struck: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    time_ms: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The review-log row the answer became when the block ended.
    review_log_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("review_logs.id", ondelete="SET NULL")
    )

    block: Mapped[PracticeBlock] = relationship(back_populates="items")


class BlockAssignment(Model):
    """A fixed block set by a faculty member for a cohort: the same questions, mode and
    time for every member, due by a moment. Each member's attempt is a ``PracticeBlock``."""

    __tablename__ = "block_assignments"
    __table_args__ = (
        sa.CheckConstraint(enum_check("mode", Mode), name="mode"),
        sa.Index("ix_block_assignments_cohort_due", "cohort_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    # The set its questions come from: one of the author's sets assigned to the cohort.
    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    mode: Mapped[str] = mapped_column(sa.String(8))
    seconds_per_question: Mapped[int | None]  # None: untimed (always None in tutor mode)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    questions: Mapped[list[AssignmentQuestion]] = relationship(
        order_by="AssignmentQuestion.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class AssignmentQuestion(Model):
    """One question of an assigned block, in the order every member gets it."""

    __tablename__ = "assignment_questions"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "question_id"),)

    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("block_assignments.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
