"""Blocks faculty set for a cohort: who may set one, the members' one attempt, and the
class report in aggregate (nothing before five members have finished)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qbank.database import write_transaction
from qbank.domain import practice as rules
from qbank.extensions import db
from qbank.models import BlockAssignment, PracticeBlock, Role
from qbank.services import cohorts, practice
from qbank.services.cohort_progress import MIN_GROUP_SIZE
from qbank.services.practice import PracticeError, Work, assignments
from tests.bank_helpers import cohort_studying

RIGHT, WRONG, OTHER = ("A",), ("B",), ("C",)
TODAY = date(2026, 3, 2)  # the test clock's day


@pytest.fixture
def world(create_user, published_set, clock):
    """A cohort of seven whose rep assigned a faculty member's set of eight questions."""
    question_set = published_set(8, "Valves", tags=["Cardiology::Valves"])
    cohort, author, members = cohort_studying(question_set, create_user, clock.now())
    return author, cohort, question_set, members


def spec(question_set, n=5, **changes):
    ids = tuple(q.id for q in question_set.questions[:n])
    wanted = assignments.Spec(
        title="Week 3: valves",
        set_id=question_set.id,
        question_ids=ids,
        mode=rules.Mode.TIMED,
        seconds_per_question=60,
        due_on=(TODAY + timedelta(days=7)),
    )
    return replace(wanted, **changes)


def assign(author, cohort, wanted, clock):
    with write_transaction():
        return assignments.assign(author, cohort, wanted, clock.now())


def take(member, assignment_id, chosen_by_position, clock, end=True):
    with write_transaction():
        line = assignments.assigned_to(member, assignment_id)
        block = assignments.start(member, line, clock.now())
        for position, chosen in chosen_by_position.items():
            practice.save(member, block, position, Work(chosen=chosen, time_ms=20_000), clock.now())
        if end:
            practice.end(member, block, clock.now())
    return block


def test_the_author_sets_a_block_and_refusals_save_nothing(world, create_user, clock):
    author, cohort, question_set, _ = world
    refusals = {
        "title": spec(question_set, title="  "),
        "1 to 120": spec(question_set, n=0),
        "not live choice questions": spec(question_set, question_ids=(10**6,)),
        "10 to 600 seconds": spec(question_set, seconds_per_question=5),
        "due date has passed": spec(question_set, due_on=TODAY - timedelta(days=1)),
    }
    for message, wanted in refusals.items():
        with pytest.raises(PracticeError, match=message):
            assign(author, cohort, wanted, clock)
    stranger = create_user(role=Role.FACULTY, email="stranger@example.edu")
    with pytest.raises(PracticeError, match="your sets assigned"):
        assign(stranger, cohort, spec(question_set), clock)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BlockAssignment)) == 0

    assignment = assign(author, cohort, spec(question_set), clock)
    assert [q.question_id for q in assignment.questions] == [
        q.id for q in question_set.questions[:5]
    ]
    # Due by the end of the day in the cohort's zone (London is on GMT in March).
    assert assignment.due_at.isoformat() == "2026-03-10T00:00:00+00:00"
    assert assignments.due_day(assignment, cohort).isoformat() == "2026-03-09"


def test_each_member_takes_it_once_in_the_same_order(world, create_user, clock):
    author, cohort, question_set, members = world
    assignment = assign(author, cohort, spec(question_set), clock)
    member, other = members[1], members[2]
    outsider = create_user(email="outsider@example.edu")

    assert [line.assignment.id for line in assignments.for_member(member)] == [assignment.id]
    assert assignments.for_member(outsider) == []
    assert assignments.assigned_to(outsider, assignment.id) is None

    block = take(member, assignment.id, {1: RIGHT}, clock, end=False)
    again = take(member, assignment.id, {}, clock, end=False)  # a second tab: the same block
    assert again.id == block.id
    assert block.mode == "timed" and block.time_limit_s == 5 * 60
    assert [i.question_id for i in block.items] == [q.question_id for q in assignment.questions]
    assert take(other, assignment.id, {}, clock, end=False).items[0].question_id == (
        block.items[0].question_id
    )

    with pytest.raises(PracticeError, match="in progress"), write_transaction():
        practice.build(member, practice.Request(), clock.now())
    with write_transaction():
        practice.end(member, block, clock.now())
    done = assignments.assigned_to(member, assignment.id)
    assert done.done and not done.late(clock.now())
    assert assignments.for_member(member) == []  # done: off the to-do list
    assert len(assignments.for_member(member, include_done_since=clock.now())) == 1
    # A finished attempt is the attempt: starting again gives it back, not a new block.
    with write_transaction():
        assert assignments.start(member, done, clock.now()).id == block.id
    count = sa.select(sa.func.count()).where(PracticeBlock.assignment_id == assignment.id)
    assert db.session.scalar(count.select_from(PracticeBlock)) == 2


