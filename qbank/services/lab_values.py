"""The lab values sheet that practice blocks show beside a question: normal adult values
in conventional and SI units, kept as data in ``seeds/reference/lab_values.csv``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SHEET = Path(__file__).resolve().parents[2] / "seeds" / "reference" / "lab_values.csv"


@dataclass(frozen=True)
class LabValue:
    panel: str
    test: str
    conventional: str
    si: str
    note: str

    def matches(self, words: list[str]) -> bool:
        text = f"{self.panel} {self.test} {self.note}".lower()
        return all(word in text for word in words)


@cache
def sheet(path: Path = SHEET) -> tuple[LabValue, ...]:
    """Every value on the sheet, in its order (read once)."""
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(
            LabValue(
                panel=row["panel"],
                test=row["test"],
                conventional=row["conventional"],
                si=row["si"],
                note=row["note"] or "",
            )
            for row in csv.DictReader(f)
        )


def search(query: str, path: Path = SHEET) -> list[tuple[str, list[LabValue]]]:
    """The values whose panel, test or note hold every word of ``query``, by panel."""
    words = query.lower().split()
    panels: dict[str, list[LabValue]] = {}
    for value in sheet(path):
        if value.matches(words):
            panels.setdefault(value.panel, []).append(value)
    return list(panels.items())
