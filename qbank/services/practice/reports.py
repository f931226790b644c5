"""Score reports: a block's score, each question as answered, the breakdown by tag, how
all students did on each question, and the student's percentile among their peers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from qbank.domain import answers
from qbank.domain import item_analysis as items
from qbank.domain import practice as rules
from qbank.extensions import db
from qbank.models import BlockItem, PracticeBlock, QuestionVersion, Tag, User, question_tags
from qbank.services import item_stats
from qbank.services.practice.blocks import timing_of

PAGE_SIZE = 20


@dataclass(frozen=True)
class ReportRow:
    item: BlockItem
    version: QuestionVersion
    options: list[dict[str, Any]]  # in the order the student saw them
    key: list[str]
    tags: tuple[str, ...]
    others: items.ItemStats | None  # everyone's first answers, once there are enough

    @property
    def outcome(self) -> bool | None:
        return self.item.correct if self.item.chosen is not None else None

    def letters(self, keys: list[str] | None) -> str:
        """The letters the student saw beside these options ("B, D"); "" for none."""
        shown = {o["key"]: answers.OPTION_KEYS[n] for n, o in enumerate(self.options)}
        return ", ".join(shown[k] for k in sorted(keys or (), key=list(shown).index))


@dataclass(frozen=True)
class TagScore:
    name: str
    score: rules.Score


@dataclass(frozen=True)
class Report:
    block: PracticeBlock
    score: rules.Score
    time_used: timedelta
    rows: list[ReportRow]
    by_tag: list[TagScore]  # top-level tags, each followed by its second-level tags
    percentile: rules.Percentile | None
    peers_needed: int  # how many more peers a percentile needs (0: it is shown)


def _tags(question_ids: list[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(question_tags.c.question_id, Tag.name)
        .join(Tag, Tag.id == question_tags.c.tag_id)
        .where(question_tags.c.question_id.in_(question_ids))
        .order_by(Tag.name)
    )
    for question_id, name in rows:
        found[question_id].append(name)
    return {k: tuple(v) for k, v in found.items()}


def by_tag(outcomes: list[tuple[tuple[str, ...], bool | None]]) -> list[TagScore]:
    """Score per top-level tag and, under each, per second-level tag.

    A question counts once under each tag it carries at that level (untagged ones under
    none); the list is sorted by tag, the second level right after its parent.
    """
    levels: dict[str, list[bool | None]] = defaultdict(list)
    for tags, outcome in outcomes:
        names = {rules.tag_level(t, 1) for t in tags} | {
            rules.tag_level(t, 2) for t in tags if "::" in t
        }
        for name in names:
            levels[name].append(outcome)
    return [TagScore(name, rules.score(levels[name])) for name in sorted(levels, key=str.lower)]


def peer_comparisons(user: User, mine: dict[int, bool]) -> list[rules.Comparison]:
    """Each other student compared with ``user`` on the questions of ``mine`` (question
    id: right first time) that both answered, from each one's first answer to each in an
    ended block. Counted in the database: a class's blocks are many rows, peers few."""
    if not mine:
        return []
    answered = (
        sa.select(
            PracticeBlock.user_id,
            BlockItem.question_id,
            BlockItem.correct,
            sa.func.row_number()
            .over(
                partition_by=(PracticeBlock.user_id, BlockItem.question_id),
                order_by=(BlockItem.answered_at, BlockItem.id),
            )
            .label("nth"),
        )
        .join(PracticeBlock, PracticeBlock.id == BlockItem.block_id)
        .where(
            BlockItem.question_id.in_(list(mine)),
            BlockItem.answered_at.is_not(None),
            PracticeBlock.ended_at.is_not(None),
            PracticeBlock.user_id != user.id,
        )
        .subquery()
    )
    right = [q for q, correct in mine.items() if correct]
    rows = db.session.execute(
        sa.select(
            answered.c.user_id,
            sa.func.count(),
            sa.func.sum(sa.case((answered.c.question_id.in_(right), 1), else_=0)),
            sa.func.sum(sa.case((answered.c.correct.is_(True), 1), else_=0)),
        )
        .where(answered.c.nth == 1)
        .group_by(answered.c.user_id)
    )
    return [rules.Comparison(int(n), int(own), int(theirs)) for _, n, own, theirs in rows]


def report(user: User, block: PracticeBlock, now: datetime) -> Report:
    """The block's score report (ended blocks; a running one shows its progress so far)."""
    block_items = list(block.items)
    question_ids = [i.question_id for i in block_items]
    versions = {
        v.id: v
        for v in db.session.scalars(
            sa.select(QuestionVersion).where(
                QuestionVersion.id.in_([i.question_version_id for i in block_items])
            )
        )
    }
    tags = _tags(question_ids)
    shares = item_stats.first_answer_shares(question_ids)
    rows = []
    for item in block_items:
        version = versions[item.question_version_id]
        figures = shares.get(item.question_id)
        rows.append(
            ReportRow(
                item=item,
                version=version,
                options=answers.shuffled_options(version.options, user.id, item.question_id),
                key=sorted(answers.correct_keys(version.options)),
                tags=tags.get(item.question_id, ()),
                others=figures if figures is not None and figures.judged else None,
            )
        )
    mine = {r.item.question_id: bool(r.item.correct) for r in rows if r.outcome is not None}
    peers = peer_comparisons(user, mine)
    counted = sum(1 for p in peers if p.common >= rules.MIN_COMMON_QUESTIONS)
    return Report(
        block=block,
        score=rules.score(r.outcome for r in rows),
        time_used=timing_of(block).used_at(now)
        if block.ended_at is None
        else timing_of(block).used,
        rows=rows,
        by_tag=by_tag([(r.tags, r.outcome) for r in rows]),
        percentile=rules.percentile_of(peers),
        peers_needed=max(0, rules.MIN_PEERS - counted),
    )


@dataclass(frozen=True)
class PastBlock:
    block: PracticeBlock
    score: rules.Score


def previous(user: User, page: int = 1) -> tuple[list[PastBlock], int]:
    """The student's blocks, newest first, a page at a time, with the number of pages."""
    total = db.session.execute(
        sa.select(sa.func.count(PracticeBlock.id)).where(PracticeBlock.user_id == user.id)
    ).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    blocks = list(
        db.session.scalars(
            sa.select(PracticeBlock)
            .where(PracticeBlock.user_id == user.id)
            .order_by(PracticeBlock.created_at.desc(), PracticeBlock.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    outcomes: dict[int, list[bool | None]] = defaultdict(list)
    if blocks:
        for block_id, chosen, correct in db.session.execute(
            sa.select(BlockItem.block_id, BlockItem.chosen, BlockItem.correct)
            .where(BlockItem.block_id.in_([b.id for b in blocks]))
            .order_by(BlockItem.block_id, BlockItem.position)
        ):
            outcomes[block_id].append(bool(correct) if chosen is not None else None)
    return [PastBlock(b, rules.score(outcomes[b.id])) for b in blocks], pages
