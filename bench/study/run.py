"""Benchmark: show the next card and answer it, through the whole Flask stack.

    .venv/bin/python bench/study/run.py [--database URL] [--reuse] [--sample 200] [--cards 5]
        [--students 2000] [--questions 20000] [--reviews 2000000] [--profile]

Generates the data (see generate.py) unless --reuse is given, logs sampled students in
through the real /login form, and for each one times a few rounds of GET /study/ (the
next card), POST /study/answer (the form on that page, answered with its first option)
and GET of the result page it redirects to. Prints p50, p95 and max in milliseconds and
the queries per request. Target (issue): a median of 15 ms or less on SQLite for
showing a card and for answering it. The app reads the real clock.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import (
    PASSWORD,
    ROOT,
    Scale,
    add_scale_arguments,
    bench_app,
    build_projections,
    database_size,
    generate,
    prepare_database,
    scale_from,
)

from qbank.extensions import db
from qbank.models import CardState, Enrollment, Question, ReviewLog, Role, User

HIDDEN_RE = re.compile(r'name="(question_id|token|shown|csrf_token)"[^>]*? value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CHOSEN_RE = re.compile(r'name="chosen" value="([^"]+)"')
REQUESTS = {
    "show": "show next card   GET /study/",
    "answer": "answer           POST /study/answer",
    "result": "answer's result  GET /study/reviews/<id>",
}


def card_form(page: str) -> dict[str, str]:
    """The hidden fields of the answer form on a card page."""
    return dict(HIDDEN_RE.findall(page))


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark stopped: {message}")


@dataclass
class Timings:
    """Milliseconds and statement counts per measured request, by kind of request."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    done_pages: int = 0

    def add(self, kind: str, ms: float, statements: int) -> None:
        self.ms[kind].append(ms)
        self.statements[kind].append(statements)


class StatementLog:
    """Count the statements each request sends to the database and, when asked, time them."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        self.kind = ""
        self.timing = False
        self.ms: dict[tuple[str, str], list[float]] = defaultdict(list)
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.count += 1
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.timing:
            elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
            self.ms[(self.kind, " ".join(statement.split()))].append(elapsed)

    def report(self, requests: dict[str, int], top: int = 12) -> None:
        """Print the statements that cost most per request (execute only, not the fetch)."""
        print(f"\nslowest statements: ms per request in cursor.execute, top {top}")
        rows = sorted(
            ((sum(ms) / requests[kind], len(ms) / requests[kind], kind, sql, max(ms)))
            for (kind, sql), ms in self.ms.items()
        )[::-1][:top]
        for per_request, calls, kind, sql, longest in rows:
            print(
                f"  {per_request:6.2f} ms  {calls:4.1f}x  max {longest:6.1f} ms  "
                f"{kind:<6}  {sql[:140]}"
            )


def print_profile(profiler: cProfile.Profile, rounds: int, top: int = 25) -> None:
    """Print the app's own functions by cumulative time per round (show, answer, result)."""
    stats = pstats.Stats(profiler).stats
    rows = [
        (cumulative, calls, f"{Path(file).relative_to(ROOT)}:{line} {name}")
        for (file, line, name), (_, calls, _, cumulative, _) in stats.items()
        if file.startswith(str(ROOT / "qbank"))
    ]
    print(f"\ncProfile: qbank functions, cumulative ms per round (under the profiler), top {top}")
    for cumulative, calls, where in sorted(rows, reverse=True)[:top]:
        print(f"  {cumulative * 1000 / rounds:7.2f} ms  {calls / rounds:5.1f}x  {where}")


