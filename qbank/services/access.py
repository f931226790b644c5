"""Who may see and study what, decided in one place.

Access comes from each set's current sharing and each user's current memberships, at
the moment of asking: a set made private, or a cohort left, closes the set at once,
questions added later included. Enrolments and the review log stay (history stays,
access goes), so access comes back with the sharing.

- A set's owner (faculty) and admins manage it and see everything in it.
- A student may *see* a set that is published, not retired, and either open to
  everyone or shared by its owner with a cohort the student is in now.
- A student *studies* the live questions of the sets they may see and have enrolled in.
- Only a set's owner or an admin widens who sees it (``set_shares``). A class rep may
  assign to their own cohort only what it may already see.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVarTuple

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    Cohort,
    CohortFaculty,
    Enrollment,
    MediaFile,
    MediaUpload,
    Membership,
    Question,
    QuestionSet,
    QuestionVersion,
    Role,
    User,
    Visibility,
    question_version_media,
    set_shares,
)

# The column types of a select that a helper narrows to what a user may see.
Columns = TypeVarTuple("Columns")


# --- sets ------------------------------------------------------------------------------


def manages_set(user: User, question_set: QuestionSet) -> bool:
    """The set's owner (while faculty) and admins manage it."""
    return user.has_role(Role.ADMIN) or (
        user.has_role(Role.FACULTY) and question_set.owner_id == user.id
    )


def _managed_sets(user: User) -> sa.ColumnElement[bool]:
    if user.has_role(Role.ADMIN):
        return sa.true()
    if user.has_role(Role.FACULTY):
        return QuestionSet.owner_id == user.id
    return sa.false()


def _open(shared: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(
        QuestionSet.published.is_(True),
        QuestionSet.retired_at.is_(None),
        sa.or_(
            QuestionSet.visibility == Visibility.PUBLIC.value,
            sa.and_(QuestionSet.visibility == Visibility.COHORTS.value, shared),
        ),
    )


def shared_with_cohort(cohort_id: int | sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """Sets a cohort's members may see: open to everyone, or shared with that cohort."""
    return _open(
        sa.select(set_shares.c.set_id)
        .where(set_shares.c.set_id == QuestionSet.id, set_shares.c.cohort_id == cohort_id)
        .exists()
    )


def open_sets(user: User) -> sa.ColumnElement[bool]:
    """Sets open to this user as a student: published, live, public or shared with them."""
    return _open(
        sa.select(set_shares.c.set_id)
        .join(Membership, Membership.cohort_id == set_shares.c.cohort_id)
        .where(set_shares.c.set_id == QuestionSet.id, Membership.user_id == user.id)
        .exists()
    )


def visible_sets(user: User) -> sa.ColumnElement[bool]:
    """Sets whose content this user may see: the ones they manage and the ones open to them."""
    return sa.or_(_managed_sets(user), open_sets(user))


def can_see_set(user: User, question_set: QuestionSet) -> bool:
    if manages_set(user, question_set):
        return True
    return _exists(
        sa.select(QuestionSet.id).where(QuestionSet.id == question_set.id, open_sets(user))
    )


def enrolled_in(user: User) -> sa.ColumnElement[bool]:
    """Sets the student has chosen (or been given) to study and not left: not access."""
    return (
        sa.select(Enrollment.id)
        .where(
            Enrollment.set_id == QuestionSet.id,
            Enrollment.user_id == user.id,
            Enrollment.unenrolled_at.is_(None),
        )
        .exists()
    )


def studied_set_ids(user: User) -> sa.Select[int]:
    """The sets this student studies now: enrolled in, and still open to them."""
    # Never correlated: it must mean the same inside a query that joins the sets itself.
    return sa.select(QuestionSet.id).where(open_sets(user), enrolled_in(user)).correlate(None)


def live_question_count() -> sa.ScalarSelect[int]:
    """How many live (not retired) questions a set holds, for a select of sets."""
    return (
        sa.select(sa.func.count(Question.id))
        .where(Question.set_id == QuestionSet.id, Question.retired_at.is_(None))
        .scalar_subquery()
    )


def studied_questions(user: User) -> sa.ColumnElement[bool]:
    """Questions this student studies now: live questions of the sets they study."""
    return sa.and_(Question.retired_at.is_(None), Question.set_id.in_(studied_set_ids(user)))


def studyable_version(user: User, question_id: int) -> QuestionVersion | None:
    """The current version of a question this student may study now, in one query; else None."""
    return db.session.scalar(
        sa.select(QuestionVersion)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(
            Question.id == question_id,
            QuestionVersion.number == Question.current_version,
            studied_questions(user),
        )
    )


def can_study(user: User, question_id: int) -> bool:
    return _exists(
        sa.select(Question.id).where(Question.id == question_id, studied_questions(user))
    )


def can_see_question(user: User, question_id: int) -> bool:
    """Whether the user may read a question's content (an answered card's page, say)."""
    return _exists(
        sa.select(Question.id)
        .join(QuestionSet, QuestionSet.id == Question.set_id)
        .where(Question.id == question_id, visible_sets(user))
    )


def visible_question_ids(user: User, question_ids: Collection[int]) -> set[int]:
    """Which of these questions the user may read: ``can_see_question`` for many at once."""
    if not question_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Question.id)
            .join(QuestionSet, QuestionSet.id == Question.set_id)
            .where(Question.id.in_(question_ids), visible_sets(user))
        )
    )


