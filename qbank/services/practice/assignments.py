"""Assigned blocks: a fixed block a faculty member sets for a cohort studying their set,
each member's attempt at it, and how the class did, in aggregate only.

Who may set one: a faculty member who works with the cohort (``access``), from one of
their sets assigned to it and open to its members (an admin: any such set). Every member
gets the same questions in the same order, mode and time; each takes it once, as a
block of their own (``PracticeBlock.assignment_id``), so everything a block does (the
clock, the tools, the report, the misses into review) holds. A member may start late;
an attempt ended after the due moment counts as late.

The class report follows cohort progress's privacy rule: a cohort smaller than
``MIN_GROUP_SIZE`` shows no figures, and scores are shown once that many members have
finished. Only current members count.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from qbank.domain import answers
from qbank.domain import practice as rules
from qbank.domain.days import day_bounds, study_day
from qbank.extensions import db
from qbank.models import (
    AssignmentQuestion,
    BlockAssignment,
    BlockItem,
    Cohort,
    Membership,
    PracticeBlock,
    Question,
    QuestionSet,
    QuestionVersion,
    Role,
    Tag,
    User,
    question_tags,
)
from qbank.services import access
from qbank.services.cohort_progress import MIN_GROUP_SIZE, assigned_sets
from qbank.services.practice.builder import CHOICE_KINDS, make_block, open_block
from qbank.services.practice.errors import PracticeError
from qbank.services.practice.reports import TagScore, by_tag

MAX_TITLE = 120
MAX_SHOWN = 500  # questions listed in the picker at once: narrow by tag beyond that


@dataclass(frozen=True)
class Spec:
    """What the faculty member asks for."""

    title: str
    set_id: int
    question_ids: tuple[int, ...]  # in the order members get them
    mode: rules.Mode
    seconds_per_question: int | None  # None: untimed
    due_on: date  # due by the end of this day, in the cohort's time zone


@dataclass(frozen=True)
class Pickable:
    question_id: int
    stem: str
    kind: str
    tags: tuple[str, ...]


# --- setting one ---------------------------------------------------------------------------


def assignable_sets(author: User, cohort: Cohort) -> list[tuple[QuestionSet, int]]:
    """The author's sets assigned to the cohort and open to it, with their live questions."""
    if not access.works_with_cohort(author, cohort):
        return []
    statement = sa.select(QuestionSet, access.live_question_count())
    return [
        (question_set, count)
        for question_set, count in db.session.execute(
            assigned_sets(statement, author, cohort.id).order_by(QuestionSet.title, QuestionSet.id)
        )
    ]


def _choice_questions(set_id: int) -> sa.Select[int, str, str]:
    return (
        sa.select(Question.id, QuestionVersion.stem, QuestionVersion.kind)
        .join(
            QuestionVersion,
            sa.and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.number == Question.current_version,
            ),
        )
        .where(
            Question.set_id == set_id,
            Question.retired_at.is_(None),
            QuestionVersion.kind.in_([k.value for k in CHOICE_KINDS]),
        )
    )


def pickable(set_id: int, tag: str = "") -> tuple[list[Pickable], int]:
    """The set's live choice questions (under ``tag`` and the tags below it, if given), in
    the set's order: at most ``MAX_SHOWN`` of them, and how many there are in all."""
    statement = _choice_questions(set_id)
    if tag:
        below = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "::%"
        statement = statement.where(
            sa.select(question_tags.c.question_id)
            .join(Tag, Tag.id == question_tags.c.tag_id)
            .where(
                question_tags.c.question_id == Question.id,
                sa.or_(Tag.name == tag, Tag.name.like(below, escape="\\")),
            )
            .exists()
        )
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(statement.subquery())
    ).scalar_one()
    rows = db.session.execute(
        statement.order_by(Question.position, Question.id).limit(MAX_SHOWN)
    ).all()
    tags: dict[int, list[str]] = defaultdict(list)
    if rows:
        for question_id, name in db.session.execute(
            sa.select(question_tags.c.question_id, Tag.name)
            .join(Tag, Tag.id == question_tags.c.tag_id)
            .where(question_tags.c.question_id.in_([r[0] for r in rows]))
            .order_by(Tag.name)
        ):
            tags[question_id].append(name)
    return [Pickable(qid, stem, kind, tuple(tags[qid])) for qid, stem, kind in rows], total


def set_tags(set_id: int) -> list[str]:
    """Every tag a live question of the set carries, with the levels above it."""
    names = db.session.scalars(
        sa.select(Tag.name)
        .distinct()
        .join(question_tags, question_tags.c.tag_id == Tag.id)
        .join(Question, Question.id == question_tags.c.question_id)
        .where(Question.set_id == set_id, Question.retired_at.is_(None))
    )
    levels: set[str] = set()
    for name in names:
        parts = name.split("::")
        levels.update("::".join(parts[: n + 1]) for n in range(len(parts)))
    return sorted(levels, key=str.lower)


