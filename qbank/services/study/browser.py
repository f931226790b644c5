"""A student's own card browser: every question they study, filtered, a page at a time.

The home for what the daily review hides: suspended, buried and flagged cards, the ones
missed last time, and what falls due when. Five queries a page, however many cards:
the page's rows, the count, the page's tags, and the sets and tags for the filters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from qbank.domain import scheduling
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import (
    CardState,
    Question,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Tag,
    User,
    question_tags,
)
from qbank.services import access
from qbank.services.study.cards import calendar_of

PAGE_SIZE = 50
WEEK = timedelta(days=7)


class Status(enum.StrEnum):
    ALL = "all"
    NEW = "new"  # never answered
    DUE = "due"  # due today or overdue: reviews by study day, learning steps by the minute
    DUE_WEEK = "due_week"  # due within the next 7 study days, today's included
    MISSED = "missed"  # the last answer was wrong
    FLAGGED = "flagged"
    SUSPENDED = "suspended"
    BURIED = "buried"  # buried until a later study day


@dataclass(frozen=True)
class CardFilter:
    set_id: int | None = None
    tag: str = ""  # a tag and everything below it in the tree
    status: Status = Status.ALL
    page: int = 1


@dataclass(frozen=True)
class CardRow:
    question_id: int
    set_title: str
    stem: str  # Markdown: the template shortens it
    tags: tuple[str, ...]
    state: int | None  # None: new
    due: datetime | None
    due_day: date | None
    last_correct: bool | None
    flagged: bool
    suspended: bool
    buried: bool

    @property
    def is_new(self) -> bool:
        return self.state is None

    @property
    def is_review(self) -> bool:
        return self.state == scheduling.REVIEW


@dataclass(frozen=True)
class CardPage:
    rows: list[CardRow]
    total: int
    page: int
    pages: int
    sets: list[tuple[int, str]]  # the sets the student studies, for the filter
    tags: list[str]  # their questions' tags and every level above them, for the filter


def _last_correct(user: User) -> sa.ScalarSelect[bool]:
    """Whether the student's last counted answer to the row's question was right."""
    return (
        sa.select(ReviewLog.correct)
        .where(
            ReviewLog.user_id == user.id,
            ReviewLog.question_id == Question.id,
            ReviewLog.counted_in(Projection.STATS),
        )
        .order_by(ReviewLog.id.desc())
        .limit(1)
        .correlate(Question)
        .scalar_subquery()
    )


def browse(user: User, now: datetime, wanted: CardFilter) -> CardPage:
    """The page of the student's cards that ``wanted`` asks for, in set and question order."""
    today = calendar_of(user).day_of(now)
    card = sa.and_(CardState.question_id == Question.id, CardState.user_id == user.id)
    last_correct = _last_correct(user).label("last_correct")
    query = (
        sa.select(Question.id)
        .join(QuestionSet, QuestionSet.id == Question.set_id)
        .outerjoin(CardState, card)
        .where(access.studied_questions(user))
    )
    if wanted.set_id is not None:
        query = query.where(Question.set_id == wanted.set_id)
    if wanted.tag:
        tagged = (
            sa.select(question_tags.c.question_id)
            .join(Tag, Tag.id == question_tags.c.tag_id)
            .where(
                question_tags.c.question_id == Question.id,
                sa.or_(
                    Tag.name == wanted.tag, Tag.name.startswith(wanted.tag + "::", autoescape=True)
                ),
            )
        )
        query = query.where(tagged.exists())
    query = query.where(_status_clause(user, wanted.status, now, today))

    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.subquery())
    ).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)
    rows = db.session.execute(
        query.add_columns(
            QuestionSet.title,
            QuestionVersion.stem,
            CardState.state,
            CardState.due,
            CardState.due_day,
            CardState.flagged,
            CardState.suspended,
            CardState.buried_until,
            last_correct,
        )
        .join(
            QuestionVersion,
            sa.and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.number == Question.current_version,
            ),
        )
        .order_by(QuestionSet.title, QuestionSet.id, Question.position, Question.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    tags = _tags_of([row[0] for row in rows])
    return CardPage(
        rows=[_row(tuple(row), tags, now) for row in rows],
        total=total,
        page=page,
        pages=pages,
        sets=_studied_sets(user),
        tags=_studied_tags(user),
    )


def _row(row: tuple[Any, ...], tags: dict[int, list[str]], now: datetime) -> CardRow:
    qid, title, stem, state, due, due_day, flagged, suspended, buried_until, correct = row
    return CardRow(
        question_id=qid,
        set_title=title,
        stem=stem,
        tags=tuple(tags.get(qid, ())),
        state=state,
        due=due,
        due_day=due_day,
        last_correct=correct,
        flagged=bool(flagged),
        suspended=bool(suspended),
        buried=buried_until is not None and buried_until > now,
    )


def _status_clause(
    user: User, status: Status, now: datetime, today: date
) -> sa.ColumnElement[bool]:
    learning = CardState.state.in_((scheduling.LEARNING, scheduling.RELEARNING))
    review = CardState.state == scheduling.REVIEW
    match status:
        case Status.ALL:
            return sa.true()
        case Status.NEW:
            return CardState.id.is_(None)
        case Status.DUE:
            return sa.or_(
                sa.and_(review, CardState.due_day <= today), sa.and_(learning, CardState.due <= now)
            )
        case Status.DUE_WEEK:
            horizon = today + WEEK - timedelta(days=1)
            return sa.or_(
                sa.and_(review, CardState.due_day <= horizon),
                sa.and_(learning, CardState.due <= now + WEEK),
            )
        case Status.MISSED:
            return _last_correct(user).is_(False)
        case Status.FLAGGED:
            return CardState.flagged.is_(True)
        case Status.SUSPENDED:
            return CardState.suspended.is_(True)
        case Status.BURIED:
            return CardState.buried_until > now


def _tags_of(question_ids: list[int]) -> dict[int, list[str]]:
    if not question_ids:
        return {}
    rows = db.session.execute(
        sa.select(question_tags.c.question_id, Tag.name)
        .join(Tag, Tag.id == question_tags.c.tag_id)
        .where(question_tags.c.question_id.in_(question_ids))
        .order_by(Tag.name)
    )
    found: dict[int, list[str]] = {}
    for question_id, name in rows:
        found.setdefault(question_id, []).append(name)
    return found


def _studied_sets(user: User) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(QuestionSet.id, QuestionSet.title)
        .where(QuestionSet.id.in_(access.studied_set_ids(user)))
        .order_by(QuestionSet.title, QuestionSet.id)
    )
    return [(set_id, title) for set_id, title in rows]


def _studied_tags(user: User) -> list[str]:
    names = db.session.scalars(
        sa.select(Tag.name)
        .join(question_tags, question_tags.c.tag_id == Tag.id)
        .join(Question, Question.id == question_tags.c.question_id)
        .where(access.studied_questions(user))
        .distinct()
    )
    levels = {
        "::".join(parts[:level])
        for parts in (name.split("::") for name in names)
        for level in range(1, len(parts) + 1)
    }
    return sorted(levels, key=str.casefold)
