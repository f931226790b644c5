"""Benchmark data for the study pages: students with a year of FSRS history.

    .venv/bin/python bench/study/generate.py [--database URL] [--students 2000]
        [--questions 20000] [--reviews 2000000] [--sets 20] [--seed 1]

Creates the tables with ``db.create_all()`` and fills them with bulk inserts of
pre-encoded rows: ``executemany`` in batches of 10,000 on SQLite, ``COPY`` on PostgreSQL.
Nothing goes through the ORM, so memory stays flat however many reviews are asked for.

The history is shaped, not replayed: each card's reviews follow the FSRS pattern (two
learning steps, intervals that grow, the odd lapse and relearning step) and the card's
state is its last review's ``state_after``. Dates are placed so that on the day of the
run a typical student has learning cards due now, reviews due today and new cards left.
The same seed gives the same data, relative to the moment it is generated.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qbank import create_app  # noqa: E402
from qbank.domain.days import study_day  # noqa: E402
from qbank.domain.scheduling import AGAIN, GOOD, LEARNING, RELEARNING, REVIEW  # noqa: E402
from qbank.extensions import db  # noqa: E402
from qbank.models.types import UTCDateTime  # noqa: E402

try:  # daily activity, totals and badges, in versions of the app that keep them
    from qbank.services import gamification
except ImportError:
    gamification = None

MEDQA = ROOT.parent / "shared" / "data" / "medqa_us" / "test_4options.jsonl"
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "qbank-bench-study.sqlite3"
DEFAULT_SCHEMA = "bench_study"
PASSWORD = "bench password 1"
PASSWORD_HASH = "pbkdf2:sha256:1000"  # cheap on purpose: the benchmark logs in 200 times
SECRET_KEY = "bench-study-secret-key-" + "k" * 32
BATCH = 10_000

HISTORY_DAYS = 330  # a card's whole history fits in the past year
MAX_INTERVAL_DAYS = 180
LAPSE_RATE = 0.10  # a review card answered wrong
DUE_SHARE = 0.08  # review cards overdue today, besides those that fall due later today
SUSPENDED_SHARE = 0.01
MINUTE = 1 / 1440  # in days
STUDENT_ZONE, ROLLOVER_HOUR = "UTC", 4  # the defaults a new account gets
OPTION_KEYS = "ABCDE"
TOPICS = (
    "Cardiology",
    "Pulmonology",
    "Gastroenterology",
    "Nephrology",
    "Endocrinology",
    "Haematology",
    "Infectious disease",
    "Neurology",
    "Psychiatry",
    "Obstetrics",
    "Paediatrics",
    "Surgery",
    "Pharmacology",
    "Ethics",
    "Dermatology",
    "Rheumatology",
)


@dataclass(frozen=True)
class Scale:
    students: int = 2_000
    questions: int = 20_000
    reviews: int = 2_000_000
    sets: int = 20
    faculty: int = 4


def bench_config(database_url: str) -> dict[str, Any]:
    """Production-like settings, except a cheap password hash and errors that propagate."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QBANK_PASSWORD_HASH": PASSWORD_HASH,
        "QBANK_MEDIA_DIR": str(Path(tempfile.gettempdir()) / "qbank-bench-study-media"),
        "PROPAGATE_EXCEPTIONS": True,
    }


def bench_app(database_url: str) -> Flask:
    return create_app(bench_config(database_url), environ={})


