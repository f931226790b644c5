"""Drive qbank with a simulated student, through its public services, and tally the result.

A run builds a real app on a SQLite file in a temporary folder, with a frozen clock the
run moves; publishes a deck; registers and enrols one student; and, on each study day at
the student's hour, asks for the queue, picks the next card, shows it, answers it as the
student's memory (``students.py``) decides, and commits, as a request would. Learning
steps are waited for when they fall due within half an hour on the same study day.

Only the study services are called (``queue_for``, ``pick_next``, ``card_view``,
``record_answer``, ``due_count``), so the same harness measures any commit of the engine.
"""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from statistics import fmean
from time import perf_counter
from zoneinfo import ZoneInfo

from flask import Flask

from bench.memory.students import AVERAGE, FAST_FORGETTER, ItemBank, Profile, Student
from bench.memory.students import choose_answer as student_choice
from qbank import create_app
from qbank.clock import FrozenClock
from qbank.extensions import db
from qbank.importers.drafts import OptionDraft, QuestionDraft
from qbank.models import QuestionKind, QuestionSet, Role, User, Visibility
from qbank.services import accounts, enrollment, study
from qbank.services import question_bank as bank
from qbank.services import settings as study_settings

SECRET = "memory-simulation-secret-" + "x" * 16
PASSWORD = "a simulated student's passphrase"
START = date(2026, 1, 5)  # a Monday; New York and Berlin change to summer time inside 120 days
AGAIN, GOOD = 1, 3
WAIT_FOR_STEPS = timedelta(minutes=30)  # a student waits this long for a learning step
BREAK = range(40, 50)


@dataclass(frozen=True)
class Scenario:
    """One student's circumstances: who they are, their settings, and how they study."""

    name: str
    profile: Profile = AVERAGE
    desired_retention: float = 0.90
    new_per_day: int = 12
    review_limit: int = 200
    options: int = 0  # 0: flashcards; k: single best answer questions with k options
    timezone: str = "America/New_York"
    moves: tuple[tuple[int, str], ...] = ()  # (day, zone): the student moves on that day
    missed: tuple[int, ...] = ()  # days the student does not study
    study_hour: float | None = 9.0  # local; None: a random time from 07:00 to 23:30 each day
    questions: int | None = None  # the deck's size; None: enough new cards for every day
    # Presses Optimize when qbank suggests it (the dashboard's prompt), before a day's study.
    optimizes: bool = False

    def deck_size(self, days: int) -> int:
        return self.questions if self.questions is not None else self.new_per_day * days + 10


SCENARIOS = (
    Scenario("average, retention 0.80", desired_retention=0.80),
    Scenario("average, retention 0.90"),
    Scenario("fast forgetter, 0.90", profile=FAST_FORGETTER),
    Scenario("average, 0.90, optimizes", optimizes=True),
    Scenario("fast forgetter, optimizes", profile=FAST_FORGETTER, optimizes=True),
    Scenario("misses days 40-49", missed=tuple(BREAK)),
    Scenario("studies 07:00-23:30", study_hour=None),
    Scenario("New York to Berlin, day 45", moves=((45, "Europe/Berlin"),)),
    Scenario("New York to Auckland, day 45", moves=((45, "Pacific/Auckland"),)),
    Scenario("5 options, guessing", options=5),
    Scenario("review limit 30", review_limit=30),
)


@dataclass
class Tally:
    """What happened in one run, counted as it happens."""

    days: int = 0
    days_studied: int = 0
    answers: int = 0
    learnt: int = 0  # new cards answered for the first time
    reviews: int = 0  # answers to cards in the review state (picked from queue.reviews)
    recalled: int = 0  # of those, recalled in the student's memory
    recorded: int = 0  # of those, recorded correct by qbank
    by_day: dict[int, list[float]] = field(default_factory=dict)  # [reviews, recalled, chance]
    early: int = 0  # reviews less than 24 h after the last, scheduled on a later day
    backlog: list[int] = field(default_factory=list)  # due cards left at each day's end
    fits: list[tuple[int, bool]] = field(default_factory=list)  # (day, kept) per Optimize
    seconds: float = 0.0

    def review(self, day: int, recalled: bool, chance: float, recorded: bool) -> None:
        self.reviews += 1
        self.recalled += recalled
        self.recorded += recorded
        counts = self.by_day.setdefault(day, [0, 0, 0.0])
        counts[0] += 1
        counts[1] += recalled
        counts[2] += chance

    def recall_over(self, days: range | list[int], column: int = 1) -> float | None:
        """Recall on the review answers of ``days``: recalled (1) or the model's chance (2)."""
        reviews = sum(self.by_day.get(d, [0, 0, 0.0])[0] for d in days)
        part = sum(self.by_day.get(d, [0, 0, 0.0])[column] for d in days)
        return part / reviews if reviews else None


