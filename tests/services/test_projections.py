"""The projections kept on every answer equal the ones rebuilt from the review log."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbank.domain.days import study_day
from qbank.domain.gamification import Goal
from qbank.extensions import db
from qbank.models import Role, Visibility
from qbank.services import enrollment, gamification, study
from qbank.services import question_bank as bank
from tests.bank_helpers import sba
from tests.projection_helpers import snapshot

SECRET = "projections"
ZONES = ["UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"]
counter = itertools.count()

steps = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.integers(0, 1), st.booleans(), st.integers(500, 90_000)),
        st.tuples(st.just("wait"), st.sampled_from([1, 3, 30, 60 * 5, 60 * 20, 60 * 30, 60 * 50])),
        st.tuples(st.just("undo"), st.integers(0, 1)),
        st.tuples(st.just("zone"), st.integers(0, 1), st.sampled_from(ZONES)),
        st.tuples(
            st.just("goal"),
            st.integers(0, 1),
            st.sampled_from(["answers", "all_due"]),
            st.integers(1, 3),
        ),
    ),
    min_size=5,
    max_size=60,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_incremental_projections_equal_the_rebuilt_ones(app, create_user, clock, history):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("one engine is enough for the fold; the SQL is the same on both")
    n = next(counter)
    owner = create_user(role=Role.FACULTY, email=f"owner{n}@example.edu")
    question_set = bank.create_set(owner, f"Set {n}", "", clock.now())
    tags = bank.tags_named({"T"})
    for i in range(6):
        bank.add_question(question_set, sba(i, tags=["T"]), owner, clock.now(), i, tags, [])
    db.session.flush()
    bank.update_set(question_set, question_set.title, "", Visibility.PUBLIC, [], owner, clock.now())
    bank.publish_set(question_set, True, clock.now())
    students = [
        create_user(email=f"s{n}-{k}@example.edu", daily_goal="answers", daily_goal_answers=2)
        for k in range(2)
    ]
    for student in students:
        enrollment.enroll(student, question_set, clock.now())
    db.session.commit()

    for step in history:
        kind = step[0]
        if kind == "wait":
            clock.advance(minutes=step[1])
        elif kind == "zone":
            students[step[1]].timezone = step[2]
        elif kind == "goal":
            student = students[step[1]]
            today = study_day(clock.now(), student.timezone, student.rollover_hour)
            gamification.change_daily_goal(student, Goal(step[2], step[3]), today)
        elif kind == "undo":
            study.undo_last_answer(students[step[1]], clock.now())
        else:
            student, correct, think = students[step[1]], step[2], step[3]
            pick = study.pick_next(study.queue_for(student, clock.now()))
            if pick is None:
                continue
            question_id = pick[1]
            token = study.answer_token(
                SECRET, student, question_id, study.last_log_id(student, question_id)
            )
            study.record_answer(
                student,
                question_id,
                token,
                ["A" if correct else "B"],
                None,
                think,
                clock.now(),
                SECRET,
            )
            clock.advance(seconds=max(1, think // 1000))
        db.session.commit()

    for student in students:
        incremental = snapshot(student)
        gamification.rebuild_user(student, clock.now())
        db.session.commit()
        assert snapshot(student) == incremental
