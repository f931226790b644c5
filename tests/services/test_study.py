import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from qbank.database import write_transaction
from qbank.extensions import db
from qbank.models import CardState, Enrollment, ReviewLog, Visibility
from qbank.services import enrollment, reports, study
from qbank.services import question_bank as bank
from tests.support import review_card

SECRET = "test-secret"


@pytest.fixture
def student(create_user):
    return create_user(email="student@example.edu", timezone="Europe/Berlin")


def answer(student, question_id, now, rating=None, chosen=("A",), **kw):
    token = study.card_view(student, question_id, now, SECRET).token
    log, _fresh = study.record_answer(
        student, question_id, token, list(chosen), rating, 5000, now, SECRET, **kw
    )
    db.session.commit()
    return log


def next_question(student, now):
    pick = study.pick_next(study.queue_for(student, now))
    return pick[1] if pick else None


def test_enrolling_in_a_large_set_creates_no_card_state(student, published_set, clock):
    question_set = published_set(60)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardState)) == 0
    queue = study.queue_for(student, clock.now())
    assert len(queue.new) == 20  # the default daily new limit
    assert queue.total == 20


def test_new_cards_stop_at_the_daily_limit_and_return_after_the_rollover(
    student, published_set, clock
):
    student.new_cards_per_day = 3
    enrollment.enroll(student, published_set(10), clock.now())
    db.session.commit()
    for _ in range(3):
        answer(student, next_question(student, clock.now()), clock.now())
    queue = study.queue_for(student, clock.now())
    assert queue.new == [] and queue.today.new_done == 3
    # Berlin is UTC+1 in March: the day rolls over at 04:00 local = 03:00 UTC.
    clock.set(datetime(2026, 3, 3, 2, 59, tzinfo=UTC))
    assert study.queue_for(student, clock.now()).new == []
    clock.set(datetime(2026, 3, 3, 3, 0, tzinfo=UTC))
    assert len(study.queue_for(student, clock.now()).new) == 3


def test_learning_steps_come_first_when_due(student, published_set, clock):
    enrollment.enroll(student, published_set(5), clock.now())
    db.session.commit()
    first = next_question(student, clock.now())
    answer(student, first, clock.now(), chosen=("B",))  # wrong: Again, due in 1 minute
    assert next_question(student, clock.now()) != first
    clock.advance(minutes=1)
    assert next_question(student, clock.now()) == first


def test_overdue_reviews_come_most_overdue_for_their_interval_first(student, published_set, clock):
    question_set = published_set(3)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    ids = [q.id for q in question_set.questions]
    now = clock.now()
    today = study.today_for(student, now).day
    # (interval, days overdue): 2 late on a 60-day interval, 2 on 4, 1 on 10.
    for qid, interval, late in ((ids[0], 60, 2), (ids[1], 4, 2), (ids[2], 10, 1)):
        due_day = today - timedelta(days=late)
        db.session.add(
            CardState(
                user_id=student.id,
                question_id=qid,
                state=2,
                step=None,
                stability=float(interval),
                difficulty=5.0,
                due=now - timedelta(days=late),
                due_day=due_day,
                last_review=now - timedelta(days=interval + late),
                last_review_day=due_day - timedelta(days=interval),
                reps=3,
            )
        )
    db.session.commit()
    queue = study.queue_for(student, now)
    assert [c.question_id for c in queue.reviews] == [ids[1], ids[2], ids[0]]


def test_suspended_buried_retired_and_unenrolled_cards_never_appear(student, published_set, clock):
    question_set = published_set(4)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    q = [x.id for x in question_set.questions]
    study.set_suspended(student, q[0], True, clock.now())
    study.bury(student, q[1], clock.now())
    bank.retire_question(question_set.questions[2], True, clock.now())
    db.session.commit()
    queue = study.queue_for(student, clock.now())
    assert queue.new == [q[3]] and queue.learning == []
    clock.advance(days=1)
    assert q[1] in [c.question_id for c in study.queue_for(student, clock.now()).learning]
    enrollment.unenroll(student, question_set, clock.now())
    db.session.commit()
    assert study.queue_for(student, clock.now()).remaining == 0