def prepare_database(url: str, schema: str | None = None, fresh: bool = True) -> str:
    """Return the app's URL for ``url``; with ``fresh``, empty the database first.

    SQLite (give an absolute path): the file and its WAL are deleted. PostgreSQL: the
    benchmark works in its own schema, reached through ``search_path``, which is dropped
    and created again. The schema is ``schema``, else the one the URL's
    ``options=-csearch_path=...`` names, else ``bench_study``.
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if fresh and parsed.database:
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return url
    named = re.search(r"-csearch_path=([\w$]+)", str(parsed.query.get("options", "")))
    schema = schema or (named.group(1) if named else DEFAULT_SCHEMA)
    server = parsed.set(drivername="postgresql+psycopg").difference_update_query(["options"])
    if fresh:
        admin = sa.create_engine(server)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        admin.dispose()
    return server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


# --- loading ----------------------------------------------------------------------------


class Loader:
    """Insert rows of already-encoded values in batches: executemany, or COPY on PostgreSQL.

    Values are encoded once here (timestamps by the app's own column type on SQLite,
    JSON as text), so the big tables skip SQLAlchemy's per-row work.
    """

    def __init__(self, conn: sa.Connection, batch: int = BATCH) -> None:
        self.conn = conn
        self.batch = batch
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: Counter[str] = Counter()
        self._columns: dict[str, Sequence[str]] = {}
        self._pending: dict[str, list[tuple[Any, ...]]] = {}
        self.stamp = self._encoder(UTCDateTime())
        self.date = self._encoder(sa.Date())

    def _encoder(self, type_: sa.types.TypeEngine[Any]) -> Callable[[Any], Any]:
        if self.postgres:  # psycopg takes dates and aware datetimes as they are
            return lambda value: value
        return type_.bind_processor(self.conn.dialect) or (lambda value: value)

    def add(self, table: str, columns: Sequence[str], row: tuple[Any, ...]) -> None:
        if table not in self._columns:
            check_columns(table, columns)
            self._columns[table] = columns
        pending = self._pending.setdefault(table, [])
        pending.append(row)
        if len(pending) >= self.batch:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self._pending):
            rows = self._pending.get(name)
            if not rows:
                continue
            columns = self._columns[name]
            if self.postgres:
                cursor = self.conn.connection.driver_connection.cursor()
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                self.conn.exec_driver_sql(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows
                )
            self.counts[name] += len(rows)
            rows.clear()
        self.conn.commit()


def check_columns(table: str, columns: Sequence[str]) -> None:
    """Stop early, and say why, if the model has gained a column this generator leaves empty."""
    missing = [
        column.name
        for column in db.metadata.tables[table].columns
        if not column.nullable
        and column.server_default is None
        and not (column.primary_key and column.autoincrement in (True, "auto"))
        and column.name not in columns
    ]
    if missing:
        sys.exit(f"{table}.{', '.join(missing)} must be filled: add it to bench/study/generate.py.")


def memory_json(
    state: int,
    step: int | None,
    stability: float,
    difficulty: float,
    due: datetime,
    last_review: datetime,
    reps: int,
    lapses: int,
) -> str:
    """``Memory.as_json()`` as text, written directly: json.dumps is the slow part here."""
    return (
        f'{{"state": {state}, "step": {"null" if step is None else step}, '
        f'"stability": {stability:.4f}, "difficulty": {difficulty:.4f}, '
        f'"due": "{due.isoformat()}", "last_review": "{last_review.isoformat()}", '
        f'"reps": {reps}, "lapses": {lapses}}}'
    )


# --- content ----------------------------------------------------------------------------


def question_texts(rng: random.Random) -> list[tuple[str, list[str], int, str]]:
    """(stem, five option texts, index of the right one, explanation) to cycle through."""
    if not MEDQA.exists():
        return [
            (
                f"A {30 + n % 50}-year-old presents with finding {n}. "
                "Which of the following is the most likely diagnosis?",
                [f"Diagnosis {n}-{k}" for k in OPTION_KEYS],
                n % 5,
                f"Finding {n} points to diagnosis {n}-{OPTION_KEYS[n % 5]}.",
            )
            for n in range(1000)
        ]
    items = [json.loads(line) for line in MEDQA.read_text().splitlines() if line.strip()]
    texts = []
    for n, item in enumerate(items):
        options = [item["options"][k] for k in sorted(item["options"])]
        right = sorted(item["options"]).index(item["answer_idx"])
        # A fifth distractor from another vignette, placed at random.
        extra = items[(n * 7 + 3) % len(items)]["options"]["A"]
        place = rng.randrange(5)
        options.insert(place, extra)
        if place <= right:
            right += 1
        texts.append((item["question"], options, right, f"The answer is {item['answer']}."))
    return texts


def set_ranges(scale: Scale) -> list[range]:
    """Question ids of each set: contiguous, as even as the numbers allow."""
    size, extra = divmod(scale.questions, scale.sets)
    ranges, start = [], 1
    for k in range(scale.sets):
        stop = start + size + (k < extra)
        ranges.append(range(start, stop))
        start = stop
    return ranges


def load_content(loader: Loader, scale: Scale, now: datetime, rng: random.Random) -> list[str]:
    """Faculty, students, sets, tags and questions; return each question's right option."""
    stamp = loader.stamp
    created = stamp(now - timedelta(days=400))
    password_hash = generate_password_hash(PASSWORD, method=PASSWORD_HASH)
    user_columns = [
        "id",
        "email",
        "display_name",
        "password_hash",
        "role",
        "is_active_account",
        "created_at",
        "timezone",
        "timezone_confirmed",
        "rollover_hour",
        "desired_retention",
        "new_cards_per_day",
        "max_reviews_per_day",
        "confirm_rating",
        "daily_goal",
        "daily_goal_answers",
        "new_cards_wait_for_reviews",
        "practice_into_review",
    ]
    people = [("faculty", n, "faculty") for n in range(1, scale.faculty + 1)]
    people += [("student", n, "student") for n in range(1, scale.students + 1)]
    for user_id, (prefix, n, role) in enumerate(people, start=1):
        # Drawn for the login id users had before sessions replaced it; still drawn so
        # the rest of the data, and so the figures, stay what they were.
        rng.randbytes(24)
        loader.add(
            "users",
            user_columns,
            (
                user_id,
                f"{prefix}{n}@bench.example.edu",
                f"{prefix.title()} {n}",
                password_hash,
                role,
                True,
                created,
                STUDENT_ZONE,
                False,
                ROLLOVER_HOUR,
                0.9,
                20,
                200,
                False,
                "all_due",
                20,
                True,
                True,
            ),
        )
    loader.flush()

    for set_id in range(1, scale.sets + 1):
        loader.add(
            "question_sets",
            (
                *("id", "owner_id", "title", "description", "visibility", "published"),
                *("created_at", "updated_at"),
            ),
            (
                set_id,
                (set_id - 1) % scale.faculty + 1,
                f"Board review {set_id}: {TOPICS[(set_id - 1) % len(TOPICS)]}",
                "Single best answer vignettes for the boards.",
                "public",
                True,
                created,
                created,
            ),
        )
    for tag_id, topic in enumerate(TOPICS, start=1):
        loader.add("tags", ("id", "name"), (tag_id, f"Medicine::{topic}"))
    loader.flush()

    texts = question_texts(rng)
    right_keys = [""]  # question ids start at 1
    for set_id, ids in enumerate(set_ranges(scale), start=1):
        owner = (set_id - 1) % scale.faculty + 1
        for position, question_id in enumerate(ids):
            stem, option_texts, right, explanation = texts[question_id % len(texts)]
            right_keys.append(OPTION_KEYS[right])
            options = [
                {
                    "key": key,
                    "text": text,
                    "rationale": "Right: it fits every finding."
                    if i == right
                    else "Wrong: it does not explain the findings.",
                    "correct": i == right,
                    "fixed": False,
                }
                for i, (key, text) in enumerate(zip(OPTION_KEYS, option_texts, strict=True))
            ]
            loader.add(
                "questions",
                ("id", "set_id", "external_id", "position", "current_version", "created_at"),
                (question_id, set_id, f"bench-{question_id}", position, 1, created),
            )
            loader.add(
                "question_versions",
                (
                    *("id", "question_id", "number", "kind", "stem", "options", "explanation"),
                    *("reference", "created_at", "created_by_id"),
                ),
                (
                    question_id,
                    question_id,
                    1,
                    "single",
                    f"({question_id}) {stem}",
                    json.dumps(options),
                    explanation,
                    "",
                    created,
                    owner,
                ),
            )
            loader.add(
                "question_tags",
                ("question_id", "tag_id"),
                (question_id, question_id % len(TOPICS) + 1),
            )
    loader.flush()
    return right_keys


