"""Demo data: accounts, a cohort with classmates who have studied and taken the block
their faculty set, and the sets in ``seeds/``."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from qbank.domain import answers
from qbank.domain import practice as practice_rules
from qbank.domain.scheduling import AGAIN, GOOD
from qbank.extensions import db
from qbank.importers import qbank_json
from qbank.models import (
    BoardWindow,
    Cohort,
    QuestionKind,
    QuestionSet,
    QuestionVersion,
    Role,
    User,
    Visibility,
)
from qbank.services import access, accounts, enrollment, practice, study
from qbank.services.cohorts import add_faculty, add_member, create_cohort
from qbank.services.imports import import_questions
from qbank.services.media import MediaStore
from qbank.services.practice import assignments
from qbank.services.question_bank import update_set

DEMO_TIMEZONE = "Europe/London"
# e-mail, name, global role, what the login list calls them
DEMO_ACCOUNTS = [
    ("student@demo.qbank.test", "Sam Student", Role.STUDENT, "student"),
    ("rep@demo.qbank.test", "Riley Rep", Role.STUDENT, "rep"),
    ("faculty@demo.qbank.test", "Dr Fran Faculty", Role.FACULTY, "faculty"),
    ("admin@demo.qbank.test", "Ada Admin", Role.ADMIN, "admin"),
]
DEMO_COHORT = "Demo class of 2028"
# Seed files whose set is assigned to the demo cohort rather than open to everyone, so
# that faculty see a cohort's progress and students see an assigned set on a fresh install.
DEMO_COHORT_SETS = frozenset({"cardiovascular.json"})
# On a fresh database the demo class began a day before this many days of study by its
# classmates, so the leaderboard and the faculty's cohort page have something to show.
HISTORY_DAYS = 7
SESSION_LIMIT = 60  # answers in one demo session at most


@dataclass(frozen=True)
class Classmate:
    name: str
    email: str
    accuracy: float  # chance of answering a card right
    new_a_day: int
    day_off: float  # chance of skipping a day


DEMO_CLASSMATES = [
    Classmate("Amara Okafor", "amara@demo.qbank.test", 0.86, 7, 0.0),
    Classmate("Ben Carter", "ben@demo.qbank.test", 0.68, 5, 0.25),
    Classmate("Chen Wei", "chen@demo.qbank.test", 0.78, 5, 0.1),
    Classmate("Diego Ramos", "diego@demo.qbank.test", 0.6, 4, 0.35),
    Classmate("Fatima Khan", "fatima@demo.qbank.test", 0.9, 6, 0.0),
]


@dataclass
class SeedReport:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # label, email, password
    sets_loaded: list[str] = field(default_factory=list)
    sets_present: list[str] = field(default_factory=list)
    classmates: int = 0
    classmate_answers: int = 0
    assigned_block: str | None = None  # the block the faculty set the cohort, if made now


def _demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def seed_demo(
    seeds_dir: Path, now: datetime, store: MediaStore, history_days: int = HISTORY_DAYS
) -> SeedReport:
    """Load the demo accounts, cohort and sets; anything already present is left alone.

    On a fresh database the demo class (accounts, cohort, sets) dates from
    ``history_days + 1`` days ago, and five classmates without logins answer cards on
    most days since, through the same services as the study page.
    """
    report = SeedReport()
    fresh = accounts.find_user_by_email(DEMO_ACCOUNTS[0][0]) is None
    began = now - timedelta(days=history_days + 1) if fresh else now
    users: dict[str, User] = {}
    for email, name, role, label in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(email)
        if user is None:
            password = _demo_password()
            user = accounts.register_user(
                email, password, name, began, role=role, timezone=DEMO_TIMEZONE
            )
            report.logins.append((label, email, password))
        users[email] = user
    student, rep, faculty = (users[account[0]] for account in DEMO_ACCOUNTS[:3])

    classmates: list[tuple[Classmate, User]] = []
    cohort_set: QuestionSet | None = None
    cohort: Cohort | None  # on a second run, found by name: None if renamed or deleted since
    if fresh:
        cohort = create_cohort(DEMO_COHORT, rep, DEMO_TIMEZONE, began)
        # All time, not this week: the classmates' week of study would vanish from a
        # weekly board on a Monday. The rep can change it under Manage.
        cohort.board_window = BoardWindow.ALL_TIME.value
        add_member(cohort, student, began)
        # The rep invites the demo faculty, who can then share the cohort's set with it.
        add_faculty(cohort, faculty, rep, began)
        for classmate in DEMO_CLASSMATES:
            if accounts.find_user_by_email(classmate.email) is None:
                user = accounts.register_user(
                    classmate.email,
                    _demo_password(),  # never shown: an admin can issue a reset link
                    classmate.name,
                    began,
                    timezone=DEMO_TIMEZONE,
                )
                add_member(cohort, user, began)
                classmates.append((classmate, user))
    else:
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == DEMO_COHORT))

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
            parsed, faculty, began, store, visibility=Visibility.PUBLIC, published=True
        ).question_set
        if path.name in DEMO_COHORT_SETS and cohort is not None:
            cohort_set = question_set
            # Assignment enrols every member, the demo student among them.
            update_set(
                question_set,
                question_set.title,
                question_set.description,
                Visibility.COHORTS,
                [cohort.id],
                faculty,
                began,
            )
        else:
            for user in [student, *(user for _, user in classmates)]:
                enrollment.enroll(user, question_set, began)
        report.sets_loaded.append(question_set.title)
    db.session.flush()

    secret = secrets.token_hex(16)  # signs the classmates' one-time answer tokens
    rng = random.Random(2028)  # the same classmates and habits on every fresh install
    for classmate, user in classmates:
        report.classmate_answers += _study_since(
            user, classmate, began, history_days, now, rng, secret
        )
    report.classmates = len(classmates)
    if history_days and classmates and cohort is not None and cohort_set is not None:
        report.assigned_block = _assigned_block(
            faculty, cohort, cohort_set, classmates, began, now, rng
        )
    return report


DEMO_BLOCK = "Week 1: cardiovascular"
DEMO_BLOCK_QUESTIONS = 10


def _assigned_block(
    faculty: User,
    cohort: Cohort,
    question_set: QuestionSet,
    classmates: list[tuple[Classmate, User]],
    began: datetime,
    now: datetime,
    rng: random.Random,
) -> str:
    """The faculty set the cohort a timed block when the class began, due in three days;
    the classmates take it an hour or two ago, after their study (the log stays in time
    order): the class report has its five finishers, the demo student a block to do."""
    set_at = began + timedelta(hours=1)
    picked, _ = assignments.pickable(question_set.id)
    assignment = assignments.assign(
        faculty,
        cohort,
        assignments.Spec(
            title=DEMO_BLOCK,
            set_id=question_set.id,
            question_ids=tuple(q.question_id for q in picked[:DEMO_BLOCK_QUESTIONS]),
            mode=practice_rules.Mode.TIMED,
            seconds_per_question=90,
            due_on=assignments.due_day_after(cohort, now, days=3),
        ),
        set_at,
    )
    for classmate, user in classmates:
        at = now - timedelta(minutes=rng.randint(60, 110))
        line = assignments.assigned_to(user, assignment.id)
        assert line is not None
        block = assignments.start(user, line, at)
        for item in block.items:
            options = db.session.get_one(QuestionVersion, item.question_version_id).options
            keys = [o["key"] for o in options]
            right = sorted(answers.correct_keys(options))
            wrong = [k for k in keys if k not in right] or right
            chosen = right if rng.random() < classmate.accuracy else [rng.choice(wrong)]
            seconds = rng.randint(30, 85)
            at += timedelta(seconds=seconds)
            practice.save(
                user,
                block,
                item.position,
                practice.Work(chosen=tuple(chosen[:1]), time_ms=seconds * 1000),
                at,
            )
        practice.end(user, block, at)
    return assignment.title


def _study_since(
    user: User,
    classmate: Classmate,
    began: datetime,
    days: int,
    now: datetime,
    rng: random.Random,
    secret: str,
) -> int:
    """A session on most days since ``began``, as this classmate would; return the answers."""
    answered = 0
    for day in range(1, days + 1):
        if rng.random() < classmate.day_off:
            continue
        at = began + timedelta(days=day, hours=rng.randint(7, 20), minutes=rng.randint(0, 59))
        answered += _session(user, classmate, min(at, now), now, rng, secret)
    return answered


def _session(
    user: User,
    classmate: Classmate,
    at: datetime,
    now: datetime,
    rng: random.Random,
    secret: str,
) -> int:
    """Clear what is due, add a few new cards, and come back for learning steps."""
    answered = new = waits = 0
    while at < now and answered < SESSION_LIMIT:
        queue = study.queue_for(user, at)
        if queue.learning or queue.reviews:
            question_id = (queue.learning or queue.reviews)[0].question_id
        elif queue.new and new < classmate.new_a_day:
            question_id, new = queue.new[0], new + 1
        elif waits < 3:  # a learning step falls due within minutes: wait for it
            at, waits = at + timedelta(minutes=10), waits + 1
            continue
        else:
            break
        seconds = rng.randint(15, 75)
        _answer(user, question_id, rng.random() < classmate.accuracy, seconds, at, secret)
        at += timedelta(seconds=seconds + 5)
        answered += 1
    return answered


def _answer(
    user: User, question_id: int, right: bool, seconds: int, at: datetime, secret: str
) -> None:
    version = access.studyable_version(user, question_id)
    if version is None:  # the queue offers only studyable cards
        raise RuntimeError(f"demo question {question_id} is not studyable")
    token = study.answer_token(secret, user, question_id, study.last_log_id(user, question_id))
    rating = None
    if version.kind == QuestionKind.FLASHCARD:
        chosen, rating = [], GOOD if right else AGAIN
    else:
        keys = answers.correct_keys(version.options)
        wrong = next(o["key"] for o in version.options if o["key"] not in keys)
        chosen = sorted(keys) if right else [wrong]
    study.record_answer(user, question_id, token, chosen, rating, seconds * 1000, at, secret)
