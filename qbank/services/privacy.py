"""A student's own data: download it all, or delete the account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    Badge,
    Cohort,
    DailyActivity,
    MemberRole,
    Membership,
    PastDailyGoal,
    PracticeBlock,
    QuestionSet,
    ReviewLog,
    User,
    UserSession,
    UserStats,
)
from qbank.services import accounts, audit


class DeletionRefused(ValueError):
    pass


def export_data(user: User, now: datetime) -> dict[str, Any]:
    """Everything qbank keeps about a student, as plain JSON-ready values."""
    stats = db.session.get(UserStats, user.id)
    return {
        "exported_at": now.isoformat(),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "created_at": user.created_at.isoformat(),
            "timezone": user.timezone,
            "rollover_hour": user.rollover_hour,
            "desired_retention": user.desired_retention,
            "new_cards_per_day": user.new_cards_per_day,
            "max_reviews_per_day": user.max_reviews_per_day,
            "new_cards_wait_for_reviews": user.new_cards_wait_for_reviews,
            "practice_into_review": user.practice_into_review,
            "fsrs_parameters": user.fsrs_parameters,
            "daily_goal": {"kind": user.daily_goal, "answers": user.daily_goal_answers},
            "earlier_daily_goals": [
                {"until": until.isoformat(), "kind": kind, "answers": answers}
                for until, kind, answers in db.session.execute(
                    sa.select(PastDailyGoal.until_day, PastDailyGoal.goal, PastDailyGoal.answers)
                    .where(PastDailyGoal.user_id == user.id)
                    .order_by(PastDailyGoal.until_day)
                )
            ],
        },
        "signed_in_devices": [
            {
                "device": s.device,
                "signed_in_at": s.created_at.isoformat(),
                "expires_at": s.expires_at.isoformat(),
                "kept_logged_in": s.remember,
            }
            for s in db.session.scalars(
                sa.select(UserSession)
                .where(
                    UserSession.user_id == user.id,
                    UserSession.revoked_at.is_(None),
                    UserSession.expires_at > now,
                )
                .order_by(UserSession.created_at, UserSession.id)
            )
        ],
        "totals": stats
        and {
            "xp": stats.xp,
            "reviews": stats.reviews,
            "correct": stats.correct,
            "current_streak": stats.current_streak,
            "longest_streak": stats.longest_streak,
        },
        "daily_activity": [
            {"day": d.day.isoformat(), "reviews": d.reviews, "correct": d.correct, "xp": d.xp}
            for d in db.session.scalars(
                sa.select(DailyActivity)
                .where(DailyActivity.user_id == user.id)
                .order_by(DailyActivity.day)
            )
        ],
        "badges": [
            {"code": code, "awarded_at": at.isoformat()}
            for code, at in db.session.execute(
                sa.select(Badge.code, Badge.awarded_at).where(Badge.user_id == user.id)
            )
        ],
        "cohorts": [
            {"name": name, "role": role, "shown_on_leaderboard": shown}
            for name, role, shown in db.session.execute(
                sa.select(Cohort.name, Membership.role, Membership.show_on_leaderboard)
                .join(Membership, Membership.cohort_id == Cohort.id)
                .where(Membership.user_id == user.id)
            )
        ],
        "reviews": [
            {
                "question_id": r.question_id,
                "question_version_id": r.question_version_id,
                "reviewed_at": r.reviewed_at.isoformat(),
                "day": r.day.isoformat(),
                "chosen": r.chosen,
                "correct": r.correct,
                "rating": r.rating,
                "time_taken_ms": r.time_taken_ms,
                "mode": r.mode,
                "undone_at": r.undone_at.isoformat() if r.undone_at else None,
            }
            for r in db.session.scalars(
                sa.select(ReviewLog)
                .where(ReviewLog.user_id == user.id)
                .order_by(ReviewLog.reviewed_at, ReviewLog.id)
                .execution_options(yield_per=2000)
            )
        ],
        "practice_blocks": [_block(b) for b in _blocks_of(user)],
    }


def _blocks_of(user: User) -> list[PracticeBlock]:
    return list(
        db.session.scalars(
            sa.select(PracticeBlock)
            .where(PracticeBlock.user_id == user.id)
            .order_by(PracticeBlock.created_at, PracticeBlock.id)
        )
    )


def _block(block: PracticeBlock) -> dict[str, Any]:
    """A practice block as the student made it: its choices, clock and work per question."""
    return {
        "mode": block.mode,
        "order": block.ordering,
        "sources": block.sources,
        "time_limit_s": block.time_limit_s,
        "time_used_ms": block.time_used_ms,
        "created_at": block.created_at.isoformat(),
        "ended_at": block.ended_at.isoformat() if block.ended_at else None,
        "questions": [
            {
                "position": i.position,
                "question_id": i.question_id,
                "question_version_id": i.question_version_id,
                "chosen": i.chosen,
                "correct": i.correct,
                "guessed": i.guessed,
                "marked": i.marked,
                "struck": i.struck,
                "notes": i.notes,
                "time_ms": i.time_ms,
            }
            for i in block.items
        ],
    }


def confirm_deletion(user: User, password: str) -> None:
    """Check the password of a student deleting their account (slow: before the write lock)."""
    if not user.check_password(password):
        raise accounts.AccountError("That password is not right. Type it again.", field="password")


def delete_account(user: User, now: datetime) -> None:
    """Delete the account and everything personal; cohorts keep a rep if they have members.

    The caller has checked the password (``confirm_deletion``).
    """
    if db.session.scalar(sa.select(QuestionSet.id).where(QuestionSet.owner_id == user.id).limit(1)):
        raise DeletionRefused(
            "You own question sets. Ask an admin to hand them to a colleague, then delete "
            "your account."
        )
    for membership in db.session.scalars(
        sa.select(Membership).where(
            Membership.user_id == user.id, Membership.role == MemberRole.REP.value
        )
    ):
        _hand_over(membership.cohort_id, user.id)
    # Reviews, card states, enrollments, memberships, projections and badges go with the
    # user row (ON DELETE CASCADE); reports they filed stay, without their name.
    # The event keeps no personal data: who it was is a number that no longer leads anywhere.
    label = f"user #{user.id}"
    audit.record(user, audit.Action.ACCOUNT_DELETED, user, now, label=label, actor_label=label)
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.flush()


def _hand_over(cohort_id: int, leaving_id: int) -> None:
    others = sa.select(Membership).where(
        Membership.cohort_id == cohort_id, Membership.user_id != leaving_id
    )
    if db.session.scalar(others.where(Membership.role == MemberRole.REP.value).limit(1)):
        return
    successor = db.session.scalar(others.order_by(Membership.joined_at, Membership.id).limit(1))
    if successor is None:
        db.session.execute(sa.delete(Cohort).where(Cohort.id == cohort_id))
    else:
        successor.role = MemberRole.REP.value
