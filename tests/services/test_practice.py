"""Practice blocks through their services: building from sources and pools, the work on
each question, the deadline, the end (once), and what the end hands to the review."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from qbank.database import write_transaction
from qbank.domain import practice as rules
from qbank.domain import scheduling
from qbank.extensions import db
from qbank.models import (
    BlockItem,
    CardState,
    PracticeBlock,
    Question,
    ReviewLog,
    ReviewMode,
    UserStats,
)
from qbank.services import enrollment, gamification, practice, privacy, study
from qbank.services.practice import PracticeError, Request, Work
from tests.projection_helpers import snapshot
from tests.support import counting_queries

RIGHT, WRONG = ("A",), ("B",)


@pytest.fixture
def student(create_user):
    return create_user(email="student@example.edu")


@pytest.fixture
def sets(student, published_set, clock):
    cardio = published_set(6, "Cardio", tags=["Cardiology::Valves"])
    renal = published_set(4, "Renal", tags=["Renal::Acid base"])
    for question_set in (cardio, renal):
        enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    return cardio, renal


def build(student, clock, **wanted):
    with write_transaction():
        block = practice.build(student, Request(**wanted), clock.now(), seed=7)
    return block


def answer(student, block, position, chosen, clock, **extra):
    with write_transaction():
        practice.save(
            student, block, position, Work(chosen=chosen, time_ms=30_000, **extra), clock.now()
        )


def end(student, block, clock):
    with write_transaction():
        practice.end(student, block, clock.now())


def test_a_block_holds_the_chosen_tags_unused_questions(student, sets, clock):
    cardio, renal = sets
    block = build(student, clock, tags=("Renal",), size=10)
    assert {i.question_id for i in block.items} == {q.id for q in renal.questions}
    assert [i.position for i in block.items] == [1, 2, 3, 4]
    choices = practice.choices(student, Request(tags=("Renal",)))
    assert dict((t, n) for t, n in choices.tags)["Cardiology"] == 6
    assert choices.available == 4


def test_one_block_at_a_time_and_clear_refusals(student, sets, clock):
    with pytest.raises(PracticeError, match="1 to 120"):
        build(student, clock, size=121)
    with pytest.raises(PracticeError, match="at least one pool"):
        build(student, clock, pools=())
    build(student, clock, size=3)
    with pytest.raises(PracticeError, match="in progress"):
        build(student, clock, size=3)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardState)) == 0


def test_the_incorrect_pool_after_a_block(student, sets, clock):
    block = build(student, clock, tags=("Cardiology",), size=6, mode=rules.Mode.TIMED)
    answer(student, block, 1, WRONG, clock)
    answer(student, block, 2, RIGHT, clock)
    end(student, block, clock)
    incorrect = practice.choices(student, Request(pools=(rules.Pool.INCORRECT,)))
    assert incorrect.available == 1
    unused = practice.choices(student, Request(pools=(rules.Pool.UNUSED,)))
    assert unused.available == 8


def test_timed_answers_may_change_tutor_answers_may_not(student, sets, clock):
    timed = build(student, clock, size=2, mode=rules.Mode.TIMED)
    answer(student, timed, 1, WRONG, clock)
    answer(student, timed, 1, RIGHT, clock)
    assert timed.items[0].correct is True and timed.items[0].time_ms == 60_000
    end(student, timed, clock)
    tutor = build(student, clock, size=2, pools=(rules.Pool.ALL,))
    answer(student, tutor, 1, WRONG, clock)
    answer(student, tutor, 1, RIGHT, clock, marked=True)
    assert tutor.items[0].chosen == ["B"] and tutor.items[0].marked


def test_the_deadline_closes_the_block_and_refuses_late_answers(student, sets, clock):
    block = build(student, clock, size=2, mode=rules.Mode.TIMED, seconds_per_question=60)
    start = clock.now()
    answer(student, block, 1, RIGHT, clock)
    clock.advance(seconds=125 + rules.GRACE.total_seconds())
    with write_transaction():
        late = practice.save(student, block, 2, Work(chosen=RIGHT), clock.now())
    assert late is None
    db.session.refresh(block)
    assert block.ended_at == start + timedelta(seconds=120)
    assert block.time_used_ms == 120_000
    assert block.items[1].chosen is None


def test_pausing_stops_the_clock(student, sets, clock):
    block = build(student, clock, size=2, mode=rules.Mode.TIMED, seconds_per_question=60)
    clock.advance(seconds=30)
    with write_transaction():
        practice.pause(student, block, clock.now())
    clock.advance(days=1)
    with write_transaction():
        practice.show(student, block, 2, clock.now())
    assert practice.timing_of(block).remaining(clock.now()) == timedelta(seconds=90)


def test_the_end_writes_each_answer_once_and_hands_misses_to_the_review(student, sets, clock):
    block = build(student, clock, size=4, tags=("Renal",), mode=rules.Mode.TIMED)
    miss, guess, sure, _skipped = (i.question_id for i in block.items)
    answer(student, block, 1, WRONG, clock)
    answer(student, block, 2, RIGHT, clock, guessed=True)
    answer(student, block, 3, RIGHT, clock)
    end(student, block, clock)
    end(student, block, clock)  # a second click, another tab
    logs = db.session.scalars(sa.select(ReviewLog).order_by(ReviewLog.id)).all()
    assert [(log.question_id, log.mode, log.correct) for log in logs] == [
        (miss, ReviewMode.PRACTICE, False),
        (guess, ReviewMode.PRACTICE, True),
        (sure, ReviewMode.PRACTICE, True),
    ]
    cards = {c.question_id: c for c in db.session.scalars(sa.select(CardState))}
    assert set(cards) == {miss, guess}
    assert logs[0].rating == scheduling.AGAIN and logs[1].rating == scheduling.HARD
    assert logs[2].state_after == {} and logs[2].state_before is None
    # The missed question is in the daily review, after its learning step.
    clock.advance(days=1)
    picked = study.pick_next(study.queue_for(student, clock.now()))
    assert picked is not None and picked[1] in {miss, guess}
    stats = db.session.get(UserStats, student.id)
    assert stats is not None and stats.reviews == 3 and stats.xp > 0


def test_a_missed_card_lapses_a_sure_right_one_keeps_its_schedule(student, sets, clock):
    renal = sets[1]
    first, second = (q.id for q in renal.questions[:2])
    for question_id in (first, second):  # both become review cards
        for _ in range(2):
            token = study.card_view(student, question_id, clock.now(), "s").token
            study.record_answer(student, question_id, token, ["A"], None, 5000, clock.now(), "s")
            db.session.commit()
            clock.advance(days=3)
    before = {c.question_id: (c.due, c.lapses) for c in db.session.scalars(sa.select(CardState))}
    block = build(student, clock, size=10, pools=(rules.Pool.ALL,), tags=("Renal",))
    positions = {i.question_id: i.position for i in block.items}
    answer(student, block, positions[first], WRONG, clock)
    answer(student, block, positions[second], RIGHT, clock, guessed=True)
    end(student, block, clock)
    after = {c.question_id: (c.due, c.lapses) for c in db.session.scalars(sa.select(CardState))}
    assert after[second] == before[second]
    assert after[first][1] == before[first][1] + 1


def test_the_setting_keeps_blocks_out_of_the_review(student, sets, clock):
    student.practice_into_review = False
    db.session.commit()
    block = build(student, clock, size=2)
    answer(student, block, 1, WRONG, clock)
    end(student, block, clock)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardState)) == 0


def test_no_points_for_a_question_twice_a_day_in_blocks(student, sets, clock):
    first = build(student, clock, size=1, tags=("Renal",))
    answer(student, first, 1, RIGHT, clock)
    end(student, first, clock)
    xp = db.session.get(UserStats, student.id).xp
    assert xp > 0
    again = build(student, clock, size=10, pools=(rules.Pool.ALL,), tags=("Renal",))
    position = next(i.position for i in again.items if i.question_id == first.items[0].question_id)
    clock.advance(minutes=10)
    answer(student, again, position, RIGHT, clock)
    end(student, again, clock)
    assert db.session.get(UserStats, student.id).xp == xp


def test_the_report_scores_by_tag(student, sets, clock):
    block = build(student, clock, size=10, order=rules.Order.BY_TAG)
    answer(student, block, 1, RIGHT, clock)
    answer(student, block, 2, WRONG, clock)
    end(student, block, clock)
    report = practice.report(student, block, clock.now())
    assert (report.score.correct, report.score.answered, report.score.questions) == (1, 2, 10)
    names = [t.name for t in report.by_tag]
    assert names == ["Cardiology", "Cardiology::Valves", "Renal", "Renal::Acid base"]
    assert report.by_tag[0].score.correct == 1 and report.by_tag[0].score.questions == 6
    assert report.percentile is None and report.peers_needed == rules.MIN_PEERS
    past, pages = practice.previous(student)
    assert [p.block.id for p in past] == [block.id] and pages == 1


def test_the_daily_undo_never_takes_back_a_block_answer(student, sets, clock):
    block = build(student, clock, size=1)
    answer(student, block, 1, WRONG, clock)
    end(student, block, clock)
    assert study.undo_last_answer(student, clock.now()) is None


def test_a_tag_holds_the_tags_below_it_and_no_lookalike(student, published_set, clock):
    for title, tag in (("A", "Renal_x"), ("B", "Renal%"), ("C", "Renalx"), ("D", "Renal_x::AKI")):
        enrollment.enroll(student, published_set(1, title, tags=[tag]), clock.now())
    db.session.commit()
    block = build(student, clock, tags=("Renal_x",), size=10)
    titles = {db.session.get(Question, i.question_id).question_set.title for i in block.items}
    assert titles == {"A", "D"}


def test_deleting_an_account_deletes_its_blocks(student, sets, clock):
    block = build(student, clock, size=2)
    answer(student, block, 1, WRONG, clock)
    end(student, block, clock)
    with write_transaction():
        privacy.delete_account(student, clock.now())
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(PracticeBlock.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(BlockItem.id))) == 0


def test_the_end_keeps_the_projections_a_rebuild_gives_in_bounded_statements(student, sets, clock):
    """The end takes a block's answers in one batch: points (no repeat points the same
    day), the daily tally and the set-finished badge come out as a rebuild from the log
    gives them, and its reads and writes do not grow with the number of answers."""
    cardio, renal = sets
    first = build(student, clock, tags=("Renal",), size=2, mode=rules.Mode.TIMED)
    answer(student, first, 1, RIGHT, clock)
    end(student, first, clock)
    clock.advance(minutes=5)

    counts = []
    # Renal's four again (two of them a second time today), then Cardiology's six.
    for tag, size in (("Renal", 4), ("Cardiology", 6)):
        block = build(student, clock, pools=(rules.Pool.ALL,), tags=(tag,), size=size)
        for item in block.items:
            answer(student, block, item.position, RIGHT if item.position % 2 else WRONG, clock)
        with counting_queries() as statements, write_transaction():
            practice.end(student, block, clock.now())
        counts.append(len(statements.selects) + len(statements.writes))
        clock.advance(minutes=5)
    assert counts[1] <= counts[0] + 2  # half as many answers again, not ~15 statements each

    kept = snapshot(student)
    assert "set-finished" in {code for code, _ in kept[2]}
    gamification.rebuild_user(student, clock.now())
    db.session.commit()
    assert snapshot(student) == kept


def test_the_percentile_rests_on_each_peers_first_answers_in_ended_blocks(
    student, sets, create_user, clock
):
    cardio, _ = sets
    by_key = {q.id: n for n, q in enumerate(cardio.questions)}

    def take(user, right_first, end_it=True):
        """A block of all six Cardio questions: the first ``right_first`` of them right."""
        block = build(user, clock, tags=("Cardiology",), size=6, pools=(rules.Pool.ALL,))
        for item in block.items:
            chosen = RIGHT if by_key[item.question_id] < right_first else WRONG
            answer(user, block, item.position, chosen, clock)
        if end_it:
            end(user, block, clock)
        return block

    # Five peers scoring 1 to 5 of 6 first time; the fifth's later, perfect block changes
    # nothing (first answers only), and a sixth peer's block in progress is not counted.
    for n in range(1, 6):
        peer = create_user(email=f"peer{n}@example.edu")
        enrollment.enroll(peer, cardio, clock.now())
        take(peer, n)
        if n == 5:
            clock.advance(minutes=5)
            take(peer, 6)
    unfinished = create_user(email="unfinished@example.edu")
    enrollment.enroll(unfinished, cardio, clock.now())
    take(unfinished, 6, end_it=False)

    mine = take(student, 4)  # 4 of 6: above peers 1-3, level with peer 4, below peer 5
    report = practice.report(student, mine, clock.now())
    # (3 below + (1 level + 1 self) / 2) / 6 students = 67th
    assert report.percentile == rules.Percentile(rank=67, students=6)
    assert report.peers_needed == 0


def test_a_block_from_a_short_pool_is_timed_for_the_questions_it_holds(student, sets, clock):
    block = build(
        student, clock, tags=("Renal",), size=40, mode=rules.Mode.TIMED, seconds_per_question=60
    )
    assert len(block.items) == 4 and block.time_limit_s == 4 * 60
