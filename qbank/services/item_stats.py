"""Item statistics for a set's owner: each question's first answers, analysed."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from qbank.domain import answers
from qbank.domain import item_analysis as items
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import Question, QuestionSet, QuestionVersion, ReviewLog
from qbank.services.question_bank import current_versions


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    version: QuestionVersion  # the current one: the figures are its answers'
    stats: items.ItemStats
    flags: list[items.Flag]


def _first_answers(question_set: QuestionSet) -> sa.Select[int, int, bool, list[str]]:
    """First answers to the current versions of the set's live questions.

    A first answer is a student's first review of the question, or their first answer to
    it in a practice block (not undone, not a cram or preview), given to the version that
    is current now: an edit starts afresh, and the old version's answers stay with it.
    Rows come oldest first: a question answered in blocks without ever becoming a card
    has several rows without a state before, and only the first counts (``_figures``).
    """
    return (
        sa.select(ReviewLog.user_id, ReviewLog.question_id, ReviewLog.correct, ReviewLog.chosen)
        .join(QuestionVersion, QuestionVersion.id == ReviewLog.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(
            Question.set_id == question_set.id,
            Question.retired_at.is_(None),
            QuestionVersion.number == Question.current_version,
            ReviewLog.state_before.is_(None),
            ReviewLog.counted_in(Projection.ITEM_STATS),
        )
        .order_by(ReviewLog.id)
    )


def _each_students_first(rows: sa.Result[int, int, bool, list[str]]) -> list[items.FirstAnswer]:
    """The first row of each student and question, from rows oldest first."""
    seen: set[tuple[int, int]] = set()
    first = []
    for user_id, question_id, correct, chosen in rows:
        if (user_id, question_id) not in seen:
            seen.add((user_id, question_id))
            first.append(items.FirstAnswer(user_id, question_id, correct, tuple(chosen or ())))
    return first


def _figures(
    questions: list[Question], rows: sa.Result[int, int, bool, list[str]]
) -> list[QuestionStats]:
    analysed = items.analyse(_each_students_first(rows))
    versions = current_versions(questions)
    result = []
    for question in questions:
        version = versions[question.id]
        stats = analysed.get(question.id) or items.ItemStats(question.id, 0, 0, None)
        keys = answers.correct_keys(version.options) if version.options else set()
        result.append(QuestionStats(question, version, stats, items.flags(stats, keys)))
    return result


def set_statistics(question_set: QuestionSet) -> list[QuestionStats]:
    """Every live question of the set, in order, with its current version's figures."""
    questions = db.session.scalars(
        sa.select(Question)
        .where(Question.set_id == question_set.id, Question.retired_at.is_(None))
        .order_by(Question.position, Question.id)
    ).all()
    return _figures(list(questions), db.session.execute(_first_answers(question_set)))


def question_statistics(question: Question) -> QuestionStats | None:
    """One live question's figures (None once retired).

    Discrimination compares each student's answer with the rest of their answers in the
    set, so only the answers of the students who answered this question are read.
    """
    if question.retired_at is not None:
        return None
    mine = _first_answers(question.question_set)
    students = mine.where(ReviewLog.question_id == question.id).with_only_columns(ReviewLog.user_id)
    rows = db.session.execute(mine.where(ReviewLog.user_id.in_(students)))
    return _figures([question], rows)[0]


def first_answer_shares(question_ids: list[int]) -> dict[int, items.ItemStats]:
    """First-answer figures of these questions' current versions, whatever their sets,
    for a student's score report (shown only from ``items.MIN_ANSWERS`` students on)."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        sa.select(ReviewLog.user_id, ReviewLog.question_id, ReviewLog.correct, ReviewLog.chosen)
        .join(QuestionVersion, QuestionVersion.id == ReviewLog.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(
            ReviewLog.question_id.in_(question_ids),
            QuestionVersion.number == Question.current_version,
            ReviewLog.state_before.is_(None),
            ReviewLog.counted_in(Projection.ITEM_STATS),
        )
        .order_by(ReviewLog.id)
    )
    return items.analyse(_each_students_first(rows))
