"""Benchmark: a 500-member cohort's leaderboard and `flask rebuild-stats`, on bench/study's data.

    .venv/bin/python bench/study/generate.py            # once: 2,000 students, 2,000,000 reviews
    .venv/bin/python bench/gamification/run.py [--database URL] [--members 500] [--requests 60]

Prints the board's p50/p95 through the Flask test client (weekly and all time) and the
wall time of rebuilding every projection from the review log. Targets (issue 5): 20 ms
median for the board, 120 s for the rebuild. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "study"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from generate import DEFAULT_SCHEMA, DEFAULT_SQLITE, bench_app, prepare_database  # noqa: E402
from run import login  # noqa: E402
from timing import percentile, time_get  # noqa: E402

from qbank.extensions import db  # noqa: E402
from qbank.models import Cohort, Membership, ReviewLog, Role, User  # noqa: E402
from qbank.services import gamification  # noqa: E402
from qbank.services.cohorts import new_join_code  # noqa: E402

BOARD_NAME = "Benchmark cohort"


def make_cohort(members: int) -> tuple[int, str]:
    """A cohort of the first ``members`` students (made once); return its id and a member."""
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == BOARD_NAME))
    students = db.session.scalars(
        sa.select(User).where(User.role == Role.STUDENT.value).order_by(User.id).limit(members)
    ).all()
    now = datetime.now(UTC)
    if cohort is None:
        cohort = Cohort(name=BOARD_NAME, join_code=new_join_code(), timezone="UTC", created_at=now)
        db.session.add(cohort)
        db.session.flush()
        db.session.execute(
            sa.insert(Membership),
            [
                {
                    "cohort_id": cohort.id,
                    "user_id": s.id,
                    "role": "rep" if i == 0 else "member",
                    "joined_at": now,
                    "show_on_leaderboard": True,
                }
                for i, s in enumerate(students)
            ],
        )
        db.session.commit()
    return cohort.id, students[0].email


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{DEFAULT_SQLITE}")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--skip-rebuild", action="store_true")
    args = parser.parse_args()

    url = prepare_database(args.database, args.schema, fresh=False)
    app = bench_app(url)
    with app.app_context():
        reviews = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog))
        if not reviews:
            sys.exit("No review log: run bench/study/generate.py first.")
        cohort_id, member = make_cohort(args.members)
        print(f"engine           {db.engine.dialect.name}")
        print(f"review logs      {reviews:>12,}")
        print(f"cohort members   {args.members:>12,}")

        if not args.skip_rebuild:
            started = time.perf_counter()
            students = gamification.rebuild_all(datetime.now(UTC))
            db.session.commit()
            print(
                f"rebuild-stats    {time.perf_counter() - started:>10.1f} s   "
                f"({students:,} students; target <= 120 s)"
            )

        client = app.test_client()
        login(client, member)
        for window in ("week", "all_time"):
            db.session.execute(
                sa.update(Cohort).where(Cohort.id == cohort_id).values(board_window=window)
            )
            db.session.commit()
            timings = time_get(client, f"/cohorts/{cohort_id}", args.requests)
            print(
                f"board {window:9} p50 {statistics.median(timings):6.1f} ms  "
                f"p95 {percentile(timings, 0.95):6.1f} ms  (target p50 <= 20 ms)"
            )
        db.engine.dispose()


if __name__ == "__main__":
    main()
