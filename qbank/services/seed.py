"""Demo data: accounts, a cohort, and the question sets under ``seeds/``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from qbank.extensions import db
from qbank.importers import qbank_json
from qbank.models import Enrollment, QuestionSet, Role, User, Visibility
from qbank.services import accounts
from qbank.services.cohorts import add_member, create_cohort
from qbank.services.imports import import_questions
from qbank.services.media import MediaStore

DEMO_TIMEZONE = "Europe/London"
# e-mail, name, global role, what the login list calls them
DEMO_ACCOUNTS = [
    ("student@demo.qbank.test", "Sam Student", Role.STUDENT, "student"),
    ("rep@demo.qbank.test", "Riley Rep", Role.STUDENT, "rep"),
    ("faculty@demo.qbank.test", "Dr Fran Faculty", Role.FACULTY, "faculty"),
    ("admin@demo.qbank.test", "Ada Admin", Role.ADMIN, "admin"),
]
DEMO_COHORT = "Demo class of 2028"


@dataclass
class SeedReport:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # label, email, password
    sets_loaded: list[str] = field(default_factory=list)
    sets_present: list[str] = field(default_factory=list)


def _demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def seed_demo(seeds_dir: Path, now: datetime, store: MediaStore) -> SeedReport:
    """Load the demo accounts, cohort and sets; anything already present is left alone."""
    report = SeedReport()
    users: dict[str, User] = {}
    for email, name, role, label in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(email)
        if user is None:
            password = _demo_password()
            user = accounts.register_user(
                email, password, name, now, role=role, timezone=DEMO_TIMEZONE
            )
            report.logins.append((label, email, password))
        users[email] = user
    student, rep, faculty = (users[account[0]] for account in DEMO_ACCOUNTS[:3])

    if report.logins:  # a fresh database: make the cohort once
        cohort = create_cohort(DEMO_COHORT, rep, DEMO_TIMEZONE, now)
        add_member(cohort, student, now)

    for path in sorted(seeds_dir.glob("*.json")):
        parsed = qbank_json.parse(path.read_bytes(), source=path.name)
        if not parsed.ok:
            problems = "; ".join(str(p) for p in parsed.errors[:5])
            raise ValueError(f"seed file {path.name} has errors: {problems}")
        existing = db.session.scalar(
            sa.select(QuestionSet).where(
                QuestionSet.owner_id == faculty.id, QuestionSet.title == parsed.title
            )
        )
        if existing is not None:
            report.sets_present.append(parsed.title)
            continue
        question_set = import_questions(
            parsed, faculty, now, store, visibility=Visibility.PUBLIC, published=True
        ).question_set
        db.session.add(Enrollment(user_id=student.id, set_id=question_set.id, enrolled_at=now))
        report.sets_loaded.append(question_set.title)
    db.session.flush()
    return report
