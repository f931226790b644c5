"""Benchmark: a class signs up at once and studies, on real gunicorn, sync and gthread workers.

    .venv/bin/python bench/load/run.py [--database URL] [--students 50] [--seconds 30]
        [--workers 4] [--threads 4] [--questions 300] [--only sync|gthread]

The scenario of tests/load (see tests/load/classroom.py): ``--students`` threads, each
with its own cookie jar, sign up at one signal through the real form (scrypt hash), raise
their new-card limit, enrol in a published set and answer cards for ``--seconds``; each
answer is GET /study/, POST /study/answer and GET of its result page, with no pause. A
503 is sent again after its Retry-After, as the busy page asks. Runs on a fresh migrated
SQLite file, and with ``--database`` (a PostgreSQL URL) in a fresh schema there too, each
with 4 sync workers and with 4 gthread workers of 4 threads. The students run on the same
machine as the server. Prints requests/s, p50/p99 and the count of each status, and
whether the database holds exactly what was acknowledged. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import percentile  # noqa: E402

from tests.load.classroom import (  # noqa: E402
    ClassRun,
    Request,
    fresh_database,
    prepare_class,
    run_class,
    serve,
    server_environment,
    stored,
)

LABELS = [
    "POST /register",
    "GET /study/",
    "POST /study/answer",
    "GET /study/reviews/<id>",
]


def latency(requests: list[Request]) -> str:
    ms = [r.ms for r in requests]
    if not ms:
        return "no requests"
    return f"p50 {statistics.median(ms):7.1f} ms  p99 {percentile(ms, 0.99):7.1f} ms"


def statuses(requests: list[Request]) -> str:
    counts: dict[int, int] = defaultdict(int)
    for r in requests:
        counts[r.status] += 1
    return ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(counts.items()))


def report(run: ClassRun, env: dict[str, str]) -> None:
    """Print one configuration's figures, and what the database holds against what was said."""
    sign_up = [r for r in run.log.requests if r.phase == "sign-up"]
    study = [r for r in run.log.requests if r.phase == "study"]
    answers = sum(len(s.answers) for s in run.students)
    print(
        f"  sign-up     {len(run.students)} students in {run.sign_up_s:5.1f} s "
        f"(sign-up, settings, enrolment)   {statuses(sign_up)}"
    )
    print(
        f"  studying    {len(study) / run.study_s:6.1f} requests/s, "
        f"{answers / run.study_s:5.1f} answers/s over {run.study_s:.1f} s   {statuses(study)}"
    )
    print(f"  {'all study requests':34}{len(study):>6}  {latency(study)}")
    for label in LABELS:
        chosen = [r for r in run.log.requests if r.label == label]
        print(f"  {label:34}{len(chosen):>6}  {latency(chosen)}")
    database = stored(env)
    doubled = sum(n - 1 for n in database.accounts.values() if n > 1)
    told = {(s.email, token, review) for s in run.students for token, review in s.answers.items()}
    kept = {(e, token, review) for e, rows in database.reviews.items() for token, review in rows}
    rows = sum(len(rows) for rows in database.reviews.values())
    print(
        f"  stored      {len(database.accounts)} accounts ({doubled} twice), {rows} reviews: "
        f"{len(told - kept)} acknowledged but missing, {len(kept - told)} not acknowledged, "
        f"{rows - len(kept)} twice; {len(run.busy())} busy pages; {len(run.problems())} problems"
    )
    for problem in run.problems()[:5]:
        print(f"    {problem[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL: run there too, in a new schema")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30, help="how long they study")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--only", choices=["sync", "gthread"], help="one worker class only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)  # not the migrations' progress lines

    engines = ["sqlite"] + (["postgresql"] if args.database else [])
    kinds = [args.only] if args.only else ["sync", "gthread"]
    for engine in engines:
        for kind in kinds:
            threads = args.threads if kind == "gthread" else 1
            shape = (
                f"{args.workers} sync workers"
                if kind == "sync"
                else (f"{args.workers} gthread workers x {threads} threads")
            )
            print(f"\n{engine}, {shape}: {args.students} students, {args.seconds:g} s of study")
            with tempfile.TemporaryDirectory(prefix="qbank-load-") as folder:
                where = Path(folder)
                with fresh_database(engine, where, args.database or "") as url:
                    env = server_environment(url, where)
                    prepare_class(env, args.questions)
                    with serve(env, where, kind, args.workers, threads) as server:
                        run = run_class(server.base_url, args.students, args.seconds)
                    report(run, env)
                    if server.leaked:
                        print(f"  leaked      {'; '.join(server.leaked)}")
                    errors = server.log().count("Traceback")
                    if errors:
                        print(f"  server log  {errors} tracebacks in {server.log_path}")


if __name__ == "__main__":
    main()