# --- media -----------------------------------------------------------------------------


def can_view_media(user: User, media: MediaFile) -> bool:
    """An image is visible to whoever may see a question version that shows it."""
    return _exists(
        sa.select(question_version_media.c.media_id)
        .join(QuestionVersion, QuestionVersion.id == question_version_media.c.version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(QuestionSet, QuestionSet.id == Question.set_id)
        .where(question_version_media.c.media_id == media.id, visible_sets(user))
    )


def can_link_media(user: User, media: MediaFile) -> bool:
    """Whether the user may put an image in a question: they uploaded it, or can already see it.

    Knowing an image's hash is not enough: that would publish another author's unpublished
    image to the linker's students, and into exports.
    """
    if user.has_role(Role.ADMIN):
        return True
    uploaded = _exists(
        sa.select(MediaUpload.media_id).where(
            MediaUpload.media_id == media.id, MediaUpload.user_id == user.id
        )
    )
    return uploaded or can_view_media(user, media)


# --- cohorts ---------------------------------------------------------------------------


def invited_cohorts(user: User) -> sa.Select[Cohort]:
    """Cohorts a faculty member works with (a rep invited them, or an admin); admins: all."""
    statement = sa.select(Cohort).order_by(Cohort.name, Cohort.id)
    if user.has_role(Role.ADMIN):
        return statement
    if not user.has_role(Role.FACULTY):
        return statement.where(sa.false())
    return statement.join(CohortFaculty, CohortFaculty.cohort_id == Cohort.id).where(
        CohortFaculty.user_id == user.id
    )


def works_with_cohort(user: User, cohort: Cohort) -> bool:
    """Whether a faculty member may share sets with a cohort and follow its progress."""
    if user.has_role(Role.ADMIN):
        return True
    if not user.has_role(Role.FACULTY):
        return False
    return _exists(
        sa.select(CohortFaculty.cohort_id).where(
            CohortFaculty.cohort_id == cohort.id, CohortFaculty.user_id == user.id
        )
    )


def cohort_may_see(cohort: Cohort, question_set: QuestionSet) -> bool:
    """Whether a cohort's members may already see a set (what a rep may assign)."""
    return _exists(
        sa.select(QuestionSet.id).where(
            QuestionSet.id == question_set.id, shared_with_cohort(cohort.id)
        )
    )


def _exists(statement: sa.Select[*tuple[Any, ...]]) -> bool:
    return db.session.scalar(statement.limit(1)) is not None
