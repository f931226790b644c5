"""Benchmark: import a 10,000-question CSV (built from MedQA) through the service, on SQLite.

    .venv/bin/python bench/import/run.py [--questions 10000] [--database sqlite:///...]

Prints wall time for parsing and for saving, and the peak resident memory of the
process. Target (issue 3): 10 s or less, 300 MB or less.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qbank import create_app  # noqa: E402
from qbank.extensions import db  # noqa: E402
from qbank.importers import qbank_csv  # noqa: E402
from qbank.importers.drafts import OptionDraft, QuestionDraft  # noqa: E402
from qbank.models import QuestionKind, Role  # noqa: E402
from qbank.services.accounts import register_user  # noqa: E402
from qbank.services.imports import import_questions  # noqa: E402

MEDQA = ROOT.parent / "shared" / "data" / "medqa_us" / "test_4options.jsonl"


def build_csv(count: int) -> bytes:
    """Turn MedQA vignettes into qbank CSV rows, repeating them with numbered stems."""
    source = [json.loads(line) for line in MEDQA.read_text().splitlines() if line.strip()]
    drafts = []
    for n in range(count):
        item = source[n % len(source)]
        letters = sorted(item["options"])
        drafts.append(
            QuestionDraft(
                kind=QuestionKind.SINGLE,
                stem=f"({n + 1}) {item['question']}",
                options=[OptionDraft(item["options"][k], k == item["answer_idx"]) for k in letters],
                explanation=f"The answer is {item['answer']}.",
                tags=[f"MedQA::{item.get('meta_info', 'step1')}"],
                external_id=f"medqa-{n + 1}",
            )
        )
    return qbank_csv.write(drafts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    if not MEDQA.exists():
        sys.exit(f"MedQA file not found at {MEDQA}: the benchmark needs ../shared/data.")

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "QBANK_MEDIA_DIR": f"{folder}/media"},
            environ={},
        )
        with app.app_context():
            db.create_all()
            owner = register_user(
                "bench@example.edu",
                "bench password 1",
                "Bench",
                datetime.now(UTC),
                role=Role.FACULTY,
            )
            db.session.commit()
            data = build_csv(args.questions)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            started = time.perf_counter()
            parsed = qbank_csv.parse(data, "medqa.csv")
            parsed_at = time.perf_counter()
            assert parsed.ok, parsed.errors[:3]
            import_questions(
                parsed, owner, datetime.now(UTC), app.extensions["qbank_media"], title="MedQA"
            )
            db.session.commit()
            finished = time.perf_counter()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"questions        {len(parsed.drafts):>10,}")
    print(f"csv size         {len(data) / 1048576:>10.1f} MB")
    print(f"parse            {parsed_at - started:>10.2f} s")
    print(f"save + commit    {finished - parsed_at:>10.2f} s")
    print(f"total            {finished - started:>10.2f} s   (target <= 10 s)")
    print(
        f"peak RSS         {peak:>10.0f} MB  (target <= 300 MB; {rss_before:.0f} MB before import)"
    )


if __name__ == "__main__":
    main()