# --- history ----------------------------------------------------------------------------

# One simulated review, in days relative to the card's first review:
# (at, rating, state, step, stability, difficulty, due, lapses)
Step = tuple[float, int, int, int | None, float, float, float, int]


def simulate(rng: random.Random, reviews: int, end_with_lapse: bool) -> list[Step]:
    """A card's reviews: learning steps, growing intervals, the odd lapse."""
    at, state, step, lapses = 0.0, LEARNING, 1, 0
    stability, difficulty = rng.uniform(2.0, 3.5), rng.uniform(3.5, 7.0)
    steps: list[Step] = [(at, GOOD, state, step, stability, difficulty, at + 10 * MINUTE, 0)]
    for k in range(1, reviews):
        at = steps[-1][6]
        if steps[-1][6] - steps[-1][0] >= 1:  # students come back late, not early
            at += (steps[-1][6] - steps[-1][0]) * rng.uniform(0.0, 0.25)
        last = k == reviews - 1
        if state in (LEARNING, RELEARNING):
            rating, state, step = GOOD, REVIEW, None
            gap = max(1.0, round(stability))
        elif (last and end_with_lapse) or (k < reviews - 2 and rng.random() < LAPSE_RATE):
            rating, state, step, lapses = AGAIN, RELEARNING, 0, lapses + 1
            stability, difficulty = max(0.3, stability * 0.35), min(10.0, difficulty + 0.8)
            gap = 10 * MINUTE
        else:
            rating = GOOD
            stability, difficulty = stability * rng.uniform(1.8, 2.8), max(1.0, difficulty - 0.1)
            gap = float(min(max(1, round(stability)), MAX_INTERVAL_DAYS))
        steps.append((at, rating, state, step, stability, difficulty, at + gap, lapses))
    return steps


