"""Question sets: importing drafts into a set, and the reads faculty pages share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from qbank.extensions import db
from qbank.importers.drafts import OPTION_KEYS, ParseResult, QuestionDraft
from qbank.models import Question, QuestionSet, QuestionVersion, Role, Tag, User, Visibility


class ImportRefused(ValueError):
    """The parse has errors; nothing was saved."""


@dataclass(frozen=True)
class SetSummary:
    question_set: QuestionSet
    questions: int


def sets_owned_by(user: User) -> list[SetSummary]:
    """List the sets ``user`` may manage (admins: every set) with live question counts."""
    count = (
        sa.select(sa.func.count(Question.id))
        .where(Question.set_id == QuestionSet.id, Question.retired_at.is_(None))
        .scalar_subquery()
    )
    statement = sa.select(QuestionSet, count).order_by(QuestionSet.title, QuestionSet.id)
    if not user.has_role(Role.ADMIN):
        statement = statement.where(QuestionSet.owner_id == user.id)
    return [SetSummary(s, n) for s, n in db.session.execute(statement)]


def tags_named(names: set[str]) -> dict[str, Tag]:
    """Return the tags with these names, creating the missing ones."""
    if not names:
        return {}
    found = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))}
    for name in names - found.keys():
        found[name] = Tag(name=name)
        db.session.add(found[name])
    return found


def _version(draft: QuestionDraft, number: int, author: User, now: datetime) -> QuestionVersion:
    return QuestionVersion(
        number=number,
        kind=draft.kind.value,
        stem=draft.stem,
        options=[
            {
                "key": OPTION_KEYS[i],
                "text": o.text,
                "rationale": o.rationale,
                "correct": o.correct,
                "fixed": o.fixed,
            }
            for i, o in enumerate(draft.options)
        ],
        explanation=draft.explanation,
        reference=draft.reference,
        created_at=now,
        created_by_id=author.id,
    )


def import_questions(
    parsed: ParseResult,
    owner: User,
    now: datetime,
    title: str | None = None,
    visibility: Visibility = Visibility.PRIVATE,
    published: bool = False,
) -> QuestionSet:
    """Create a set holding every draft of ``parsed``; refuse if the parse has errors."""
    if not parsed.ok:
        raise ImportRefused(f"{len(parsed.errors)} problem(s) in the file; nothing was saved.")
    question_set = QuestionSet(
        owner_id=owner.id,
        title=(title or parsed.title or "Untitled set").strip()[:200],
        description=parsed.description,
        visibility=visibility.value,
        published=published,
        created_at=now,
        updated_at=now,
    )
    db.session.add(question_set)
    tags = tags_named({t for d in parsed.drafts for t in d.tags})
    for position, draft in enumerate(parsed.drafts):
        question = Question(
            question_set=question_set,
            external_id=draft.external_id,
            position=position,
            current_version=1,
            created_at=now,
            tags=[tags[t] for t in dict.fromkeys(draft.tags)],
        )
        question.versions.append(_version(draft, 1, owner, now))
        db.session.add(question)
    db.session.flush()
    return question_set
