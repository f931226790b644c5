"""Students' reports on faulty questions, and their authors dealing with them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Question, QuestionReport, QuestionSet, User
from qbank.services import access
from qbank.services.question_bank import current_version

REPORT_REASONS = {
    "wrong_key": "The marked answer is wrong",
    "ambiguous": "More than one answer could be right",
    "typo": "Typo or unclear wording",
    "outdated": "Out of date with current guidelines",
    "broken": "Missing image or broken formatting",
    "other": "Something else",
}


class ReportRefused(ValueError):
    """A report that cannot be filed; the message is for the student."""


def report_question(
    user: User, question_id: int, reason: str, comment: str, now: datetime
) -> QuestionReport:
    """File a student's report on a faulty question for the set's owner."""
    if reason not in REPORT_REASONS:
        raise ReportRefused("Choose a reason from the list.")
    question = db.session.get(Question, question_id)
    if question is None or not access.can_study(user, question_id):
        raise ReportRefused("That card is not in your sets.")
    report = QuestionReport(
        question_id=question_id,
        question_version_id=current_version(question).id,
        user_id=user.id,
        reason=reason,
        comment=comment.strip()[:2000],
        created_at=now,
    )
    db.session.add(report)
    db.session.flush()
    return report


def open_reports(question_set: QuestionSet) -> list[QuestionReport]:
    """The set's reports not yet dealt with, newest first."""
    return list(
        db.session.scalars(
            sa.select(QuestionReport)
            .join(Question, Question.id == QuestionReport.question_id)
            .where(Question.set_id == question_set.id, QuestionReport.resolved_at.is_(None))
            .order_by(QuestionReport.created_at.desc())
        )
    )


def report_in_set(question_set: QuestionSet, report_id: int) -> QuestionReport | None:
    """A report on one of the set's questions, or None."""
    return db.session.scalar(
        sa.select(QuestionReport)
        .join(Question, Question.id == QuestionReport.question_id)
        .where(QuestionReport.id == report_id, Question.set_id == question_set.id)
    )


def resolve_report(report: QuestionReport, by: User, now: datetime) -> None:
    report.resolved_at = now
    report.resolved_by_id = by.id
    db.session.flush()
