"""Cohorts: creation and membership."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Cohort, MemberRole, Membership, User
from qbank.services.enrollment import enroll_in_cohort_sets

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
