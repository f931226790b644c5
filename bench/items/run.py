"""Benchmark: a set's question statistics page on bench/study's data.

    .venv/bin/python bench/study/generate.py            # once: 2,000 students, 2,000,000 reviews
    .venv/bin/python bench/items/run.py [--database URL] [--requests 10]

Opens /sets/<id>/statistics as the set's owner through the Flask test client, for the set
with the most first answers, and prints the page's p50/p95 and the share spent reading and
analysing the answers. The analysis reads the whole set, since discrimination compares
each question with the rest. Figures, not assertions; no target is set.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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
from qbank.models import Question, QuestionSet, ReviewLog, User  # noqa: E402
from qbank.services import item_stats  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{DEFAULT_SQLITE}")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()

    url = prepare_database(args.database, args.schema, fresh=False)
    app = bench_app(url)
    with app.app_context():
        first_answers = (
            sa.select(Question.set_id, sa.func.count().label("n"))
            .join(ReviewLog, ReviewLog.question_id == Question.id)
            .where(ReviewLog.state_before.is_(None))
            .group_by(Question.set_id)
            .order_by(sa.desc("n"))
            .limit(1)
        )
        row = db.session.execute(first_answers).first()
        if row is None:
            sys.exit("No review log: run bench/study/generate.py first.")
        set_id, answers = row
        question_set = db.session.get(QuestionSet, set_id)
        owner = db.session.get(User, question_set.owner_id)
        questions = db.session.scalar(
            sa.select(sa.func.count()).select_from(Question).where(Question.set_id == set_id)
        )
        print(f"engine           {db.engine.dialect.name}")
        print(f"set              {set_id} ({questions:,} questions, {answers:,} first answers)")

        analysis = []
        for _ in range(3):
            started = time.perf_counter()
            figures = item_stats.set_statistics(question_set)
            analysis.append((time.perf_counter() - started) * 1000)
        flagged = sum(1 for f in figures if f.flags)
        print(f"analysis         p50 {statistics.median(analysis):7.1f} ms  ({flagged} flagged)")

        client = app.test_client()
        login(client, owner.email)
        timings = time_get(client, f"/sets/{set_id}/statistics", args.requests, warm_up=1)
        print(
            f"statistics page  p50 {statistics.median(timings):7.1f} ms  "
            f"p95 {percentile(timings, 0.95):7.1f} ms"
        )
        db.engine.dispose()


if __name__ == "__main__":
    main()
