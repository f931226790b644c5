"""The statistics page: a student's figures and charts, for signed-in users only."""

from __future__ import annotations

import re
from datetime import timedelta

from qbank.extensions import db
from qbank.models import (
    CardState,
    Enrollment,
    Question,
    QuestionSet,
    QuestionVersion,
    ReviewLog,
    Role,
    Tag,
)


def studied_question(student, owner, now, tag="Cardiology"):
    question_set = QuestionSet(
        owner_id=owner.id,
        title="Heart",
        visibility="public",
        published=True,
        created_at=now,
        updated_at=now,
    )
    question = Question(question_set=question_set, created_at=now, tags=[Tag(name=tag)])
    question.versions.append(
        QuestionVersion(number=1, kind="flashcard", stem="Front", created_at=now)
    )
    db.session.add(question)
    db.session.flush()
    db.session.add(Enrollment(user_id=student.id, set_id=question_set.id, enrolled_at=now))
    return question


def review(student, question, when, token, **fields):
    values = {
        "correct": True,
        "rating": 3,
        "time_taken_ms": 30_000,
        "state_before": {"state": 2},
        **fields,
    }
    db.session.add(
        ReviewLog(
            user_id=student.id,
            question_id=question.id,
            question_version_id=question.versions[0].id,
            reviewed_at=when,
            answer_token=token,
            state_after={"state": 2},
            **values,
        )
    )


def test_stats_page_needs_a_login(client):
    response = client.get("/stats/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_new_student_sees_friendly_empty_states(client, auth, create_user):
    auth.login(create_user().email)
    page = client.get("/stats/").get_data(as_text=True)
    assert "No reviews yet: your heatmap fills in as you study." in page
    assert "Nothing is due yet" in page
    assert "No reviews of learned cards yet" in page
    assert "No cards yet" in page
    assert "No tagged questions answered yet" in page
    assert "<svg" not in page


def test_the_page_shows_the_students_figures_and_charts(client, auth, create_user, clock):
    student = create_user(timezone="UTC", rollover_hour=4, desired_retention=0.9)
    owner = create_user(role=Role.FACULTY)
    now = clock.now()
    question = studied_question(student, owner, now, tag="<b>Valves</b>")
    db.session.add(
        CardState(user_id=student.id, question_id=question.id, state=2, stability=30.0, due=now)
    )
    review(student, question, now, "a", time_taken_ms=5 * 60_000)  # counts a minute
    review(student, question, now - timedelta(days=3), "b", rating=1, correct=False)
    review(student, question, now, "c", undone_at=now)
    db.session.commit()
    auth.login(student.email)

    response = client.get("/stats/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/static/css/stats.css' in page
    assert page.count("<svg") == 4
    assert "2 answers on 2 days in the last 12 months." in page
    assert "1 review on 2 March 2026" in page
    assert '<span class="value">1 min</span><span class="label">studied today' in page
    assert "1 due today, overdue included" in page
    assert "50.0% of 2" in page  # retention: one recalled of two
    assert "against your target of 90%" in page
    assert re.search(r"<dt>Mature</dt><dd>1</dd>", page)
    assert "&lt;b&gt;Valves&lt;/b&gt;" in page and "<b>Valves" not in page
    assert "style=" not in page.split("<main", 1)[1]


def test_the_page_shows_only_the_signed_in_students_figures(client, auth, create_user, clock):
    student, classmate = create_user(), create_user()
    owner = create_user(role=Role.FACULTY)
    question = studied_question(classmate, owner, clock.now())
    review(classmate, question, clock.now(), "a")
    db.session.commit()
    auth.login(student.email)
    page = client.get("/stats/").get_data(as_text=True)
    assert "No reviews yet: your heatmap fills in as you study." in page
