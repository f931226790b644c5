"""The wording the report's messages share: advice, and names, sizes and counts."""

from __future__ import annotations

import re

EXPORT_AGAIN = "Export the deck from Anki again."
NOT_ANKI = f"the collection inside the package is not an Anki database. {EXPORT_AGAIN}"
NEWER_ANKI = (
    "this package is in the format of newer Anki versions, which qbank cannot read. "
    'Export it again with "Support older Anki versions" ticked.'
)
NAME_IN_LOCATION = 60
_SPACES = re.compile(r"\s+")


def shorten(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= NAME_IN_LOCATION else text[: NAME_IN_LOCATION - 1] + "…"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