def test_an_answer_writes_one_review_and_the_card_state(student, published_set, clock):
    enrollment.enroll(student, published_set(1), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    log = answer(student, qid, clock.now(), chosen=("A",))
    state = db.session.scalar(sa.select(CardState))
    assert (log.correct, log.rating, log.chosen, log.state_before) == (True, 3, ["A"], None)
    assert state.reps == 1 and state.due == clock.now() + timedelta(minutes=10)
    assert log.state_after["due"] == state.due.isoformat()


def test_the_same_token_records_once_and_an_old_token_is_refused(student, published_set, clock):
    enrollment.enroll(student, published_set(1), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    token = study.card_view(student, qid, clock.now(), SECRET).token
    first, fresh = study.record_answer(student, qid, token, ["A"], None, 1, clock.now(), SECRET)
    again, fresh_again = study.record_answer(
        student, qid, token, ["B"], None, 1, clock.now(), SECRET
    )
    db.session.commit()
    assert fresh and not fresh_again and again.id == first.id
    clock.advance(minutes=10)
    other_tab_token = token.replace(token[0], "f" if token[0] != "f" else "e", 1)
    with pytest.raises(study.StaleCard):
        study.record_answer(student, qid, other_tab_token, ["A"], None, 1, clock.now(), SECRET)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 1


def test_undo_restores_the_card_and_keeps_the_log(student, published_set, clock):
    enrollment.enroll(student, published_set(1), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    first = answer(student, qid, clock.now())
    clock.advance(minutes=10)
    before = (lambda s: (s.state, s.step, s.due, s.reps))(db.session.scalar(sa.select(CardState)))
    second = answer(student, qid, clock.now())
    undone = study.undo_last_answer(student, clock.now())
    db.session.commit()
    assert undone.id == second.id and undone.undone_at == clock.now()
    state = db.session.scalar(sa.select(CardState))
    assert (state.state, state.step, state.due, state.reps) == before
    # The card can be answered again, with a fresh token.
    third = answer(student, qid, clock.now())
    assert third.id not in (first.id, second.id)
    assert study.today_for(student, clock.now()).done == 2  # the undone answer does not count


def test_an_undo_planned_before_the_lock_gives_what_a_full_replay_gives(
    student, published_set, clock
):
    from qbank.services.gamification import rebuild_user
    from tests.projection_helpers import snapshot

    enrollment.enroll(student, published_set(4), clock.now())
    db.session.commit()
    for _ in range(6):
        answer(student, next_question(student, clock.now()), clock.now())
        clock.advance(minutes=11)
    plan = study.plan_undo(student)
    undone = study.undo_last_answer(student, clock.now(), plan)
    planned = snapshot(student)
    rebuild_user(student, clock.now())
    assert undone.id == plan.log_id and snapshot(student) == planned

    stale = study.plan_undo(student)  # then another answer comes in before the lock
    latest = answer(student, next_question(student, clock.now()), clock.now())
    undone = study.undo_last_answer(student, clock.now(), stale)
    replayed_in_the_lock = snapshot(student)
    rebuild_user(student, clock.now())
    assert undone.id == latest.id and snapshot(student) == replayed_in_the_lock
    assert stale.log_id != latest.id


def test_undoing_a_first_answer_makes_the_card_new_again(student, published_set, clock):
    enrollment.enroll(student, published_set(1), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    answer(student, qid, clock.now())
    study.undo_last_answer(student, clock.now())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardState)) == 0
    assert study.queue_for(student, clock.now()).new == [qid]


def test_flashcards_take_the_students_rating(student, published_set, clock):
    from qbank.models import QuestionKind

    enrollment.enroll(
        student, published_set(1, kind=QuestionKind.FLASHCARD, options=[]), clock.now()
    )
    db.session.commit()
    qid = next_question(student, clock.now())
    with pytest.raises(study.StudyError, match="Again, Hard, Good or Easy"):
        answer(student, qid, clock.now(), rating=None, chosen=())
    db.session.rollback()
    log = answer(student, qid, clock.now(), rating=4, chosen=())
    assert (log.rating, log.correct) == (4, True)


def test_confirmed_ratings_apply_only_to_right_answers(student, published_set, clock):
    student.confirm_rating = True
    enrollment.enroll(student, published_set(2), clock.now())
    db.session.commit()
    right = answer(student, next_question(student, clock.now()), clock.now(), rating=2)
    wrong = answer(
        student, next_question(student, clock.now()), clock.now(), rating=4, chosen=("C",)
    )
    assert (right.rating, wrong.rating) == (2, 1)


def test_reports_reach_the_set(student, published_set, clock):
    question_set = published_set(1)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    qid = question_set.questions[0].id
    with pytest.raises(reports.ReportRefused):
        reports.report_question(student, qid, "nonsense", "", clock.now())
    report = reports.report_question(student, qid, "wrong_key", "B is right", clock.now())
    assert report.question_version_id == bank.current_version(question_set.questions[0]).id


def test_cohort_members_receive_assigned_sets(student, create_user, published_set, clock):
    from qbank.services.cohorts import add_faculty, add_member, create_cohort

    cohort = create_cohort("Year 1", create_user(), "UTC", clock.now())
    add_member(cohort, student, clock.now())
    question_set = published_set(2, title="Assigned")
    add_faculty(cohort, question_set.owner, student, clock.now())
    bank.update_set(
        question_set,
        "Assigned",
        "",
        Visibility.COHORTS,
        [cohort.id],
        question_set.owner,
        clock.now(),
    )
    newcomer = create_user()
    add_member(cohort, newcomer, clock.now())
    db.session.commit()
    enrolled = set(db.session.scalars(sa.select(Enrollment.user_id)))
    assert {student.id, newcomer.id} <= enrolled
    assert len(study.queue_for(student, clock.now()).new) == 2


def test_two_tabs_answering_at_once_record_one_review(app, student, published_set, clock):
    enrollment.enroll(student, published_set(1), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    token = study.card_view(student, qid, clock.now(), SECRET).token
    student_id, now = student.id, clock.now()
    outcomes, barrier = [], threading.Barrier(2)

    def tab():
        with app.app_context():
            try:
                me = db.session.get(type(student), student_id)
                barrier.wait()
                with write_transaction():
                    study.lock_student(me)
                    _, fresh = study.record_answer(me, qid, token, ["A"], None, 1, now, SECRET)
                outcomes.append(fresh)
            except study.StaleCard:
                outcomes.append("stale")
            except Exception as exc:
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) in (["False", "True"], ["True", "stale"])
    db.session.commit()  # leave this test's own snapshot to see what the tabs wrote
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 1


def test_the_counted_queue_matches_the_listed_one(student, published_set, clock):
    """queue_size counts in SQL what queue_for lists: through new, learning, review,
    the daily caps, suspension, burying and leaving a set."""

    def same():
        now = clock.now()
        listed, counted = study.queue_for(student, now).size, study.queue_size(student, now)
        assert counted == listed
        return counted

    first, second = published_set(8, title="First"), published_set(4, title="Second")
    student.new_cards_per_day, student.max_reviews_per_day = 6, 3
    enrollment.enroll(student, first, clock.now())
    enrollment.enroll(student, second, clock.now())
    db.session.commit()
    assert same().new == 6
    answered = []
    for n in range(6):  # every new card of the day; some wrong, so some in learning
        qid = next_question(student, clock.now())
        answer(student, qid, clock.now(), chosen=("A",) if n % 2 else ("B",))
        answered.append(qid)
        same()
    clock.advance(minutes=30)
    assert same().learning > 0 and same().new == 0
    for _ in range(20):  # through the learning steps, right every time
        qid = next_question(student, clock.now())
        if qid is None:
            break
        answer(student, qid, clock.now())
        clock.advance(minutes=30)
        same()
    clock.advance(days=30)  # a later day: every card a due review, capped at 3
    size = same()
    assert size.learning == 0 and size.reviews == 3 and size.new == 0  # new cards wait
    student.new_cards_wait_for_reviews = False
    db.session.commit()
    size = same()
    assert size.learning == 0 and size.reviews == 3 and size.new == 6
    student.max_reviews_per_day = 100
    db.session.commit()
    assert same().reviews == 6
    study.set_suspended(student, answered[0], True, clock.now())
    study.bury(student, answered[1], clock.now())
    db.session.commit()
    assert same().reviews == 4
    enrollment.unenroll(student, second, clock.now())
    db.session.commit()
    assert same().new == 2  # only the first set's two unseen questions are left


def test_an_answer_in_a_mode_no_projection_counts_is_logged_and_changes_nothing_else(
    student, published_set, clock, monkeypatch
):
    from qbank.domain import modes
    from qbank.models import UserStats
    from qbank.services import stats

    question_set = published_set(2)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    now = clock.now()
    question_id = next_question(student, now)
    log = answer(student, question_id, now, mode=modes.ReviewMode.CRAM)
    assert log.mode == "cram"
    assert study.state_of(student, question_id) is None  # card state counts review only
    totals = db.session.get(UserStats, student.id)
    assert totals is None or totals.reviews == 0  # nor do points
    assert stats.student_stats(student, now).reviews_last_year == 0
    # Counted by the projections that list it: here, the statistics.
    counted = {**modes.COUNTED_MODES, modes.Projection.STATS: frozenset(modes.ReviewMode)}
    monkeypatch.setattr(modes, "COUNTED_MODES", counted)
    monkeypatch.setattr("qbank.models.study.COUNTED_MODES", counted)
    assert stats.student_stats(student, now).reviews_last_year == 1


def test_a_move_west_never_brings_a_review_before_the_study_day_it_was_due(
    student, published_set, clock
):
    enrollment.enroll(student, published_set(1), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    answer(student, qid, clock.now(), rating=4, chosen=("A",))  # a first answer: a step
    clock.advance(minutes=10)
    answer(student, qid, clock.now())  # graduates to review, due on a later study day
    state = db.session.scalar(sa.select(CardState))
    assert state.state == 2 and state.due_day is not None
    # 06:00 in Berlin on the day it is due is 21:00 the evening before in Los Angeles.
    berlin_morning = datetime.combine(state.due_day, datetime.min.time(), tzinfo=UTC)
    berlin_morning += timedelta(hours=5)
    clock.set(berlin_morning)
    assert qid in [c.question_id for c in study.queue_for(student, clock.now()).reviews]
    student.timezone = "America/Los_Angeles"
    db.session.commit()
    assert study.queue_for(student, clock.now()).reviews == []
    clock.advance(hours=8)  # 05:00 in Los Angeles: its study day has come there too
    assert qid in [c.question_id for c in study.queue_for(student, clock.now()).reviews]


def test_learning_steps_do_not_use_up_the_review_limit(student, published_set, clock):
    enrollment.enroll(student, published_set(2), clock.now())
    db.session.commit()
    qid = next_question(student, clock.now())
    answer(student, qid, clock.now(), chosen=("B",))  # wrong: a step in a minute
    clock.advance(minutes=1)
    answer(student, qid, clock.now(), chosen=("B",))  # the step, wrong again
    today = study.today_for(student, clock.now())
    assert (today.new_done, today.reviews_done, today.steps_done) == (1, 0, 1)
    assert today.done == 2


def test_a_backlog_says_how_long_it_takes_and_spreads_over_the_days_chosen(
    student, published_set, clock
):
    from qbank.services.study import backlog

    question_set = published_set(12)
    enrollment.enroll(student, question_set, clock.now())
    db.session.commit()
    now = clock.now()
    today = study.today_for(student, now).day
    for n, question in enumerate(question_set.questions):  # 12 reviews, 1 to 12 days late
        review_card(student, question, now, 10.0, n + 11, -(n + 1))
    student.max_reviews_per_day = 5
    db.session.commit()
    assert study.queue_for(student, now).behind == 7
    assert backlog.backlog_of(student, now) == backlog.Backlog(due=12, limit=5, days=3)
    plan = backlog.plan_spread(student, now, 4)
    assert [(p.backlog, p.already_due) for p in plan] == [(3, 0), (3, 0), (3, 0), (3, 0)]
    assert backlog.spread_backlog(student, now, 4) == 9
    db.session.commit()
    queue = study.queue_for(student, now)
    assert len(queue.reviews) == 3 and queue.behind == 0
    # The most overdue stay today; the others come back over the next three days.
    assert {c.question_id for c in queue.reviews} == {q.id for q in question_set.questions[-3:]}
    later = sorted(d for d in db.session.scalars(sa.select(CardState.due_day)) if d > today)
    assert later == [today + timedelta(days=1 + n // 3) for n in range(9)]


def test_a_step_due_in_minutes_is_learnt_ahead_when_the_review_limit_is_reached(
    student, published_set, clock
):
    question_set = published_set(2)
    enrollment.enroll(student, question_set, clock.now())
    student.max_reviews_per_day = 0
    db.session.commit()
    learning, review = sorted(question_set.questions, key=lambda q: q.position)
    now = clock.now()
    review_card(student, review, now, 5.0, 6, -1)
    db.session.commit()
    answer(student, learning.id, now)  # Good: its next step in 10 minutes
    queue = study.queue_for(student, now)
    assert [c.question_id for c in queue.learning] == [learning.id]  # not "all done"
    assert queue.reviews == [] and queue.behind == 1
    assert study.queue_size(student, now).learning == 1
