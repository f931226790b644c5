"""Building a practice block: which questions the student's sources and pools hold, and
the block made from them.

A question may go into a block when the student studies it now (``access``) and it is
a choice question: flashcards never enter a block. Its pool facts (answered before,
right last time, marked in a block, flagged) come from one query; the pools, the counts
and the pick are ``domain.practice``'s.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from qbank.domain import practice as rules
from qbank.domain.modes import Projection
from qbank.extensions import db
from qbank.models import (
    BlockItem,
    CardState,
    PracticeBlock,
    Question,
    QuestionKind,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Tag,
    User,
    question_tags,
)
from qbank.services import access
from qbank.services.practice.errors import PracticeError

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE)


@dataclass(frozen=True)
class Request:
    """What the student asks the builder for."""

    set_ids: tuple[int, ...] = ()  # none: all their sets
    tags: tuple[str, ...] = ()  # none: every tag; a tag includes the tags below it
    pools: tuple[rules.Pool, ...] = (rules.Pool.UNUSED,)
    size: int = 40
    mode: rules.Mode = rules.Mode.TUTOR
    seconds_per_question: int | None = rules.DEFAULT_SECONDS_PER_QUESTION  # None: untimed
    order: rules.Order = rules.Order.RANDOM


@dataclass(frozen=True)
class Candidate:
    question_id: int
    set_id: int
    tags: tuple[str, ...]
    history: rules.History

    @property
    def first_tag(self) -> str:
        return self.tags[0] if self.tags else ""


@dataclass(frozen=True)
class Choices:
    """The builder's options, each with how many questions of the chosen pools it holds."""

    sets: list[tuple[int, str, int]]  # (id, title, questions in the pools)
    tags: list[tuple[str, int]]  # every level of every tag, with its count
    pools: dict[rules.Pool, int]  # the sources' questions in each pool alone
    available: int  # the sources' questions in any chosen pool: what a block may hold


def _from_sources(wanted: Request) -> list[sa.ColumnElement[bool]]:
    """``in_sources`` as SQL: the chosen sets, and a chosen tag or one below it."""
    where: list[sa.ColumnElement[bool]] = []
    if wanted.set_ids:
        where.append(Question.set_id.in_(wanted.set_ids))
    if wanted.tags:
        names = [
            sa.or_(Tag.name == tag, Tag.name.like(_escaped(tag) + "::%", escape="\\"))
            for tag in wanted.tags
        ]
        where.append(
            sa.exists(
                sa.select(question_tags.c.question_id)
                .join(Tag, Tag.id == question_tags.c.tag_id)
                .where(question_tags.c.question_id == Question.id, sa.or_(*names))
            )
        )
    return where


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _marked(user: User) -> dict[int, bool]:
    """Each question's mark as the student left it in their latest ended block holding it."""
    rows = db.session.execute(
        sa.select(BlockItem.question_id, BlockItem.marked)
        .join(PracticeBlock, PracticeBlock.id == BlockItem.block_id)
        .where(PracticeBlock.user_id == user.id, PracticeBlock.ended_at.is_not(None))
        .order_by(PracticeBlock.id)
    )
    return {question_id: marked for question_id, marked in rows}  # the latest comes last


def candidates(user: User, sources: Request | None = None) -> list[Candidate]:
    """Every question the student may practise, with its tags and pool facts; only those
    of ``sources``' sets and tags when it is given (the filter runs in the database)."""
    theirs = (
        ReviewLog.user_id == user.id,
        ReviewLog.question_id == Question.id,
        ReviewLog.counted_in(Projection.PRACTICE_POOLS),
    )
    last = (
        sa.select(ReviewLog.correct)
        .where(*theirs)
        .order_by(ReviewLog.id.desc())
        .limit(1)
        .correlate(Question)
        .scalar_subquery()
    )
    answered = sa.select(ReviewLog.id).where(*theirs).correlate(Question).exists()
    rows = db.session.execute(
        sa.select(Question.id, Question.set_id, answered, last, CardState.flagged)
        .join(
            QuestionVersion,
            sa.and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.number == Question.current_version,
            ),
        )
        .outerjoin(
            CardState,
            sa.and_(CardState.question_id == Question.id, CardState.user_id == user.id),
        )
        .where(
            access.studied_questions(user),
            QuestionVersion.kind.in_([k.value for k in CHOICE_KINDS]),
            *(_from_sources(sources) if sources is not None else ()),
        )
        .order_by(Question.id)
    ).all()
    marked = _marked(user)
    ids = [row[0] for row in rows]
    tags = _tags_of(ids)
    return [
        Candidate(
            question_id=qid,
            set_id=set_id,
            tags=tuple(tags.get(qid, ())),
            history=rules.History(
                answered=bool(was_answered),
                last_correct=last_correct,
                marked=marked.get(qid, False),
                flagged=bool(flagged),
            ),
        )
        for qid, set_id, was_answered, last_correct, flagged in rows
    ]