def login(client: FlaskClient, email: str) -> None:
    """Log in through the form, as a browser does."""
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page)
    expect(token is not None, "no CSRF token on /login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    expect(response.status_code == 302, f"login failed for {email}: {response.status_code}")


def timed(log: StatementLog, kind: str, call: Any, *args: Any, **kwargs: Any) -> tuple:
    """Return what ``call(*args, **kwargs)`` returned, its milliseconds and its statements."""
    log.kind = kind
    before = log.count
    started = time.perf_counter()
    response = call(*args, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    return response, elapsed, log.count - before


def study_rounds(
    app: Flask, email: str, cards: int, log: StatementLog, timings: Timings | None
) -> None:
    """Log in, then show the next card, answer it and open the result, ``cards`` times."""
    client = app.test_client()
    login(client, email)
    for _ in range(cards):
        response, show_ms, show_count = timed(log, "show", client.get, "/study/")
        expect(response.status_code == 200, f"GET /study/: {response.status_code}")
        page = response.get_data(as_text=True)
        chosen = CHOSEN_RE.search(page)
        if chosen is None:  # nothing left today
            if timings:
                timings.done_pages += 1
                timings.add("show", show_ms, show_count)
            return
        form = {**card_form(page), "chosen": chosen.group(1)}
        response, answer_ms, answer_count = timed(
            log, "answer", client.post, "/study/answer", data=form
        )
        location = response.headers.get("Location", "")
        expect(
            response.status_code == 302 and "/study/reviews/" in location,
            f"POST /study/answer: {response.status_code} {location}",
        )
        response, result_ms, result_count = timed(log, "result", client.get, location)
        expect(response.status_code == 200, f"GET {location}: {response.status_code}")
        if timings:
            timings.add("show", show_ms, show_count)
            timings.add("answer", answer_ms, answer_count)
            timings.add("result", result_ms, result_count)


@dataclass(frozen=True)
class Sizes:
    students: int
    questions: int
    enrollments: int
    card_states: int
    review_logs: int
    bytes: int


def data_sizes(app: Flask) -> Sizes:
    def count(column: Any, *where: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count(column)).where(*where))

    with app.app_context():
        sizes = Sizes(
            students=count(User.id, User.role == Role.STUDENT.value),
            questions=count(Question.id),
            enrollments=count(Enrollment.id),
            card_states=count(CardState.id),
            review_logs=count(ReviewLog.id),
            bytes=0,
        )
        db.session.remove()
    return Sizes(**{**sizes.__dict__, "bytes": database_size(app)})


def check_schema(app: Flask) -> None:
    """Stop if a reused database lacks tables or columns the models now have."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        missing = []
        for table in db.metadata.sorted_tables:
            present = (
                {column["name"] for column in inspector.get_columns(table.name)}
                if inspector.has_table(table.name)
                else set()
            )
            missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
        db.engine.dispose()
    expect(
        not missing,
        f"the database predates the models ({', '.join(missing[:3])} missing): "
        "run without --reuse to generate it again",
    )


def engine_name(app: Flask) -> str:
    with app.app_context():
        dialect = db.engine.dialect
        if dialect.name == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        version = ".".join(str(part) for part in dialect.server_version_info or ())
        return f"PostgreSQL {version} ({dialect.driver})"


def sample_students(app: Flask, count: int, seed: int) -> list[str]:
    with app.app_context():
        emails = list(
            db.session.scalars(
                sa.select(User.email).where(User.role == Role.STUDENT.value).order_by(User.id)
            )
        )
        db.session.remove()
    if count > len(emails):
        sys.exit(f"Asked for {count} students; the database has {len(emails)}.")
    return random.Random(seed).sample(emails, count)


def percentile(values: list[float], share: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_scale_arguments(parser)
    parser.add_argument("--reuse", action="store_true", help="keep the data in --database")
    parser.add_argument("--sample", type=int, default=200, help="students measured")
    parser.add_argument("--cards", type=int, default=5, help="cards answered per student")
    parser.add_argument(
        "--warmup", type=int, default=20, help="students answered first, unmeasured"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile's hot spots and the slowest SQL"
    )
    args = parser.parse_args()

    url = prepare_database(args.database, args.schema, fresh=not args.reuse)
    app = bench_app(url)
    generation = projections = None
    if not args.reuse:
        scale: Scale = scale_from(args)
        print(
            f"generating {scale.students:,} students, {scale.questions:,} questions, "
            f"{scale.reviews:,} reviews ...",
            flush=True,
        )
        started = time.perf_counter()
        generate(app, scale, args.seed)
        generation = time.perf_counter() - started
        if args.projections:
            started = time.perf_counter()
            if build_projections(app) is not None:
                projections = time.perf_counter() - started
    else:
        check_schema(app)
    sizes = data_sizes(app)

    with app.app_context():
        log = StatementLog(db.engine)
    students = sample_students(app, args.warmup + args.sample, args.seed)
    for email in students[: args.warmup]:
        study_rounds(app, email, args.cards, log, None)

    timings = Timings()
    profiler = cProfile.Profile() if args.profile else None
    log.timing = args.profile
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for email in students[args.warmup :]:
        study_rounds(app, email, args.cards, log, timings)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started

    print(f"engine           {engine_name(app)}")
    print(
        f"data             {sizes.students:,} students, {sizes.questions:,} questions, "
        f"{sizes.enrollments:,} enrollments, {sizes.card_states:,} card states, "
        f"{sizes.review_logs:,} reviews; {sizes.bytes / 1048576:,.0f} MB on disk"
    )
    if generation is not None:
        print(f"generation       {generation:.1f} s")
    if projections is not None:
        print(f"projections      {projections:.1f} s (rebuilt from the generated log)")
    print(
        f"measured         {args.sample} students x up to {args.cards} cards, after "
        f"{args.warmup} warm-up students; {timings.done_pages} ran out of cards; {wall:.1f} s"
        + ("; under cProfile, so slower" if profiler else "")
    )
    print(f"\n{'':42}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL':>6}")
    for kind, label in REQUESTS.items():
        ms = timings.ms[kind]
        if ms:
            print(
                f"{label:42}{len(ms):>9}{statistics.median(ms):>9.1f}"
                f"{percentile(ms, 95):>9.1f}{max(ms):>9.1f}"
                f"{statistics.mean(timings.statements[kind]):>6.1f}"
            )
    print("target: p50 <= 15 ms on SQLite for showing a card and for answering it")
    print("SQL: statements sent per request, BEGIN and SAVEPOINT included")

    if profiler:
        log.report({kind: len(ms) for kind, ms in timings.ms.items()})
        print_profile(profiler, rounds=len(timings.ms["answer"]))


if __name__ == "__main__":
    main()