def place(rng: random.Random, steps: list[Step]) -> float:
    """Where the card's first review falls, in days from now (negative: in the past)."""
    final = steps[-1]
    if final[2] == REVIEW:
        interval = final[6] - final[0]
        if rng.random() < DUE_SHARE:
            due = -rng.uniform(0.0, min(0.5 * interval, 6.0))
        else:
            due = rng.uniform(0.0, interval)
        return due - final[6]
    # Learning or relearning: the last answer was earlier today.
    return -rng.uniform(11, 240) * MINUTE - final[0]


def squeeze(steps: list[Step]) -> list[Step]:
    """Fit a history longer than the past year into it, keeping its shape."""
    span = steps[-1][6]
    if span <= HISTORY_DAYS:
        return steps
    factor = HISTORY_DAYS / span
    return [(s[0] * factor, *s[1:6], s[6] * factor, s[7]) for s in steps]


def review_counts(rng: random.Random, reviews: int, max_cards: int) -> list[tuple[int, bool]]:
    """Split a student's reviews over cards: (reviews, ends with a lapse today)."""
    cards: list[tuple[int, bool]] = []
    learning_today = min(reviews, rng.randint(1, 4))
    cards += [(1, False)] * learning_today
    left = reviews - learning_today
    for _ in range(rng.randint(0, 2)):  # lapsed today, now relearning
        n = 3 + int(rng.expovariate(1 / 3))
        if left - n >= 2:
            cards.append((n, True))
            left -= n
    mean_extra = max(3.0, left / max(1, max_cards - len(cards)) - 2)
    while left > 0:
        n = min(left, 2 + int(rng.expovariate(1 / mean_extra)))
        if left - n == 1:
            n += 1
        cards.append((n, False))
        left -= n
    while len(cards) > max_cards:  # too few questions enrolled: fold cards together
        n, _ = cards.pop()
        k = rng.randrange(len(cards))
        cards[k] = (cards[k][0] + n, cards[k][1])
    return cards


