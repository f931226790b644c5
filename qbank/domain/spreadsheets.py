"""Cells of files that faculty and reps open in a spreadsheet: CSV exports and templates."""

from __future__ import annotations

# A cell starting with one of these runs as a formula when the file is opened in Excel,
# LibreOffice or Google Sheets (CSV injection). Tab and carriage return count too: some
# spreadsheets drop them and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(text: str) -> str:
    """Put an apostrophe before a cell that would run as a formula (shown, not run)."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def unguard_cell(text: str) -> str:
    """Take off the apostrophe ``guard_cell`` added, so a file round-trips unchanged."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text