@dataclass(frozen=True)
class Figures:
    """The figures the table prints for one run (None: nothing to measure)."""

    true_recall: float | None
    true_recall_early: float | None  # days 0-29
    true_recall_late: float | None  # days 30 on
    expected_recall_late: float | None  # days 30 on, the model's chance averaged: no coin flips
    recorded_recall: float | None  # qbank's correct share on the same answers
    answers_per_learnt: float | None
    reviews_per_day: float | None  # on the days studied
    backlog_peak: int
    return_day: float | None  # true recall on the first day back after the break
    after_return: float | None  # days 1-7 after it
    early_share: float | None  # the "23 hours" effect, of review answers
    fits_kept: float | None  # fits kept of those tried (None: never tried)
    seconds: float

    @classmethod
    def of(cls, tally: Tally, scenario: Scenario) -> Figures:
        back = max(scenario.missed) + 1 if scenario.missed else None
        return cls(
            true_recall=_share(tally.recalled, tally.reviews),
            true_recall_early=tally.recall_over(range(min(30, tally.days))),
            true_recall_late=tally.recall_over(range(30, tally.days)),
            expected_recall_late=tally.recall_over(range(30, tally.days), column=2),
            recorded_recall=_share(tally.recorded, tally.reviews),
            answers_per_learnt=_share(tally.answers, tally.learnt),
            reviews_per_day=_share(tally.reviews, tally.days_studied),
            backlog_peak=max(tally.backlog, default=0),
            return_day=tally.recall_over([back]) if back is not None else None,
            after_return=tally.recall_over(range(back + 1, back + 8)) if back else None,
            early_share=_share(tally.early, tally.reviews),
            fits_kept=sum(kept for _, kept in tally.fits) if tally.fits else None,
            seconds=tally.seconds,
        )

    @classmethod
    def mean(cls, runs: list[Figures]) -> Figures:
        """Each figure averaged over the runs that have it."""
        values = {}
        for f in fields(cls):
            present = [getattr(r, f.name) for r in runs if getattr(r, f.name) is not None]
            values[f.name] = fmean(present) if present else None
        values["backlog_peak"] = round(values["backlog_peak"] or 0)
        values["seconds"] = sum(r.seconds for r in runs)
        return cls(**values)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# --- the app ------------------------------------------------------------------------------


def app_settings(database_url: str, clock: FrozenClock) -> dict[str, object]:
    """The settings of a test app (tests/support.py), with the run's clock."""
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QBANK_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "SERVER_NAME": "qbank.test",
        "QBANK_CLOCK": clock,
        "QBANK_LOG_LEVEL": "WARNING",  # not an audit line for each set published
    }


@contextmanager
def simulation_app(clock: FrozenClock) -> Iterator[Flask]:
    """A real app on a fresh SQLite file in a temporary folder, its context pushed."""
    logger = logging.getLogger("qbank")
    level = logger.level  # create_app sets it for the process: put it back for the suite
    with tempfile.TemporaryDirectory(prefix="qbank-memory-") as folder:
        url = f"sqlite:///{Path(folder) / 'qbank.sqlite3'}"
        settings = app_settings(url, clock) | {"QBANK_MEDIA_DIR": str(Path(folder) / "media")}
        app = create_app(settings, environ={})
        with app.app_context():
            db.create_all()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
                logger.setLevel(level)


