"""Which sets a student studies: open sets they choose, and sets assigned to their cohorts.

Card state is created on a card's first review, so enrolling in 20,000 questions costs
one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Enrollment, Membership, QuestionSet, User, cohort_sets
from qbank.services import access


class EnrollmentError(ValueError):
    pass


@dataclass(frozen=True)
class LibraryLine:
    question_set: QuestionSet
    questions: int
    enrolled: bool


def library_for(user: User) -> list[LibraryLine]:
    """The sets open to this student, with whether they study each."""
    count = access.live_question_count()
    active = access.enrolled_in(user)
    rows = db.session.execute(
        sa.select(QuestionSet, count, active)
        .where(access.open_sets(user))
        .order_by(QuestionSet.title)
    )
    return [LibraryLine(s, n, bool(e)) for s, n, e in rows]


def enroll(user: User, question_set: QuestionSet, now: datetime) -> Enrollment:
    """Study a set; re-enrolling brings back the cards and their history."""
    is_open = db.session.scalar(
        sa.select(QuestionSet.id).where(QuestionSet.id == question_set.id, access.open_sets(user))
    )
    if is_open is None:
        raise EnrollmentError("That set is not open to you. Ask its owner or your class rep.")
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.user_id == user.id, Enrollment.set_id == question_set.id
        )
    )
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, set_id=question_set.id, enrolled_at=now)
        db.session.add(enrollment)
    enrollment.unenrolled_at = None
    db.session.flush()
    return enrollment


def unenroll(user: User, question_set: QuestionSet, now: datetime) -> None:
    """Stop studying a set: its cards leave the queue; the history stays."""
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.user_id == user.id, Enrollment.set_id == question_set.id
        )
    )
    if enrollment is not None and enrollment.unenrolled_at is None:
        enrollment.unenrolled_at = now
        db.session.flush()


def enroll_cohort_members(cohort_ids: list[int], set_id: int, now: datetime) -> None:
    """Give a newly assigned set to every member of these cohorts who never had it."""
    if not cohort_ids:
        return
    had_it = sa.select(Enrollment.user_id).where(Enrollment.set_id == set_id)
    members = db.session.scalars(
        sa.select(Membership.user_id)
        .where(Membership.cohort_id.in_(cohort_ids), Membership.user_id.not_in(had_it))
        .distinct()
    ).all()
    db.session.add_all(Enrollment(user_id=u, set_id=set_id, enrolled_at=now) for u in members)
    db.session.flush()


def enroll_in_cohort_sets(user: User, cohort_id: int, now: datetime) -> None:
    """Give a new cohort member the sets assigned to the cohort (unless they left one before).

    Only sets the cohort may see: an assignment that outlived its set's sharing gives nothing.
    """
    had_it = sa.select(Enrollment.set_id).where(Enrollment.user_id == user.id)
    set_ids = db.session.scalars(
        sa.select(cohort_sets.c.set_id)
        .join(QuestionSet, QuestionSet.id == cohort_sets.c.set_id)
        .where(
            cohort_sets.c.cohort_id == cohort_id,
            cohort_sets.c.set_id.not_in(had_it),
            access.shared_with_cohort(cohort_id),
        )
    ).all()
    db.session.add_all(Enrollment(user_id=user.id, set_id=s, enrolled_at=now) for s in set_ids)
    db.session.flush()
