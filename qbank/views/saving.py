"""A change a user asked for: one write transaction, and a refusal shown as a message.

Services refuse a change by raising their own error (``CohortError``, ``ExamError``, ...)
whose text is written for the user. ``saving`` runs the block as one transaction; when
one of the named refusals ends it, nothing is saved, the message is flashed, and the
view goes on to its redirect::

    with saving(cohorts.CohortError) as saved:
        cohorts.leave(current_user, cohort)
    if saved:
        flash(f"You left {name}.", "success")

Any other exception (a bug, a busy database) passes through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from qbank.database import write_transaction


@dataclass
class Saved:
    """Whether the block's changes were committed; true until a refusal ends it."""

    ok: bool = True

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def saving(*refusals: type[Exception], category: str = "error") -> Iterator[Saved]:
    """Commit the block, or flash the refusal that stopped it and save nothing."""
    saved = Saved()
    try:
        with write_transaction():
            yield saved
    except refusals as exc:
        saved.ok = False
        flash(str(exc), category)