REVIEW_LOG_COLUMNS = [
    "user_id",
    "question_id",
    "question_version_id",
    "reviewed_at",
    "answer_token",
    "chosen",
    "correct",
    "rating",
    "time_taken_ms",
    "mode",
    "state_before",
    "state_after",
]
CARD_STATE_COLUMNS = [
    "user_id",
    "question_id",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "flagged",
]


def card_state_columns() -> list[str]:
    # Newer schemas keep a review card's due study day and the day of its last review.
    days = "due_day" in db.metadata.tables["card_states"].c
    return CARD_STATE_COLUMNS + (["due_day", "last_review_day"] if days else [])


def review_log_columns() -> list[str]:
    # Newer schemas keep each answer's study day beside its time.
    return REVIEW_LOG_COLUMNS + (["day"] if "day" in db.metadata.tables["review_logs"].c else [])


def load_student(
    loader: Loader,
    rng: random.Random,
    user_id: int,
    reviews: int,
    sets: list[range],
    right_keys: list[str],
    now: datetime,
) -> None:
    """One student's enrollments, card states and review log."""
    stamp = loader.stamp
    wanted = reviews / 4 + 60  # enough questions for their cards and weeks of new ones
    chosen_sets = rng.sample(range(len(sets)), len(sets))
    count = rng.randint(3, 6)
    while count < len(sets) and sum(len(sets[k]) for k in chosen_sets[:count]) < wanted:
        count += 1
    chosen_sets = chosen_sets[:count]
    for i, k in enumerate(chosen_sets):
        loader.add(
            "enrollments",
            ("user_id", "set_id", "enrolled_at"),
            (user_id, k + 1, stamp(now - timedelta(days=360, minutes=-i))),
        )
    order = [question_id for k in chosen_sets for question_id in sets[k]]

    cards = []
    for n, lapsed_today in review_counts(rng, reviews, max(1, len(order) - 40)):
        steps = squeeze(simulate(rng, n, lapsed_today))
        cards.append((place(rng, steps), steps))
    cards.sort(key=lambda card: card[0])  # studied in the order the app offers them

    log_columns = review_log_columns()
    with_day = "day" in log_columns
    card_columns = card_state_columns()
    with_days = "due_day" in card_columns
    token = 0
    for question_id, (start, steps) in zip(order, cards, strict=False):
        right = right_keys[question_id]
        wrong = OPTION_KEYS[(OPTION_KEYS.index(right) + 1 + question_id % 4) % 5]
        before = None
        for reps, (at, rating, state, step, stability, difficulty, due, lapses) in enumerate(
            steps, start=1
        ):
            reviewed_at = now + timedelta(days=start + at)
            after = memory_json(
                state,
                step,
                stability,
                difficulty,
                now + timedelta(days=start + due),
                reviewed_at,
                reps,
                lapses,
            )
            token += 1
            row = (
                user_id,
                question_id,
                question_id,  # one version per question, numbered like it
                stamp(reviewed_at),
                f"{user_id:08x}{token:032x}",
                f'["{right if rating == GOOD else wrong}"]',
                rating == GOOD,
                rating,
                rng.randint(4_000, 60_000),
                "review",
                before,
                after,
            )
            if with_day:
                row += (loader.date(study_day(reviewed_at, STUDENT_ZONE, ROLLOVER_HOUR)),)
            loader.add("review_logs", log_columns, row)
            before = after
        at, _, state, step, stability, difficulty, due, lapses = steps[-1]
        due_at, last_at = now + timedelta(days=start + due), now + timedelta(days=start + at)
        days: tuple[object, ...] = ()
        if with_days:
            due_day = study_day(due_at, STUDENT_ZONE, ROLLOVER_HOUR) if state == REVIEW else None
            days = (
                due_day and loader.date(due_day),
                loader.date(study_day(last_at, STUDENT_ZONE, ROLLOVER_HOUR)),
            )
        loader.add(
            "card_states",
            card_columns,
            (
                user_id,
                question_id,
                state,
                step,
                stability,
                difficulty,
                stamp(due_at),
                stamp(last_at),
                len(steps),
                lapses,
                state == REVIEW and rng.random() < SUSPENDED_SHARE,
                False,
                *days,
            ),
        )


