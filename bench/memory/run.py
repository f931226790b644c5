"""Benchmark: simulated students with memories of their own study with qbank; print a table.

    .venv/bin/python bench/memory/run.py [--days 120] [--scenario NAME ...] [--students 1]
        [--jobs 1] [--list]

Each scenario is one student studying every day for ``--days`` days through qbank's
study services (see harness.py); ``--students N`` runs it with N seeds and averages the
figures. ``--jobs 2`` runs two at once, in processes of their own (each run is one core's
work: a shared machine's other users then get the rest). README.md says what each column
means and holds the baseline.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.memory.harness import SCENARIOS, Figures, run, scenario_named

COLUMNS = (
    ("true", "true recall on reviews, all days"),
    ("0-29", "true recall on reviews, days 0-29"),
    ("30+", "true recall on reviews, days 30 on"),
    ("p 30+", "the model's chance of recall on those reviews, averaged"),
    ("qbank", "recorded correct on the same reviews"),
    ("ans/q", "answers per question learnt"),
    ("rev/d", "reviews per day studied"),
    ("backlog", "peak of due cards left at a day's end"),
    ("back", "true recall on the day back from the break"),
    ("+1-7", "true recall on days 1-7 after it"),
    ("<24h", "reviews < 24 h after the last, scheduled for a later day"),
    ("fits", "fits kept when the student pressed Optimize as suggested"),
    ("s", "seconds taken"),
)


def cells(figures: Figures) -> list[str]:
    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    def number(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    return [
        share(figures.true_recall),
        share(figures.true_recall_early),
        share(figures.true_recall_late),
        share(figures.expected_recall_late),
        share(figures.recorded_recall),
        number(figures.answers_per_learnt, 2),
        number(figures.reviews_per_day),
        str(figures.backlog_peak),
        share(figures.return_day),
        share(figures.after_return),
        share(figures.early_share),
        number(figures.fits_kept, 0),
        number(figures.seconds, 0),
    ]


def table(rows: list[tuple[str, Figures]]) -> str:
    """A Markdown table: one row a scenario."""
    header = ["scenario", *(name for name, _ in COLUMNS)]
    lines = [header, ["---"] + ["---:"] * len(COLUMNS)]
    lines += [[name, *cells(figures)] for name, figures in rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="run only this scenario (repeatable; a unique part of its name is enough)",
    )
    parser.add_argument("--students", type=int, default=1, help="seeds to average over")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once, one process each")
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(s.name for s in SCENARIOS))
        return 0
    chosen = list(SCENARIOS)
    if args.scenario:
        try:
            chosen = [scenario_named(name) for name in args.scenario]
        except KeyError as missing:
            parser.error(f"no scenario matches {missing}; --list shows them")
    runs = [(scenario, seed) for scenario in chosen for seed in range(1, args.students + 1)]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run, scenario, args.days, seed) for scenario, seed in runs]
        results: dict[str, list[Figures]] = {s.name: [] for s in chosen}
        for (scenario, seed), future in zip(runs, futures, strict=True):
            figures = future.result()
            results[scenario.name].append(figures)
            print(
                f"{scenario.name}, seed {seed}: done in {figures.seconds:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    rows = [(name, Figures.mean(each)) for name, each in results.items()]
    print(table(rows))
    print()
    print("\n".join(f"- {name}: {meaning}" for name, meaning in COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