def assign(author: User, cohort: Cohort, spec: Spec, now: datetime) -> BlockAssignment:
    """Set a block for the cohort, or refuse with a message saying why (nothing is saved)."""
    title = " ".join(spec.title.split())
    if not title:
        raise PracticeError('Give the block a title, e.g. "Week 3: valvular disease".')
    if len(title) > MAX_TITLE:
        raise PracticeError(
            f"A title has at most {MAX_TITLE} characters; this one has {len(title)}."
        )
    if spec.set_id not in {s.id for s, _ in assignable_sets(author, cohort)}:
        raise PracticeError("Choose one of your sets assigned to this cohort.")
    ids = list(dict.fromkeys(spec.question_ids))
    if not rules.MIN_SIZE <= len(ids) <= rules.MAX_SIZE:
        raise PracticeError(
            f"A block holds {rules.MIN_SIZE} to {rules.MAX_SIZE} questions; you chose {len(ids)}."
        )
    found = set(
        db.session.scalars(
            _choice_questions(spec.set_id)
            .with_only_columns(Question.id)
            .where(Question.id.in_(ids))
        )
    )
    missing = [qid for qid in ids if qid not in found]
    if missing:
        raise PracticeError(
            f"{len(missing)} of the chosen questions are not live choice questions of this set "
            f"(#{', #'.join(str(q) for q in missing[:5])}): flashcards and retired questions "
            "cannot be in a block."
        )
    try:
        rules.time_limit(spec.mode, len(ids), spec.seconds_per_question)
    except ValueError:
        raise PracticeError(
            f"Time per question is {rules.MIN_SECONDS_PER_QUESTION} to "
            f"{rules.MAX_SECONDS_PER_QUESTION} seconds."
        ) from None
    due_at = day_bounds(spec.due_on, cohort.timezone, 0)[1]
    if due_at <= now:
        raise PracticeError("The due date has passed: choose today or a later day.")
    assignment = BlockAssignment(
        cohort_id=cohort.id,
        set_id=spec.set_id,
        created_by_id=author.id,
        title=title,
        mode=spec.mode.value,
        seconds_per_question=spec.seconds_per_question if spec.mode == rules.Mode.TIMED else None,
        due_at=due_at,
        created_at=now,
    )
    assignment.questions = [
        AssignmentQuestion(position=n, question_id=qid) for n, qid in enumerate(ids, start=1)
    ]
    db.session.add(assignment)
    db.session.flush()
    return assignment


def due_day_after(cohort: Cohort, now: datetime, days: int) -> date:
    """The cohort's calendar day ``days`` after today in its time zone."""
    return study_day(now, cohort.timezone, 0) + timedelta(days=days)


def due_day(assignment: BlockAssignment, cohort: Cohort) -> date:
    """The day the block is due by the end of, in the cohort's time zone."""
    return study_day(assignment.due_at - timedelta(microseconds=1), cohort.timezone, 0)


def may_manage(user: User, assignment: BlockAssignment) -> bool:
    """Admins, and its author while they still work with the cohort, see its report."""
    if user.has_role(Role.ADMIN):
        return True
    cohort = db.session.get_one(Cohort, assignment.cohort_id)
    return assignment.created_by_id == user.id and access.works_with_cohort(user, cohort)


def withdraw(assignment: BlockAssignment) -> None:
    """Take the block back: members no longer see it; attempts stay their own blocks."""
    db.session.delete(assignment)
    db.session.flush()


# --- the members' side --------------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    assignment: BlockAssignment
    cohort: Cohort
    questions: int
    attempt: PracticeBlock | None

    @property
    def done(self) -> bool:
        return self.attempt is not None and self.attempt.ended_at is not None

    @property
    def due_day(self) -> date:
        return due_day(self.assignment, self.cohort)

    @property
    def in_progress(self) -> bool:
        return self.attempt is not None and self.attempt.ended_at is None

    def late(self, now: datetime) -> bool:
        """Ended after the due moment, or not ended and already past it."""
        moment = self.attempt.ended_at if self.done and self.attempt else now
        return moment is not None and moment > self.assignment.due_at


def _question_count() -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(AssignmentQuestion)
        .where(AssignmentQuestion.assignment_id == BlockAssignment.id)
        .scalar_subquery()
    )