def card_draft(n: int, options: int) -> QuestionDraft:
    if not options:
        return QuestionDraft(
            kind=QuestionKind.FLASHCARD,
            stem=f"Card {n}: what is the first-line drug?",
            explanation=f"Drug {n}.",
            tags=["Simulation"],
            external_id=f"card-{n}",
        )
    return QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem=f"Question {n}: which drug is first-line?",
        options=[OptionDraft(f"Drug {n}-{k}", k == 0) for k in range(options)],
        explanation=f"Drug {n}-0.",
        tags=["Simulation"],
        external_id=f"question-{n}",
    )


def publish_deck(owner: User, questions: int, options: int, now: datetime) -> QuestionSet:
    """A public, published set of ``questions`` cards, built as faculty build one."""
    question_set = bank.create_set(owner, "Memory simulation", "", now)
    tags = bank.tags_named({"Simulation"})
    for n in range(questions):
        bank.add_question(question_set, card_draft(n, options), owner, now, n, tags, [])
    db.session.flush()
    bank.update_set(question_set, "Memory simulation", "", Visibility.PUBLIC, [], owner, now)
    bank.publish_set(question_set, True, now)
    return question_set


def change_settings(user: User, now: datetime, **changes: object) -> None:
    """Change study settings as the settings page does, keeping the rest as they are."""
    form = getattr(study_settings, "StudySettings", None)
    if form is None or not hasattr(study_settings, "update_study_settings"):
        for name, value in changes.items():
            setattr(user, name, value)
        db.session.flush()
        return
    from qbank.domain.gamification import Goal

    current: dict[str, object] = {}
    for f in fields(form):
        if f.name == "daily_goal":
            current[f.name] = Goal(user.daily_goal, user.daily_goal_answers)
        elif hasattr(user, f.name):
            current[f.name] = getattr(user, f.name)
        # else a setting the user keeps under another name: its default stands
    study_settings.update_study_settings(user, form(**(current | changes)), now)


# --- one run ------------------------------------------------------------------------------


def local_study_day(moment: datetime, zone: str, rollover_hour: int) -> date:
    """The study day ``moment`` falls in, counted here rather than asked of qbank."""
    return (moment.astimezone(ZoneInfo(zone)) - timedelta(hours=rollover_hour)).date()


def session_start(day: int, zone: str, hour: float) -> datetime:
    local = datetime.combine(START + timedelta(days=day), time(0), tzinfo=ZoneInfo(zone))
    local += timedelta(hours=hour)
    # A wall-clock time that a change to summer time skips is read as the hour after.
    return local.astimezone(UTC)


@dataclass
class CardHistory:
    """What the harness saw of one card: its last answer, and the zone the student was in."""

    answered_at: datetime
    zone: str


def run(scenario: Scenario, days: int = 120, seed: int = 1) -> Figures:
    """Simulate ``scenario`` for ``days`` with one seed; return its figures."""
    started = perf_counter()
    clock = FrozenClock(session_start(0, scenario.timezone, 8.0))
    rng = random.Random(f"harness:{scenario.name}:{seed}")
    student = Student(scenario.profile, ItemBank(seed), seed)
    tally = Tally(days=days)
    with simulation_app(clock):
        now = clock.now()
        owner = accounts.register_user(
            "faculty@example.edu", PASSWORD, "Faculty", now, Role.FACULTY
        )
        user = accounts.register_user(
            "student@example.edu", PASSWORD, "Student", now, timezone=scenario.timezone
        )
        change_settings(
            user,
            now,
            timezone=scenario.timezone,
            desired_retention=scenario.desired_retention,
            new_cards_per_day=scenario.new_per_day,
            max_reviews_per_day=scenario.review_limit,
            confirm_rating=False,
        )
        deck = publish_deck(owner, scenario.deck_size(days), scenario.options, now)
        enrollment.enroll(user, deck, now)
        db.session.commit()
        history: dict[int, CardHistory] = {}
        zone = scenario.timezone
        moves = dict(scenario.moves)
        for day in range(days):
            if day in moves:
                zone = moves[day]
            if day in scenario.missed:
                continue
            hour = scenario.study_hour
            if hour is None:
                hour = 7.0 + rng.randrange(0, 34) / 2  # 07:00 to 23:30, on the half hour
            start = max(session_start(day, zone, hour), clock.now() + timedelta(hours=1))
            clock.set(start)
            if zone != user.timezone:
                change_settings(user, clock.now(), timezone=zone)
                db.session.commit()
            if scenario.optimizes:  # the dashboard's prompt, seen on opening the app
                optimize_if_suggested(user, day, clock.now(), tally)
            study_session(user, scenario, day, student, rng, clock, history, tally)
            tally.days_studied += 1
            tally.backlog.append(study.due_count(user, clock.now()))
    tally.seconds = perf_counter() - started
    return Figures.of(tally, scenario)


