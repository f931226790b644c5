"""Cohorts: creation and membership."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    BoardWindow,
    Cohort,
    CohortFaculty,
    MemberRole,
    Membership,
    QuestionSet,
    Role,
    User,
    cohort_sets,
)
from qbank.services import access, audit
from qbank.services.enrollment import enroll_cohort_members, enroll_in_cohort_sets

# No 0/O, 1/I/L: codes are read aloud in lecture halls and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def create_cohort(name: str, rep: User, timezone: str, now: datetime) -> Cohort:
    """Create a cohort with ``rep`` as its first member and class rep."""
    code = new_join_code()
    while db.session.scalar(sa.select(Cohort.id).where(Cohort.join_code == code)):
        code = new_join_code()
    cohort = Cohort(name=name.strip(), join_code=code, timezone=timezone, created_at=now)
    cohort.memberships.append(Membership(user=rep, role=MemberRole.REP.value, joined_at=now))
    db.session.add(cohort)
    db.session.flush()
    return cohort


def add_member(cohort: Cohort, user: User, now: datetime) -> Membership:
    """Add ``user`` to ``cohort`` as a member, or return the membership they have."""
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.cohort_id == cohort.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(
            cohort=cohort, user=user, role=MemberRole.MEMBER.value, joined_at=now
        )
        db.session.add(membership)
        db.session.flush()
        enroll_in_cohort_sets(user, cohort.id, now)
    return membership


class CohortError(ValueError):
    """A cohort change that cannot be made; the message is for the user."""


def membership_of(user: User, cohort: Cohort) -> Membership | None:
    return _membership(cohort, user.id)


def is_rep(user: User, cohort: Cohort) -> bool:
    membership = membership_of(user, cohort)
    return membership is not None and membership.is_rep


def cohorts_to_grant(user: User) -> list[Cohort]:
    """The cohorts an admin may still let this faculty member follow, by name."""
    invited = access.invited_cohorts(user).with_only_columns(Cohort.id).order_by(None)
    return list(
        db.session.scalars(
            sa.select(Cohort).where(Cohort.id.not_in(invited)).order_by(Cohort.name, Cohort.id)
        )
    )


def members(cohort: Cohort) -> list[tuple[User, Membership]]:
    """The cohort's members with their memberships, by name."""
    return [
        (user, membership)
        for user, membership in db.session.execute(
            sa.select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort.id)
            .order_by(User.display_name, User.id)
        )
    ]


def join_by_code(user: User, code: str, now: datetime) -> Cohort:
    """Join the cohort whose code this is (codes ignore case and spaces)."""
    cleaned = "".join(code.split()).upper()
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.join_code == cleaned))
    if cohort is None:
        raise CohortError("No cohort has that code. Check it with your class rep.")
    add_member(cohort, user, now)
    return cohort


def rotate_code(cohort: Cohort) -> str:
    """Give the cohort a new join code; the old one stops working."""
    code = new_join_code()
    while db.session.scalar(sa.select(Cohort.id).where(Cohort.join_code == code)):
        code = new_join_code()
    cohort.join_code = code
    db.session.flush()
    return code


def remove_member(cohort: Cohort, user_id: int, by: User, now: datetime) -> None:
    """Take a member out (a rep's decision, audited); the last rep cannot be removed."""
    removed = db.session.get(User, user_id)
    _remove(cohort, user_id)
    audit.record(
        by,
        audit.Action.MEMBER_REMOVED,
        cohort,
        now,
        member=user_id,
        member_name=removed.display_name if removed else "",
    )


def _membership(cohort: Cohort, user_id: int) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.cohort_id == cohort.id, Membership.user_id == user_id
        )
    )


def _remove(cohort: Cohort, user_id: int) -> None:
    membership = _membership(cohort, user_id)
    if membership is None:
        raise CohortError("That student is not in this cohort.")
    if membership.is_rep and _rep_count(cohort) <= 1:
        raise CohortError("A cohort needs a rep. Appoint another rep first.")
    db.session.delete(membership)
    db.session.flush()


def appoint_rep(cohort: Cohort, user_id: int) -> None:
    membership = _membership(cohort, user_id)
    if membership is None:
        raise CohortError("Only a member can become a rep.")
    membership.role = MemberRole.REP.value
    db.session.flush()


def _rep_count(cohort: Cohort) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(Membership.cohort_id == cohort.id, Membership.role == MemberRole.REP.value)
    ).scalar_one()


def set_shown(membership: Membership, shown: bool) -> None:
    """A student may always opt out of (or back into) their cohort's board."""
    membership.show_on_leaderboard = shown
    db.session.flush()


def leave(user: User, cohort: Cohort) -> None:
    """Leave a cohort: its cohort-only sets close to the student at once."""
    _remove(cohort, user.id)


@dataclass(frozen=True)
class BoardSettings:
    name: str
    timezone: str
    window: str
    window_start: date | None
    window_end: date | None
    metric: str
    accuracy_min_answers: int
    anonymous: bool
    view: str
    frozen_at: datetime | None


