"""Practice blocks: build one, work through it, end it, read its report.

- ``builder``: which questions the student's sources and pools hold; making a block.
- ``blocks``: a block in progress: its clock, the work on each question, its end (where
  answers enter the review log and misses and guesses the daily review).
- ``reports``: the score report, the breakdown by tag, the percentile, past blocks.
- ``assignments``: fixed blocks faculty set for a cohort, members' attempts, the class
  report in aggregate.

The rules (pools, the pick, the clock, the score, the percentile, what a block answer
hands to the review) are ``domain.practice``.
"""

from qbank.services.practice.blocks import (
    Work,
    block_of,
    end,
    item_at,
    lock,
    pause,
    save,
    settle,
    show,
    timing_of,
    unanswered_and_marked,
)
from qbank.services.practice.builder import Choices, Request, build, choices, open_block
from qbank.services.practice.errors import PracticeError
from qbank.services.practice.reports import PastBlock, Report, previous, report

__all__ = [
    "Choices",
    "PastBlock",
    "PracticeError",
    "Report",
    "Request",
    "Work",
    "block_of",
    "build",
    "choices",
    "end",
    "item_at",
    "lock",
    "open_block",
    "pause",
    "previous",
    "report",
    "save",
    "settle",
    "show",
    "timing_of",
    "unanswered_and_marked",
]
