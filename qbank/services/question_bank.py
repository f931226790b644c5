"""Question sets and questions: who may see and change them, and the write side.

Questions keep their history: content lives in immutable versions once students have
answered it, so an edit never rewrites what a review pointed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from qbank.extensions import db
from qbank.importers.drafts import OPTION_KEYS, OptionDraft, QuestionDraft
from qbank.models import (
    Cohort,
    MediaFile,
    Question,
    QuestionKind,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Role,
    Tag,
    User,
    Visibility,
    cohort_sets,
    question_tags,
    set_shares,
)
from qbank.services import access, audit
from qbank.services.enrollment import enroll_cohort_members
from qbank.services.media import media_url


class BankError(ValueError):
    """A change to a set or question that cannot be made; the message is for the user."""


# --- reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class SetSummary:
    question_set: QuestionSet
    questions: int


def sets_owned_by(user: User) -> list[SetSummary]:
    """List the sets ``user`` may manage (admins: every set) with live question counts."""
    count = access.live_question_count()
    statement = sa.select(QuestionSet, count).order_by(QuestionSet.title, QuestionSet.id)
    if not user.has_role(Role.ADMIN):
        statement = statement.where(QuestionSet.owner_id == user.id)
    return [SetSummary(s, n) for s, n in db.session.execute(statement)]


def questions_in_set(
    question_set: QuestionSet, text: str = "", tag: str = "", retired: bool = False
) -> sa.Select[Question]:
    """Select a set's questions (tags loaded), filtered by their current text and by tag."""
    statement = (
        sa.select(Question)
        .options(selectinload(Question.tags))
        .join(
            QuestionVersion,
            sa.and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.number == Question.current_version,
            ),
        )
        .where(Question.set_id == question_set.id)
        .order_by(Question.position, Question.id)
    )
    statement = statement.where(
        Question.retired_at.is_not(None) if retired else Question.retired_at.is_(None)
    )
    if text:
        needle = text.lower()
        statement = statement.where(
            sa.or_(
                sa.func.lower(QuestionVersion.stem).contains(needle, autoescape=True),
                sa.func.lower(Question.external_id).contains(needle, autoescape=True),
            )
        )
    if tag:
        # A tag matches itself and everything below it: "Cardiology" finds "Cardiology::ECG".
        statement = statement.where(
            Question.tags.any(
                sa.or_(Tag.name == tag, Tag.name.startswith(tag + "::", autoescape=True))
            )
        )
    return statement


def current_versions(questions: list[Question]) -> dict[int, QuestionVersion]:
    """The current version of each question, in one query."""
    if not questions:
        return {}
    wanted = {(q.id, q.current_version) for q in questions}
    rows = db.session.scalars(
        sa.select(QuestionVersion).where(QuestionVersion.question_id.in_([q.id for q in questions]))
    )
    return {v.question_id: v for v in rows if (v.question_id, v.number) in wanted}


def tags_in_set(question_set: QuestionSet) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Tag.name)
            .join(question_tags, question_tags.c.tag_id == Tag.id)
            .join(Question, Question.id == question_tags.c.question_id)
            .where(Question.set_id == question_set.id, Question.retired_at.is_(None))
            .distinct()
            .order_by(Tag.name)
        )
    )


def current_version(question: Question) -> QuestionVersion:
    return db.session.scalars(
        sa.select(QuestionVersion).where(
            QuestionVersion.question_id == question.id,
            QuestionVersion.number == question.current_version,
        )
    ).one()


def has_reviews(version: QuestionVersion) -> bool:
    return (
        db.session.scalar(
            sa.select(ReviewLog.id).where(ReviewLog.question_version_id == version.id).limit(1)
        )
        is not None
    )


def draft_of(question: Question, version: QuestionVersion) -> QuestionDraft:
    """The editable form of a question's current content."""
    return QuestionDraft(
        kind=QuestionKind(version.kind),
        stem=version.stem,
        options=[
            OptionDraft(
                text=o["text"],
                correct=o["correct"],
                rationale=o.get("rationale", ""),
                fixed=o.get("fixed", False),
            )
            for o in version.options
        ],
        explanation=version.explanation,
        reference=version.reference,
        tags=[t.name for t in question.tags],
        external_id=question.external_id,
    )


# --- writes ------------------------------------------------------------------------


def create_set(owner: User, title: str, description: str, now: datetime) -> QuestionSet:
    question_set = QuestionSet(
        owner_id=owner.id,
        title=title.strip()[:200] or "Untitled set",
        description=description,
        created_at=now,
        updated_at=now,
    )
    db.session.add(question_set)
    db.session.flush()
    return question_set


