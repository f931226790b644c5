"""Item statistics for a set's owner: each question's first answers, analysed."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from qbank.domain import answers
from qbank.domain import item_analysis as items
from qbank.extensions import db
from qbank.models import Question, QuestionSet, QuestionVersion, ReviewLog, ReviewMode
from qbank.services.question_bank import current_versions


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    version: QuestionVersion  # the current one: the figures are its answers'
    stats: items.ItemStats
    flags: list[items.Flag]


def set_statistics(question_set: QuestionSet) -> list[QuestionStats]:
    """Every live question of the set, in order, with its current version's figures.

    A first answer is a student's first review of the question (not undone, not a cram
    or preview), given to the version that is current now: an edit starts afresh, and
    the old version's answers stay with it.
    """
    questions = db.session.scalars(
        sa.select(Question)
        .where(Question.set_id == question_set.id, Question.retired_at.is_(None))
        .order_by(Question.position, Question.id)
    ).all()
    versions = current_versions(list(questions))
    rows = db.session.execute(
        sa.select(ReviewLog.user_id, ReviewLog.question_id, ReviewLog.correct, ReviewLog.chosen)
        .join(QuestionVersion, QuestionVersion.id == ReviewLog.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(
            Question.set_id == question_set.id,
            Question.retired_at.is_(None),
            QuestionVersion.number == Question.current_version,
            ReviewLog.state_before.is_(None),
            ReviewLog.undone_at.is_(None),
            ReviewLog.mode == ReviewMode.REVIEW.value,
        )
    )
    analysed = items.analyse(
        items.FirstAnswer(user_id, question_id, correct, tuple(chosen or ()))
        for user_id, question_id, correct, chosen in rows
    )
    result = []
    for question in questions:
        version = versions[question.id]
        stats = analysed.get(question.id) or items.ItemStats(question.id, 0, 0, None)
        keys = answers.correct_keys(version.options) if version.options else set()
        result.append(QuestionStats(question, version, stats, items.flags(stats, keys)))
    return result