def reviews_per_student(rng: random.Random, scale: Scale) -> list[int]:
    """A long tail: most students answer a few hundred, some several thousand."""
    weights = [rng.lognormvariate(0, 0.7) for _ in range(scale.students)]
    total = sum(weights)
    counts = [int(scale.reviews * w / total) for w in weights]
    for i in range(scale.reviews - sum(counts)):
        counts[i % scale.students] += 1
    return counts


def generate(app: Flask, scale: Scale, seed: int = 1, now: datetime | None = None) -> Counter:
    """Create the tables and fill them; return the number of rows per table."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    with app.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            loader = Loader(conn)
            right_keys = load_content(loader, scale, now, rng)
            sets = set_ranges(scale)
            for n, reviews in enumerate(reviews_per_student(rng, scale)):
                user_id = scale.faculty + 1 + n
                student_rng = random.Random(f"{seed}:{user_id}")
                load_student(loader, student_rng, user_id, reviews, sets, right_keys, now)
            loader.flush()
            counts = loader.counts
            if loader.postgres:
                for table in ("users", "question_sets", "tags", "questions", "question_versions"):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
                conn.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would have done by the time anyone studies.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    return counts


def build_projections(app: Flask) -> int | None:
    """Fold the generated log into the gamification projections, as ``flask rebuild-stats``.

    Return the number of students, or None if this version of the app has none.
    """
    if gamification is None:
        return None
    with app.app_context():
        students = gamification.rebuild_all(datetime.now(UTC))
        db.session.commit()
        db.engine.dispose()
    return students


def database_size(app: Flask) -> int:
    """Bytes on disk: the SQLite file, or the tables and indexes of the PostgreSQL schema."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            path = Path(db.engine.url.database)
            return sum(
                p.stat().st_size
                for p in (path, Path(f"{path}-wal"))
                if p.exists()  # the WAL is checkpointed but may remain
            )
        size = db.session.scalar(
            sa.text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
        )
        db.session.remove()
        return int(size or 0)


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Scale()
    parser.add_argument(
        "--database",
        default=f"sqlite:///{DEFAULT_SQLITE}",
        help="SQLite or PostgreSQL URL (default: %(default)s)",
    )
    parser.add_argument(
        "--schema",
        help=f"PostgreSQL schema, dropped and made again (default: the URL's search_path, "
        f"else {DEFAULT_SCHEMA})",
    )
    parser.add_argument("--students", type=int, default=defaults.students)
    parser.add_argument("--questions", type=int, default=defaults.questions)
    parser.add_argument("--reviews", type=int, default=defaults.reviews)
    parser.add_argument("--sets", type=int, default=defaults.sets)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-projections",
        dest="projections",
        action="store_false",
        help="skip rebuilding daily activity, totals and badges from the generated log",
    )


def scale_from(args: argparse.Namespace) -> Scale:
    return Scale(
        students=args.students, questions=args.questions, reviews=args.reviews, sets=args.sets
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_scale_arguments(parser)
    args = parser.parse_args()
    scale = scale_from(args)
    url = prepare_database(args.database, args.schema)
    app = bench_app(url)
    started = time.perf_counter()
    counts = generate(app, scale, args.seed)
    loaded = time.perf_counter()
    projections = build_projections(app) if args.projections else None
    finished = time.perf_counter()
    for table, rows in counts.items():
        print(f"{table:<18} {rows:>12,}")
    print(f"database size      {database_size(app) / 1048576:>12.0f} MB")
    print(f"generation         {loaded - started:>12.1f} s")
    if projections is not None:
        print(f"projections        {finished - loaded:>12.1f} s  ({projections:,} students)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS           {peak:>12.0f} MB")


if __name__ == "__main__":
    main()