def update_set(
    question_set: QuestionSet,
    title: str,
    description: str,
    visibility: Visibility,
    cohort_ids: list[int],
    editor: User,
    now: datetime,
) -> None:
    """Change a set's title, description, visibility and the cohorts it is shared with.

    Only the cohorts the editor works with (``access.invited_cohorts``) or that already
    share the set are theirs to change; a set shared with a cohort is also assigned to it,
    enrolling its members. Reps' assignments of the set are left as they are, except in a
    cohort the set stops being shared with.
    """
    question_set.title = title.strip()[:200] or question_set.title
    question_set.description = description
    if question_set.visibility != visibility.value:
        audit.record(
            editor,
            audit.Action.SET_VISIBILITY_CHANGED,
            question_set,
            now,
            before=question_set.visibility,
            after=visibility.value,
        )
    question_set.visibility = visibility.value
    question_set.updated_at = now
    if visibility == Visibility.COHORTS:
        share_with_cohorts(question_set, set(cohort_ids), editor, now)
    db.session.flush()


def sharing_choices(question_set: QuestionSet, editor: User) -> list[Cohort]:
    """The cohorts the editor may share this set with: theirs, and those it is shared with."""
    shared = sa.select(set_shares.c.cohort_id).where(set_shares.c.set_id == question_set.id)
    invited = access.invited_cohorts(editor).with_only_columns(Cohort.id)
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .where(sa.or_(Cohort.id.in_(invited), Cohort.id.in_(shared)))
            .order_by(Cohort.name, Cohort.id)
        )
    )


def shared_cohort_ids(question_set: QuestionSet) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(set_shares.c.cohort_id).where(set_shares.c.set_id == question_set.id)
        )
    )


def share_with_cohorts(
    question_set: QuestionSet, cohort_ids: set[int], editor: User, now: datetime
) -> None:
    """Share the set with exactly these of the editor's cohorts, and assign it to them."""
    choices = {c.id for c in sharing_choices(question_set, editor)}
    if not cohort_ids <= choices:
        raise BankError("You can share a set only with cohorts that invited you.")
    current = set(shared_cohort_ids(question_set))
    added, removed = sorted(cohort_ids - current), sorted(current - cohort_ids)
    for cohort_id in added:
        audit.record(editor, audit.Action.SET_SHARED, question_set, now, cohort=cohort_id)
    for cohort_id in removed:
        audit.record(editor, audit.Action.SET_UNSHARED, question_set, now, cohort=cohort_id)
    if removed:
        db.session.execute(
            sa.delete(set_shares).where(
                set_shares.c.set_id == question_set.id, set_shares.c.cohort_id.in_(removed)
            )
        )
        db.session.execute(
            sa.delete(cohort_sets).where(
                cohort_sets.c.set_id == question_set.id, cohort_sets.c.cohort_id.in_(removed)
            )
        )
    if added:
        db.session.execute(
            sa.insert(set_shares),
            [
                {
                    "set_id": question_set.id,
                    "cohort_id": c,
                    "granted_by_id": editor.id,
                    "granted_at": now,
                }
                for c in added
            ],
        )
        assigned = set(
            db.session.scalars(
                sa.select(cohort_sets.c.cohort_id).where(
                    cohort_sets.c.set_id == question_set.id, cohort_sets.c.cohort_id.in_(added)
                )
            )
        )
        if set(added) - assigned:
            db.session.execute(
                sa.insert(cohort_sets),
                [
                    {
                        "cohort_id": c,
                        "set_id": question_set.id,
                        "assigned_by_id": editor.id,
                        "assigned_at": now,
                    }
                    for c in added
                    if c not in assigned
                ],
            )
        enroll_cohort_members(added, question_set.id, now)
    db.session.flush()


def publish_set(question_set: QuestionSet, published: bool, now: datetime) -> None:
    if published and not db.session.scalar(
        sa.select(Question.id)
        .where(Question.set_id == question_set.id, Question.retired_at.is_(None))
        .limit(1)
    ):
        raise BankError("This set has no questions yet. Add or import some, then publish it.")
    question_set.published = published
    question_set.updated_at = now
    db.session.flush()


def retire_set(question_set: QuestionSet, retired: bool, now: datetime) -> None:
    """Hide a set from students (history kept), or bring it back."""
    question_set.retired_at = now if retired else None
    question_set.updated_at = now
    db.session.flush()


def tags_named(names: set[str]) -> dict[str, Tag]:
    """Return the tags with these names, creating the missing ones."""
    if not names:
        return {}
    found = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))}
    for name in names - found.keys():
        found[name] = Tag(name=name)
        db.session.add(found[name])
    return found


def version_fields(draft: QuestionDraft) -> dict[str, Any]:
    """The content of a version, as stored, from a draft."""
    return {
        "kind": draft.kind.value,
        "stem": draft.stem,
        "options": [
            {
                "key": OPTION_KEYS[i],
                "text": o.text,
                "rationale": o.rationale,
                "correct": o.correct,
                "fixed": o.fixed,
            }
            for i, o in enumerate(draft.options)
        ],
        "explanation": draft.explanation,
        "reference": draft.reference,
    }


