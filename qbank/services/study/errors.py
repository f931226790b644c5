"""What a student is told when an answer or card action cannot be taken."""

from __future__ import annotations


class StudyError(ValueError):
    """An answer or action that cannot be taken; the message is for the student."""


class StaleCard(StudyError):
    """The card changed since the page was shown (answered in another tab, or undone)."""
