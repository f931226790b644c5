"""Benchmark: build a practice block, answer in it, end it and read its score report.

    .venv/bin/python bench/practice/run.py [--database URL] [--fresh] [--blocks 40]
        [--warmup 3] [--seed 1] [--profile]

Works on bench/study's data (2,000 students, 20,000 questions, 2,000,000 reviews): it
generates that database if it is missing (or with --fresh), with the scale options of
bench/study/generate.py, and on SQLite works on a copy of it, so the blocks and practice
answers written here change neither bench/study's data nor the next run's.

For each of --warmup + --blocks sampled students (a fresh student per block, so none
has a block open), each step done as a request does it, in an app context of its own,
inside a write transaction that commits:

1. **build**: lock the student, ``practice.build`` a 40-question tutor block from two
   tags with the unused and incorrect pools.
2. **answer and move**, for questions 1 to 39: ``practice.save`` the answer (right 60%
   of the time), then, as the next request, ``practice.show`` the next question.
   Question 40 is saved untimed.
3. **end**: lock the block and ``practice.end`` it (the answers go into the review log).
4. **report**: ``practice.report`` of the ended block (read only, no transaction).

Prints p50 and p95 in ms beside the issue's targets, and the statements each step sent.
Figures only: no timing is asserted. Rendering pages is not included, nor logging in.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "study"))  # before this folder: its run.py, not ours

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from generate import (  # noqa: E402
    DEFAULT_SQLITE,
    add_scale_arguments,
    bench_app,
    build_projections,
    generate,
    prepare_database,
    scale_from,
)
from run import (  # noqa: E402
    StatementLog,
    check_schema,
    data_sizes,
    engine_name,
    expect,
    print_profile,
    sample_students,
)
from timing import percentile  # noqa: E402

from qbank.database import write_transaction  # noqa: E402
from qbank.domain import answers  # noqa: E402
from qbank.domain import practice as rules  # noqa: E402
from qbank.extensions import db  # noqa: E402
from qbank.models import (  # noqa: E402
    BlockItem,
    PracticeBlock,
    Question,
    QuestionVersion,
    ReviewLog,
    Tag,
    User,
    question_tags,
)
from qbank.services import practice, study  # noqa: E402

WORKING_COPY = DEFAULT_SQLITE.with_name("qbank-bench-practice.sqlite3")
WANTED = practice.Request(
    tags=("Medicine::Cardiology", "Medicine::Pulmonology"),
    pools=(rules.Pool.UNUSED, rules.Pool.INCORRECT),
    size=40,
    mode=rules.Mode.TUTOR,
)
RIGHT_SHARE, GUESSED_SHARE, MARKED_SHARE = 0.6, 0.15, 0.1
STEPS = {  # kind: (label, target p50 in ms or None)
    "build": ("build a 40-question block (2 tags)", 50.0),
    "save": ("  save an answer", None),
    "show": ("  show the next question", None),
    "move": ("answer and move (save + show next)", 15.0),
    "end": ("end the block (40 answers to the log)", None),
    "report": ("score report of the ended block", 50.0),
}


class Steps:
    """Milliseconds and statements per timed step, and a profile per kind when asked."""

    def __init__(self, log: StatementLog, profile: bool) -> None:
        self.log = log
        self.profile = profile
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, list[int]] = defaultdict(list)
        self.profiles: dict[str, cProfile.Profile] = {}

    def run(self, kind: str, counted: bool, call: Callable[..., Any], *args: Any) -> Any:
        """Return ``call(*args)``; when ``counted``, keep its time and statements."""
        profiler = self.profiles.setdefault(kind, cProfile.Profile()) if counted else None
        self.log.kind = kind
        self.log.timing = counted and self.profile
        before = self.log.count
        if profiler and self.profile:
            profiler.enable()
        started = time.perf_counter()
        result = call(*args)
        elapsed = (time.perf_counter() - started) * 1000
        if profiler and self.profile:
            profiler.disable()
        if counted:
            self.ms[kind].append(elapsed)
            self.statements[kind].append(self.log.count - before)
        return result


def study_data(args: argparse.Namespace) -> str:
    """The URL of bench/study's data, generated first if missing or asked for."""
    url = prepare_database(args.database, args.schema, fresh=False)
    probe = bench_app(url)
    with probe.app_context():
        present = sa.inspect(db.engine).has_table(ReviewLog.__tablename__) and bool(
            db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog))
        )
        db.engine.dispose()
    if present and not args.fresh:
        return url
    url = prepare_database(args.database, args.schema, fresh=True)
    app = bench_app(url)
    scale = scale_from(args)
    print(
        f"generating bench/study's data: {scale.students:,} students, "
        f"{scale.questions:,} questions, {scale.reviews:,} reviews ...",
        flush=True,
    )
    started = time.perf_counter()
    generate(app, scale, args.seed)
    if args.projections:
        build_projections(app)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def working_copy(url: str) -> str:
    """A copy of a SQLite database to write in; other engines are used in place."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        print("not SQLite: the blocks are written into the study data itself")
        return url
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WORKING_COPY}{suffix}").unlink(missing_ok=True)
    source, target = sqlite3.connect(parsed.database), sqlite3.connect(WORKING_COPY)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{WORKING_COPY}"


def indexes_as_models(app: Flask) -> list[str]:
    """Make a reused database's indexes the models' (it may predate a change to them):
    create the missing ones, drop those no model has. Returns what changed."""
    changed = []
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in db.metadata.sorted_tables:
            present = {i["name"] for i in inspector.get_indexes(table.name)}
            wanted = {i.name for i in table.indexes}
            for index in table.indexes:
                if index.name not in present:
                    index.create(db.engine)
                    changed.append(f"+{index.name}")
            for name in sorted(present - wanted):
                if name and not name.startswith("sqlite_autoindex"):
                    db.session.execute(sa.text(f'DROP INDEX "{name}"'))
                    changed.append(f"-{name}")
        db.session.commit()
        db.engine.dispose()
    return changed


# --- the steps, each as one request -------------------------------------------------------


def build(app: Flask, user_id: int, seed: int) -> int:
    """As POST /practice/: lock the student and build the block; return its id."""
    with app.app_context():
        user = db.session.get_one(User, user_id)
        with write_transaction():
            study.lock_student(user)
            block = practice.build(user, WANTED, datetime.now(UTC), seed)
            block_id = block.id
        return block_id


def save(app: Flask, user_id: int, block_id: int, position: int, work: practice.Work) -> None:
    """As POST /practice/blocks/<id>/<position>: keep the work on the question shown."""
    with app.app_context():
        user = db.session.get_one(User, user_id)
        block = practice.block_of(user, block_id)
        with write_transaction():
            kept = practice.save(user, block, position, work, datetime.now(UTC))
        expect(kept is not None, f"block {block_id} ended before question {position}")


def show(app: Flask, user_id: int, block_id: int, position: int) -> None:
    """As GET /practice/blocks/<id>/<position>: open the question (the clock runs)."""
    with app.app_context():
        user = db.session.get_one(User, user_id)
        block = practice.block_of(user, block_id)
        with write_transaction():
            still_open = practice.show(user, block, position, datetime.now(UTC))
        expect(still_open, f"block {block_id} ended at question {position}")


def end(app: Flask, user_id: int, block_id: int) -> None:
    """As POST /practice/blocks/<id>/end: lock the block and end it."""
    with app.app_context():
        user = db.session.get_one(User, user_id)
        block = practice.block_of(user, block_id)
        with write_transaction():
            practice.lock(user, block)
            practice.end(user, block, datetime.now(UTC))


def report(app: Flask, user_id: int, block_id: int) -> None:
    """As GET /practice/blocks/<id>/report, without rendering it."""
    with app.app_context():
        user = db.session.get_one(User, user_id)
        block = practice.block_of(user, block_id)
        found = practice.report(user, block, datetime.now(UTC))
        expect(found.score.answered == len(found.rows), f"block {block_id} not all answered")


# --- setting up, untimed ------------------------------------------------------------------


def student_ids(app: Flask, count: int, seed: int) -> list[int]:
    emails = sample_students(app, count, seed)
    with app.app_context():
        found = db.session.execute(sa.select(User.email, User.id).where(User.email.in_(emails)))
        ids = {email: user_id for email, user_id in found}
        db.session.remove()
    return [ids[email] for email in emails]


def end_open_blocks(app: Flask, user_ids: list[int]) -> int:
    """End blocks a run in place (PostgreSQL) left open, so that building is allowed."""
    with app.app_context():
        blocks = db.session.scalars(
            sa.select(PracticeBlock).where(
                PracticeBlock.user_id.in_(user_ids), PracticeBlock.ended_at.is_(None)
            )
        ).all()
        for block in blocks:
            with write_transaction():
                practice.end(db.session.get_one(User, block.user_id), block, datetime.now(UTC))
        db.session.remove()
    return len(blocks)


def works(app: Flask, block_id: int, rng: random.Random) -> list[practice.Work]:
    """What the student sends for each question of the block, right ``RIGHT_SHARE`` of
    the time."""
    with app.app_context():
        block = db.session.get_one(PracticeBlock, block_id)
        versions = [db.session.get_one(QuestionVersion, i.question_version_id) for i in block.items]
        sent = []
        for version in versions:
            keys = [o["key"] for o in version.options]
            right = sorted(answers.correct_keys(version.options))
            wrong = [k for k in keys if k not in right]
            chosen = right[:1] if rng.random() < RIGHT_SHARE or not wrong else [rng.choice(wrong)]
            sent.append(
                practice.Work(
                    chosen=tuple(chosen),
                    guessed=rng.random() < GUESSED_SHARE,
                    marked=rng.random() < MARKED_SHARE,
                    time_ms=rng.randrange(20_000, 120_000),
                )
            )
        db.session.remove()
    return sent


def peer_blocks(app: Flask, count: int, measured: list[int], seed: int) -> int:
    """Give other students ``count`` ended 40-question blocks from the same two tags, as
    a class that has used blocks for a term would have: what the report's percentile
    and peer figures read. Written in bulk, untimed; returns the block items written."""
    if count <= 0:
        return 0
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with app.app_context():
        patterns = [sa.or_(Tag.name == t, Tag.name.like(f"{t}::%")) for t in WANTED.tags]
        pool = db.session.execute(
            sa.select(Question.id, QuestionVersion.id)
            .distinct()
            .join(
                QuestionVersion,
                sa.and_(
                    QuestionVersion.question_id == Question.id,
                    QuestionVersion.number == Question.current_version,
                ),
            )
            .join(question_tags, question_tags.c.question_id == Question.id)
            .join(Tag, Tag.id == question_tags.c.tag_id)
            .where(sa.or_(*patterns))
        ).all()
        others = list(
            db.session.scalars(sa.select(User.id).where(User.id.not_in(measured)).limit(2000))
        )
        written = 0
        for start in range(0, count, 500):
            rows = []
            for _ in range(min(500, count - start)):
                ended = now - timedelta(days=rng.uniform(1, 120))
                rows.append(
                    {
                        "user_id": rng.choice(others),
                        "mode": rules.Mode.TIMED.value,
                        "ordering": rules.Order.RANDOM.value,
                        "seed": 0,
                        "sources": {"bench": "peers"},
                        "time_used_ms": 3_600_000,
                        "position": 40,
                        "created_at": ended - timedelta(hours=1),
                        "ended_at": ended,
                    }
                )
            ids = db.session.scalars(
                sa.insert(PracticeBlock).returning(PracticeBlock.id, sort_by_parameter_order=True),
                rows,
            ).all()
            items = []
            for block_id, row in zip(ids, rows, strict=True):
                for position, (question_id, version_id) in enumerate(
                    rng.sample(pool, min(40, len(pool))), start=1
                ):
                    correct = rng.random() < RIGHT_SHARE
                    items.append(
                        {
                            "block_id": block_id,
                            "position": position,
                            "question_id": question_id,
                            "question_version_id": version_id,
                            "chosen": ["A"],
                            "correct": correct,
                            "guessed": False,
                            "marked": False,
                            "struck": [],
                            "notes": "",
                            "time_ms": 60_000,
                            "answered_at": row["ended_at"] - timedelta(minutes=40 - position),
                        }
                    )
            db.session.execute(sa.insert(BlockItem), items)
            db.session.commit()
            written += len(items)
        db.session.remove()
    return written


# --- printing -----------------------------------------------------------------------------


def print_figures(steps: Steps) -> None:
    print(f"\n{'':40}{'times':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL':>6}  target p50")
    for kind, (label, target) in STEPS.items():
        ms = steps.ms[kind]
        if not ms:
            continue
        statements = steps.statements[kind]
        print(
            f"{label:40}{len(ms):>7}{statistics.median(ms):>9.1f}{percentile(ms, 0.95):>9.1f}"
            f"{max(ms):>9.1f}{statistics.mean(statements):>6.1f}"
            + (f"  <= {target:.0f} ms" if target is not None else "")
        )
    print("SQL: statements sent per step, BEGIN and SAVEPOINT included")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_scale_arguments(parser)
    parser.add_argument("--fresh", action="store_true", help="generate the study data again")
    parser.add_argument("--blocks", type=int, default=40, help="blocks measured, one a student")
    parser.add_argument("--warmup", type=int, default=3, help="blocks done first, unmeasured")
    parser.add_argument(
        "--peer-blocks",
        type=int,
        default=0,
        help="ended blocks of other students over the same tags, written first (the "
        "report's peer figures read them)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile's hot spots and the slowest SQL"
    )
    args = parser.parse_args()

    url = working_copy(study_data(args))
    app = bench_app(url)
    check_schema(app)
    reindexed = indexes_as_models(app)
    sizes = data_sizes(app)
    users = student_ids(app, args.warmup + args.blocks, args.seed)
    left_open = end_open_blocks(app, users)
    peer_items = peer_blocks(app, args.peer_blocks, users, args.seed)
    with app.app_context():
        log = StatementLog(db.engine)
    steps = Steps(log, args.profile)
    rng = random.Random(args.seed)
    started = time.perf_counter()

    blocks, held = [], []
    for n, user_id in enumerate(users):
        blocks.append(steps.run("build", n >= args.warmup, build, app, user_id, args.seed + n))
    for n, (user_id, block_id) in enumerate(zip(users, blocks, strict=True)):
        sent = works(app, block_id, rng)
        held.append(len(sent))
        for position, work in enumerate(sent[:-1], start=1):
            counted = n >= args.warmup
            steps.run("save", counted, save, app, user_id, block_id, position, work)
            steps.run("show", counted, show, app, user_id, block_id, position + 1)
            if counted:
                steps.ms["move"].append(steps.ms["save"][-1] + steps.ms["show"][-1])
                steps.statements["move"].append(
                    steps.statements["save"][-1] + steps.statements["show"][-1]
                )
        save(app, user_id, block_id, len(sent), sent[-1])
    for n, (user_id, block_id) in enumerate(zip(users, blocks, strict=True)):
        steps.run("end", n >= args.warmup, end, app, user_id, block_id)
    for n, (user_id, block_id) in enumerate(zip(users, blocks, strict=True)):
        steps.run("report", n >= args.warmup, report, app, user_id, block_id)
    wall = time.perf_counter() - started
    span = f"{min(held)}" if min(held) == max(held) else f"{min(held)} to {max(held)}"

    print(f"engine     {engine_name(app)}")
    print(
        f"data       {sizes.students:,} students, {sizes.questions:,} questions, "
        f"{sizes.card_states:,} card states, {sizes.review_logs:,} reviews; "
        f"{sizes.bytes / 1048576:,.0f} MB on disk ({url})"
    )
    print(
        f"measured   {args.blocks} blocks of {span} questions, "
        f"{WANTED.size} asked ({', '.join(WANTED.tags)}; pools "
        f"{', '.join(p.value for p in WANTED.pools)}; {WANTED.mode.value}), one a student, "
        f"after {args.warmup} warm-up blocks; {wall:.1f} s"
        + (f"; {left_open} blocks left open were ended first" if left_open else "")
        + (f"; indexes brought to the models: {', '.join(reindexed)}" if reindexed else "")
        + (
            f"; {args.peer_blocks:,} peers' blocks ({peer_items:,} answers) written first"
            if args.peer_blocks
            else ""
        )
        + ("; under cProfile, so slower" if args.profile else "")
    )
    print_figures(steps)
    if args.profile:
        log.report({kind: len(ms) for kind, ms in steps.ms.items()})
        for kind in ("build", "save", "show", "end", "report"):
            print(f"\n--- {kind}")
            print_profile(steps.profiles[kind], rounds=len(steps.ms[kind]), top=12)


if __name__ == "__main__":
    main()