def update_board(cohort: Cohort, settings: BoardSettings) -> None:
    """Apply the rep's choices for the cohort and its leaderboard."""
    if settings.window == BoardWindow.CUSTOM and not (
        settings.window_start
        and settings.window_end
        and settings.window_start <= settings.window_end
    ):
        raise CohortError("A custom window needs a start date on or before its end date.")
    cohort.name = settings.name.strip()[:120] or cohort.name
    cohort.timezone = settings.timezone
    cohort.board_window = settings.window
    cohort.window_start = settings.window_start
    cohort.window_end = settings.window_end
    cohort.board_metric = settings.metric
    cohort.accuracy_min_answers = settings.accuracy_min_answers
    cohort.anonymous = settings.anonymous
    cohort.board_view = settings.view
    cohort.frozen_at = settings.frozen_at
    db.session.flush()


def assign_set(cohort: Cohort, question_set: QuestionSet, rep: User, now: datetime) -> None:
    """Give the cohort's members a set it may already see: a rep assigns, never shares."""
    if not access.cohort_may_see(cohort, question_set):
        raise CohortError(
            "Your cohort cannot see that set, so it cannot be assigned. Only the set's "
            "author can share it with your cohort: invite them under Faculty below."
        )
    exists = db.session.execute(
        sa.select(cohort_sets).where(
            cohort_sets.c.cohort_id == cohort.id, cohort_sets.c.set_id == question_set.id
        )
    ).first()
    if exists is None:
        db.session.execute(
            sa.insert(cohort_sets).values(
                cohort_id=cohort.id, set_id=question_set.id, assigned_by_id=rep.id, assigned_at=now
            )
        )
        audit.record(
            rep,
            audit.Action.SET_ASSIGNED,
            question_set,
            now,
            cohort=cohort.id,
            cohort_name=cohort.name,
        )
    enroll_cohort_members([cohort.id], question_set.id, now)


@dataclass(frozen=True)
class AssignableSet:
    question_set: QuestionSet
    questions: int
    assigned: bool


def assignable_sets(cohort: Cohort) -> list[AssignableSet]:
    """The sets a rep may assign to the cohort (those it may see), and whether each is."""
    count = access.live_question_count()
    assigned = (
        sa.select(cohort_sets.c.set_id)
        .where(cohort_sets.c.set_id == QuestionSet.id, cohort_sets.c.cohort_id == cohort.id)
        .exists()
    )
    rows = db.session.execute(
        sa.select(QuestionSet, count, assigned)
        .where(access.shared_with_cohort(cohort.id))
        .order_by(QuestionSet.title, QuestionSet.id)
    )
    return [AssignableSet(s, n, bool(a)) for s, n, a in rows]


# --- the faculty a cohort works with ---------------------------------------------------


def cohort_faculty(cohort: Cohort) -> list[CohortFaculty]:
    return list(
        db.session.scalars(
            sa.select(CohortFaculty)
            .join(User, User.id == CohortFaculty.user_id)
            .where(CohortFaculty.cohort_id == cohort.id)
            .order_by(User.display_name, User.id)
        )
    )


def invite_faculty(cohort: Cohort, email: str, by: User, now: datetime) -> User:
    """Let a faculty member share their sets with the cohort and follow its progress."""
    faculty = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if faculty is None or not faculty.has_role(Role.FACULTY, Role.ADMIN):
        raise CohortError(
            "No faculty member has that e-mail on qbank. Check it with them, or ask an admin."
        )
    add_faculty(cohort, faculty, by, now)
    return faculty


def add_faculty(cohort: Cohort, faculty: User, by: User, now: datetime) -> None:
    """Let a faculty member work with the cohort: a rep's invitation, or an admin's grant."""
    if not faculty.has_role(Role.FACULTY, Role.ADMIN):
        raise CohortError("Only faculty can work with a cohort. Make them faculty first.")
    if db.session.get(CohortFaculty, (cohort.id, faculty.id)) is None:
        db.session.add(
            CohortFaculty(
                cohort_id=cohort.id, user_id=faculty.id, invited_by_id=by.id, invited_at=now
            )
        )
        db.session.flush()
        audit.record(
            by,
            audit.Action.FACULTY_ADDED,
            cohort,
            now,
            faculty=faculty.id,
            faculty_email=faculty.email,
        )


def remove_faculty(cohort: Cohort, user_id: int, by: User, now: datetime) -> None:
    """Stop a faculty member following the cohort; what they shared stays shared."""
    invitation = db.session.get(CohortFaculty, (cohort.id, user_id))
    if invitation is None:
        raise CohortError("That faculty member does not work with this cohort.")
    db.session.delete(invitation)
    db.session.flush()
    audit.record(by, audit.Action.FACULTY_REMOVED, cohort, now, faculty=user_id)


def cohorts_of(user: User) -> list[tuple[Cohort, Membership]]:
    return list(
        db.session.execute(
            sa.select(Cohort, Membership)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .where(Membership.user_id == user.id)
            .order_by(Cohort.name)
        )
    )