def _same_content(version: QuestionVersion, fields: dict[str, Any]) -> bool:
    return all(getattr(version, key) == value for key, value in fields.items())


def save_question(
    question_set: QuestionSet,
    draft: QuestionDraft,
    editor: User,
    now: datetime,
    question: Question | None = None,
    media: list[MediaFile] | None = None,
    tags: dict[str, Tag] | None = None,
) -> tuple[Question, str]:
    """Create a question, or change one; say which: "created", "updated", "versioned", "unchanged".

    A change to a version that students have answered makes a new version, so their
    history and the old version's statistics stay as they were.
    """
    tags = tags if tags is not None else tags_named(set(draft.tags))
    if question is None:
        position = next_position(question_set)
        question = add_question(question_set, draft, editor, now, position, tags, media or [])
        db.session.flush()
        return question, "created"
    outcome = revise_question(question, draft, editor, now, tags, media)
    question_set.updated_at = now
    db.session.flush()
    return question, outcome


def next_position(question_set: QuestionSet) -> int:
    last = db.session.scalar(
        sa.select(sa.func.max(Question.position)).where(Question.set_id == question_set.id)
    )
    return 0 if last is None else last + 1


def add_question(
    question_set: QuestionSet,
    draft: QuestionDraft,
    editor: User,
    now: datetime,
    position: int,
    tags: dict[str, Tag],
    media: list[MediaFile],
) -> Question:
    """Add a new question at ``position``; no query, no flush, so imports can add thousands."""
    question = Question(
        set_id=question_set.id,
        external_id=draft.external_id,
        position=position,
        current_version=1,
        created_at=now,
        tags=[tags[t] for t in dict.fromkeys(draft.tags)],
    )
    question.versions.append(
        QuestionVersion(
            number=1, created_at=now, created_by_id=editor.id, media=media, **version_fields(draft)
        )
    )
    db.session.add(question)
    return question


def revise_question(
    question: Question,
    draft: QuestionDraft,
    editor: User,
    now: datetime,
    tags: dict[str, Tag],
    media: list[MediaFile] | None = None,
) -> str:
    """Change a question's content in place, or as a new version if it has been answered."""
    fields = version_fields(draft)
    tag_list = [tags[t] for t in dict.fromkeys(draft.tags)]
    question.tags = tag_list
    question.external_id = draft.external_id
    question.retired_at = None
    version = current_version(question)
    same_media = media is None or {m.id for m in media} == {m.id for m in version.media}
    if _same_content(version, fields) and same_media:
        return "unchanged"
    if has_reviews(version):
        question.current_version = version.number + 1
        db.session.add(
            QuestionVersion(
                question=question,
                number=question.current_version,
                created_at=now,
                created_by_id=editor.id,
                media=media if media is not None else list(version.media),
                **fields,
            )
        )
        outcome = "versioned"
    else:
        for key, value in fields.items():
            setattr(version, key, value)
        if media is not None:
            version.media = media
        outcome = "updated"
    return outcome


def retire_question(question: Question, retired: bool, now: datetime) -> None:
    """Take a question out of study (its history stays), or put it back."""
    question.retired_at = now if retired else None
    db.session.flush()


def media_used_by(draft: QuestionDraft, editor: User) -> list[MediaFile]:
    """The stored images a draft's text points at (by their SHA-256 in /media/ URLs).

    Only images the editor may link (``access.can_link_media``); ``media_problems`` names
    the others, for the form.
    """
    return [m for m in _media_referenced(draft) if access.can_link_media(editor, m)]


def media_problems(draft: QuestionDraft, editor: User) -> list[str]:
    """Say which images in a draft the editor may not use, one message each."""
    linked = {m.sha256 for m in media_used_by(draft, editor)}
    return [
        f"The image /media/{sha256[:12]}… is not one of yours. Upload it with “Add an image”."
        for sha256 in sorted(_refs_in(draft) - linked)
    ]


def _refs_in(draft: QuestionDraft) -> set[str]:
    texts = [draft.stem, draft.explanation]
    for option in draft.options:
        texts += [option.text, option.rationale]
    return set().union(*(media_refs(t) for t in texts))


def _media_referenced(draft: QuestionDraft) -> list[MediaFile]:
    refs = _refs_in(draft)
    if not refs:
        return []
    return list(db.session.scalars(sa.select(MediaFile).where(MediaFile.sha256.in_(refs))))


def media_refs(text: str) -> set[str]:
    """The SHA-256 names of our media that ``text`` points at."""
    prefix = media_url("")
    found = set()
    start = text.find(prefix)
    while start != -1:
        candidate = text[start + len(prefix) : start + len(prefix) + 64]
        if len(candidate) == 64 and all(c in "0123456789abcdef" for c in candidate):
            found.add(candidate)
        start = text.find(prefix, start + 1)
    return found