def optimize_if_suggested(user: User, day: int, now: datetime, tally: Tally) -> None:
    """Press Optimize as the settings page does, when the dashboard suggests it."""
    from qbank.services import fsrs_tuning

    readiness = getattr(fsrs_tuning, "readiness", None)
    if readiness is None or not readiness(user).suggested(now):
        return
    try:
        result = fsrs_tuning.optimize(user, now)
    except fsrs_tuning.TuningError:
        return
    db.session.commit()
    tally.fits.append((day, result.stored))


def study_session(
    user: User,
    scenario: Scenario,
    day: int,
    student: Student,
    rng: random.Random,
    clock: FrozenClock,
    history: dict[int, CardHistory],
    tally: Tally,
) -> None:
    """Study today's queue card by card, as the study page hands it out."""
    while True:
        now = clock.now()
        queue = study.queue_for(user, now)
        pick = study.pick_next(queue)
        if pick is None:
            later = queue.later
            if later is not None and later < queue.today.end and later - now <= WAIT_FOR_STEPS:
                clock.set(later)
                continue
            return
        kind, question_id = pick
        answer_card(user, scenario, day, kind, question_id, student, rng, clock, history, tally)


def answer_card(
    user: User,
    scenario: Scenario,
    day: int,
    kind: str,
    question_id: int,
    student: Student,
    rng: random.Random,
    clock: FrozenClock,
    history: dict[int, CardHistory],
    tally: Tally,
) -> None:
    """Show one card, answer it from the student's memory, commit; advance the clock."""
    now = clock.now()
    card = study.card_view(user, question_id, now, SECRET)
    scheduled = getattr(card.memory, "due", None)
    retrieval = student.attempt(question_id, now)
    if scenario.options:
        keys = [o["key"] for o in card.options]
        correct = [o["key"] for o in card.options if o.get("correct")]
        chosen, rating = student_choice(retrieval.recalled, keys, correct, rng), None
    else:
        chosen, rating = [], GOOD if retrieval.recalled else AGAIN
    thinking = rng.uniform(8.0, 40.0)
    log, _ = study.record_answer(
        user, question_id, card.token, chosen, rating, int(thinking * 1000), now, SECRET
    )
    db.session.commit()
    tally.answers += 1
    if card.is_new:
        tally.learnt += 1
    if kind == "review":
        tally.review(day, retrieval.recalled, retrieval.chance, bool(log.correct))
        before = history.get(question_id)
        if before is not None and scheduled is not None and _early(before, scheduled, now, user):
            tally.early += 1
    history[question_id] = CardHistory(now, user.timezone)
    clock.set(now + timedelta(seconds=thinking + 4))


def _early(before: CardHistory, scheduled: datetime, now: datetime, user: User) -> bool:
    """Whether qbank scheduled the card for a later study day and showed it within 24 h."""
    rollover = user.rollover_hour
    later_day = local_study_day(scheduled, before.zone, rollover) > local_study_day(
        before.answered_at, before.zone, rollover
    )
    return later_day and now - before.answered_at < timedelta(hours=24)


def scenario_named(name: str) -> Scenario:
    """The scenario called ``name``, or the only one whose name contains it."""
    exact = [s for s in SCENARIOS if s.name == name]
    found = exact or [s for s in SCENARIOS if name.lower() in s.name.lower()]
    if len(found) != 1:
        raise KeyError(name)
    return found[0]