def test_a_member_with_another_block_open_is_asked_to_finish_it(world, clock):
    author, cohort, question_set, members = world
    assignment = assign(author, cohort, spec(question_set), clock)
    member = members[1]
    with write_transaction():
        practice.build(member, practice.Request(size=2), clock.now())
    with pytest.raises(PracticeError, match="in progress"):
        take(member, assignment.id, {}, clock)


def test_the_class_report_waits_for_five_finishers_and_counts_only_members(world, clock):
    author, cohort, question_set, members = world
    assignment = assign(author, cohort, spec(question_set), clock)
    # Four finish: completion shows, scores do not.
    for n, member in enumerate(members[:4]):
        take(member, assignment.id, {1: RIGHT, 2: WRONG if n else RIGHT, 3: RIGHT}, clock)
    report = assignments.class_report(assignment)
    assert (report.completion.members, report.completion.done) == (7, 4)
    assert report.scores is None and report.questions == []

    # The fifth finishes after the due day: late. A sixth starts and stays in progress.
    clock.advance(days=8)
    take(members[4], assignment.id, {1: RIGHT, 2: OTHER}, clock)
    take(members[5], assignment.id, {1: RIGHT}, clock, end=False)
    report = assignments.class_report(assignment)
    assert (report.completion.done, report.completion.late) == (5, 1)
    assert (report.completion.started, report.completion.not_started) == (6, 1)
    assert report.shown
    # Scores of 5 questions: 3/5 once, 2/5 three times, 1/5 once.
    assert report.scores.students == 5
    assert report.scores.median == pytest.approx(0.4)
    assert report.scores.bands[2] == 1 and report.scores.bands[4] == 3
    assert report.scores.bands[6] == 1
    first, second, third, fourth, _ = report.questions
    assert (first.key, first.right, first.unanswered) == ("A", 1.0, 0.0)
    assert second.right == pytest.approx(0.2)
    assert second.top_wrong == ("B", pytest.approx(0.6))  # three chose B, one C
    assert third.right == pytest.approx(0.8) and third.unanswered == pytest.approx(0.2)
    assert fourth.right == 0.0 and fourth.top_wrong is None  # nobody answered it
    assert [t.name for t in report.by_tag] == ["Cardiology", "Cardiology::Valves"]

    # A member who leaves is no longer counted: too few finishers again.
    cohorts.leave(members[1], cohort)
    db.session.commit()
    report = assignments.class_report(assignment)
    assert (report.completion.members, report.completion.done) == (6, 4)
    assert report.scores is None


def test_a_small_cohort_shows_no_figures_and_withdrawing_keeps_attempts(world, create_user, clock):
    author, cohort, question_set, members = world
    for member in members[MIN_GROUP_SIZE - 1 :]:
        if member.email != "rep@example.edu":
            cohorts.leave(member, cohort)
    db.session.commit()
    assignment = assign(author, cohort, spec(question_set), clock)
    block = take(members[1], assignment.id, {1: RIGHT}, clock)
    report = assignments.class_report(assignment)
    assert report.completion.hidden and report.scores is None

    with write_transaction():
        assignments.withdraw(db.session.get(BlockAssignment, assignment.id))
    db.session.refresh(block)
    assert block.assignment_id is None and block.ended_at is not None
    assert assignments.for_member(members[1], include_done_since=clock.now()) == []


def test_only_the_author_and_admins_manage_it(world, create_user, clock):
    author, cohort, question_set, _ = world
    assignment = assign(author, cohort, spec(question_set), clock)
    colleague = create_user(role=Role.FACULTY, email="colleague@example.edu")
    cohorts.add_faculty(cohort, colleague, author, clock.now())
    admin = create_user(role=Role.ADMIN, email="admin@example.edu")
    assert assignments.may_manage(author, assignment)
    assert assignments.may_manage(admin, assignment)
    assert not assignments.may_manage(colleague, assignment)
    assert assignments.of_cohort(colleague, cohort) == []
    assert [line.assignment.id for line in assignments.of_cohort(admin, cohort)] == [assignment.id]