def _tags_of(question_ids: Sequence[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    if not question_ids:
        return tags
    rows = db.session.execute(
        sa.select(question_tags.c.question_id, Tag.name)
        .join(Tag, Tag.id == question_tags.c.tag_id)
        .where(question_tags.c.question_id.in_(list(question_ids)))
        .order_by(question_tags.c.question_id, Tag.name)
    )
    for question_id, name in rows:
        tags.setdefault(question_id, []).append(name)
    return tags


def _levels(name: str) -> list[str]:
    parts = name.split("::")
    return ["::".join(parts[: n + 1]) for n in range(len(parts))]


def in_sources(candidate: Candidate, wanted: Request) -> bool:
    if wanted.set_ids and candidate.set_id not in wanted.set_ids:
        return False
    return not wanted.tags or any(
        rules.tag_includes(chosen, name) for chosen in wanted.tags for name in candidate.tags
    )


def choices(user: User, wanted: Request, found: list[Candidate] | None = None) -> Choices:
    """The builder's sets, tags and pools with their counts for what ``wanted`` picks."""
    found = candidates(user) if found is None else found
    in_pools = [c for c in found if rules.in_pools(c.history, wanted.pools)]
    by_set = Counter(c.set_id for c in in_pools)
    by_tag: Counter[str] = Counter()
    for c in in_pools:
        by_tag.update({level for name in c.tags for level in _levels(name)})
    all_tags = {level for c in found for name in c.tags for level in _levels(name)}
    titles = dict(
        db.session.execute(
            sa.select(QuestionSet.id, QuestionSet.title).where(
                QuestionSet.id.in_(access.studied_set_ids(user))
            )
        ).all()
    )
    sources = [c for c in found if in_sources(c, wanted)]
    return Choices(
        sets=sorted(
            ((set_id, title, by_set[set_id]) for set_id, title in titles.items()),
            key=lambda s: (s[1].lower(), s[0]),
        ),
        tags=sorted(((name, by_tag[name]) for name in all_tags), key=lambda t: t[0].lower()),
        pools={
            pool: sum(1 for c in sources if rules.in_pools(c.history, (pool,)))
            for pool in rules.Pool
        },
        available=sum(1 for c in sources if rules.in_pools(c.history, wanted.pools)),
    )


def open_block(user: User) -> PracticeBlock | None:
    """The student's block in progress, if any (there is at most one)."""
    return db.session.scalar(
        sa.select(PracticeBlock).where(
            PracticeBlock.user_id == user.id, PracticeBlock.ended_at.is_(None)
        )
    )


def build(user: User, wanted: Request, now: datetime, seed: int | None = None) -> PracticeBlock:
    """Make the block ``wanted`` asks for, or refuse with a message saying why.

    Call inside a write transaction. A block already in progress is refused (one at a
    time), and so is a second block started by a double submit or another tab.
    """
    if not wanted.pools:
        raise PracticeError("Choose at least one pool: unused, incorrect, marked, flagged or all.")
    if not rules.MIN_SIZE <= wanted.size <= rules.MAX_SIZE:
        raise PracticeError(
            f"A block holds {rules.MIN_SIZE} to {rules.MAX_SIZE} questions; "
            f"you asked for {wanted.size}."
        )
    try:
        rules.time_limit(wanted.mode, wanted.size, wanted.seconds_per_question)
    except ValueError:
        raise PracticeError(
            f"Time per question is {rules.MIN_SECONDS_PER_QUESTION} to "
            f"{rules.MAX_SECONDS_PER_QUESTION} seconds."
        ) from None
    if open_block(user) is not None:
        raise PracticeError("You have a block in progress: finish or end it first.")
    pool = [
        c
        for c in candidates(user, wanted)
        if in_sources(c, wanted) and rules.in_pools(c.history, wanted.pools)
    ]
    if not pool:
        raise PracticeError(
            "No question of your chosen sets and tags is in those pools. "
            "Choose more sources or another pool."
        )
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    chosen = rules.choose(
        [(c.question_id, c.first_tag) for c in pool], wanted.size, wanted.order, seed
    )
    return make_block(
        user,
        chosen,
        mode=wanted.mode,
        ordering=wanted.order,
        seed=seed,
        sources={
            "sets": list(wanted.set_ids),
            "tags": list(wanted.tags),
            "pools": [p.value for p in wanted.pools],
            "asked": wanted.size,
        },
        seconds_per_question=wanted.seconds_per_question,
        now=now,
    )


def current_versions(question_ids: Sequence[int]) -> dict[int, int]:
    """Each question's current version id, in one query."""
    return dict(
        db.session.execute(
            sa.select(Question.id, QuestionVersion.id)
            .join(
                QuestionVersion,
                sa.and_(
                    QuestionVersion.question_id == Question.id,
                    QuestionVersion.number == Question.current_version,
                ),
            )
            .where(Question.id.in_(question_ids))
        ).all()
    )


def make_block(
    user: User,
    question_ids: Sequence[int],
    *,
    mode: rules.Mode,
    ordering: rules.Order,
    seed: int,
    sources: dict[str, Any],
    seconds_per_question: int | None,
    now: datetime,
    assignment_id: int | None = None,
) -> PracticeBlock:
    """A block of these questions (in this order, each at its current version), its clock
    running from ``now``; refused if the student has one in progress (a second tab, a
    double submit). The time per question is checked by the caller."""
    limit = rules.time_limit(mode, len(question_ids), seconds_per_question)
    versions = current_versions(question_ids)
    block = PracticeBlock(
        user_id=user.id,
        mode=mode.value,
        ordering=ordering.value,
        seed=seed,
        sources=sources,
        seconds_per_question=seconds_per_question if limit is not None else None,
        time_limit_s=int(limit.total_seconds()) if limit is not None else None,
        time_used_ms=0,
        running_since=now,
        position=1,
        created_at=now,
        assignment_id=assignment_id,
    )
    block.items = [
        BlockItem(position=n, question_id=qid, question_version_id=versions[qid], struck=[])
        for n, qid in enumerate(question_ids, start=1)
    ]
    db.session.add(block)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise PracticeError("You have a block in progress: finish or end it first.") from None
    return block