def for_member(user: User, include_done_since: datetime | None = None) -> list[Assigned]:
    """The blocks set for the student's cohorts, soonest due first, each with their attempt.

    Finished ones are left out unless ``include_done_since`` is given: then those due
    since that moment stay in (the dashboard shows a week's; the practice page all).
    """
    attempt = sa.orm.aliased(PracticeBlock)
    rows = db.session.execute(
        sa.select(BlockAssignment, Cohort, _question_count(), attempt)
        .join(Cohort, Cohort.id == BlockAssignment.cohort_id)
        .join(
            Membership,
            sa.and_(Membership.cohort_id == Cohort.id, Membership.user_id == user.id),
        )
        .outerjoin(
            attempt,
            sa.and_(attempt.assignment_id == BlockAssignment.id, attempt.user_id == user.id),
        )
        .order_by(BlockAssignment.due_at, BlockAssignment.id)
    ).all()
    listed = [Assigned(a, c, n, block) for a, c, n, block in rows]
    return [
        line
        for line in listed
        if not line.done
        or (include_done_since is not None and line.assignment.due_at >= include_done_since)
    ]


def assigned_to(user: User, assignment_id: int) -> Assigned | None:
    """One block set for a cohort the student is in now; None for any other."""
    assignment = db.session.get(BlockAssignment, assignment_id)
    if assignment is None:
        return None
    member = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.cohort_id == assignment.cohort_id, Membership.user_id == user.id
        )
    )
    if member is None:
        return None
    attempt = db.session.scalar(
        sa.select(PracticeBlock).where(
            PracticeBlock.assignment_id == assignment.id, PracticeBlock.user_id == user.id
        )
    )
    return Assigned(
        assignment,
        db.session.get_one(Cohort, assignment.cohort_id),
        len(assignment.questions),
        attempt,
    )


def start(user: User, assigned: Assigned, now: datetime) -> PracticeBlock:
    """The student's attempt at an assigned block: started now, or the one they have.

    Call inside a write transaction with the student locked. The block holds the
    assignment's questions the student may still read, each at its current version.
    """
    if assigned.attempt is not None:
        return assigned.attempt
    current = open_block(user)
    if current is not None:
        raise PracticeError("You have a block in progress: finish or end it first.")
    assignment = assigned.assignment
    wanted = [q.question_id for q in assignment.questions]
    readable = access.visible_question_ids(user, wanted)
    live = set(
        db.session.scalars(
            _choice_questions(assignment.set_id)
            .with_only_columns(Question.id)
            .where(Question.id.in_(readable))
        )
    )
    chosen = [qid for qid in wanted if qid in live]
    if not chosen:
        raise PracticeError(
            "None of this block's questions is open to you now: ask the faculty member who set it."
        )
    return make_block(
        user,
        chosen,
        mode=rules.Mode(assignment.mode),
        ordering=rules.Order.RANDOM,  # the assignment's order: the same for everyone
        seed=0,
        sources={"assignment": assignment.id, "asked": len(wanted)},
        seconds_per_question=assignment.seconds_per_question,
        now=now,
        assignment_id=assignment.id,
    )


# --- the class's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    members: int  # current members
    started: int
    done: int
    late: int  # of the done, ended after the due moment

    @property
    def hidden(self) -> bool:
        """Too small a cohort for any figure about its members."""
        return self.members < MIN_GROUP_SIZE

    @property
    def not_started(self) -> int:
        return self.members - self.started


@dataclass(frozen=True)
class Line:
    assignment: BlockAssignment
    questions: int
    completion: Completion


def _completion(cohort_id: int, assignment_ids: list[int]) -> dict[int, Completion]:
    members = db.session.execute(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.cohort_id == cohort_id)
    ).scalar_one()
    counts: dict[int, Counter[str]] = {a: Counter() for a in assignment_ids}
    if assignment_ids:
        rows = db.session.execute(
            sa.select(PracticeBlock.assignment_id, PracticeBlock.ended_at, BlockAssignment.due_at)
            .join(BlockAssignment, BlockAssignment.id == PracticeBlock.assignment_id)
            .join(
                Membership,
                sa.and_(
                    Membership.user_id == PracticeBlock.user_id,
                    Membership.cohort_id == BlockAssignment.cohort_id,
                ),
            )
            .where(PracticeBlock.assignment_id.in_(assignment_ids))
        )
        for assignment_id, ended_at, due_at in rows:
            tally = counts[assignment_id or 0]
            tally["started"] += 1
            if ended_at is not None:
                tally["done"] += 1
                tally["late"] += ended_at > due_at
    return {a: Completion(members, c["started"], c["done"], c["late"]) for a, c in counts.items()}


def of_cohort(viewer: User, cohort: Cohort) -> list[Line]:
    """The blocks set for the cohort that ``viewer`` manages (an admin: all), newest due first."""
    statement = (
        sa.select(BlockAssignment, _question_count())
        .where(BlockAssignment.cohort_id == cohort.id)
        .order_by(BlockAssignment.due_at.desc(), BlockAssignment.id.desc())
    )
    if not viewer.has_role(Role.ADMIN):
        statement = statement.where(BlockAssignment.created_by_id == viewer.id)
    rows = db.session.execute(statement).all()
    completion = _completion(cohort.id, [a.id for a, _ in rows])
    return [Line(a, n, completion[a.id]) for a, n in rows]


