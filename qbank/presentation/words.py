"""The words pages use for counts and for the values of settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from qbank.domain.leaderboard import BoardMetric, BoardView, BoardWindow


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: '1 question', '1,204 questions'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def local_moment(moment: datetime, zone: str) -> str:
    """A moment on a clock of ``zone``: "3 Dec 2026, 21:40"."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%-d %b %Y, %H:%M")


BOARD_WINDOWS = {
    BoardWindow.WEEK: "This week",
    BoardWindow.MONTH: "This month",
    BoardWindow.ALL_TIME: "All time",
    BoardWindow.CUSTOM: "Custom dates",
}
BOARD_METRICS = {
    BoardMetric.XP: "Points",
    BoardMetric.CORRECT: "Correct answers",
    BoardMetric.STREAK: "Current streak",
    BoardMetric.ACCURACY: "Accuracy",
}
BOARD_VIEWS = {
    BoardView.FULL: "The whole table",
    BoardView.AROUND_ME: "Five above and below me",
}