@dataclass(frozen=True)
class QuestionFigures:
    position: int
    version: QuestionVersion  # the version most members answered
    key: str  # the key's letters in the author's order ("B", "A, C")
    right: float | None  # share of the finishers right
    unanswered: float | None
    top_wrong: tuple[str, float] | None  # the wrong answer chosen most, in the author's letters


@dataclass(frozen=True)
class ClassReport:
    assignment: BlockAssignment
    cohort: Cohort
    completion: Completion
    scores: rules.ClassScores | None  # None until MIN_GROUP_SIZE members have finished
    median_time: timedelta | None
    questions: list[QuestionFigures]
    by_tag: list[TagScore]

    @property
    def shown(self) -> bool:
        return self.scores is not None


def _letters(options: list[dict[str, object]], keys: list[str]) -> str:
    order = [str(o["key"]) for o in options]
    return ", ".join(
        answers.OPTION_KEYS[order.index(k)] for k in sorted(keys, key=order.index) if k in order
    )


def class_report(assignment: BlockAssignment) -> ClassReport:
    """How the cohort's current members did on an assigned block, in aggregate only."""
    cohort = db.session.get_one(Cohort, assignment.cohort_id)
    completion = _completion(cohort.id, [assignment.id])[assignment.id]
    empty = ClassReport(assignment, cohort, completion, None, None, [], [])
    if completion.hidden or completion.done < MIN_GROUP_SIZE:
        return empty
    finished = db.session.execute(
        sa.select(PracticeBlock.id, PracticeBlock.time_used_ms)
        .join(
            Membership,
            sa.and_(
                Membership.user_id == PracticeBlock.user_id,
                Membership.cohort_id == cohort.id,
            ),
        )
        .where(PracticeBlock.assignment_id == assignment.id, PracticeBlock.ended_at.is_not(None))
    ).all()
    block_ids = [block_id for block_id, _ in finished]
    items = db.session.execute(
        sa.select(
            BlockItem.block_id,
            BlockItem.question_id,
            BlockItem.question_version_id,
            BlockItem.chosen,
            BlockItem.correct,
        ).where(BlockItem.block_id.in_(block_ids))
    ).all()
    outcomes: dict[int, list[bool | None]] = defaultdict(list)
    per_question: dict[int, list[tuple[int, list[str] | None, bool | None]]] = defaultdict(list)
    for block_id, question_id, version_id, chosen, correct in items:
        outcome = bool(correct) if chosen is not None else None
        outcomes[block_id].append(outcome)
        per_question[question_id].append((version_id, chosen, outcome))
    shares = [rules.score(outcomes[b]).share for b in block_ids]
    version_ids = {v for rows in per_question.values() for v, _, _ in rows}
    versions = {
        v.id: v
        for v in db.session.scalars(
            sa.select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))
        )
    }
    tags: dict[int, list[str]] = defaultdict(list)
    for question_id, name in db.session.execute(
        sa.select(question_tags.c.question_id, Tag.name)
        .join(Tag, Tag.id == question_tags.c.tag_id)
        .where(question_tags.c.question_id.in_(list(per_question)))
    ):
        tags[question_id].append(name)
    figures = []
    tagged: list[tuple[tuple[str, ...], bool | None]] = []
    for link in assignment.questions:
        rows = per_question.get(link.question_id)
        if not rows:
            continue  # in no finisher's block: retired or closed before anyone started
        version = versions[Counter(v for v, _, _ in rows).most_common(1)[0][0]]
        key = sorted(answers.correct_keys(version.options))
        wrong = Counter(tuple(chosen) for v, chosen, outcome in rows if outcome is False and chosen)
        top = wrong.most_common(1)[0] if wrong else None
        figures.append(
            QuestionFigures(
                position=link.position,
                version=version,
                key=_letters(version.options, key),
                right=sum(1 for _, _, o in rows if o is True) / len(rows),
                unanswered=sum(1 for _, _, o in rows if o is None) / len(rows),
                top_wrong=(_letters(version.options, list(top[0])), top[1] / len(rows))
                if top is not None
                else None,
            )
        )
        tagged.extend((tuple(tags[link.question_id]), o) for _, _, o in rows)
    return ClassReport(
        assignment=assignment,
        cohort=cohort,
        completion=completion,
        scores=rules.class_scores(shares),
        median_time=timedelta(milliseconds=statistics.median(ms for _, ms in finished)),
        questions=figures,
        by_tag=by_tag(tagged),
    )
