"""Blocks set for a cohort, through the pages: the author picks questions and sets one,
members find it on their dashboard and take it, the author reads the class report."""

from __future__ import annotations

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import BlockAssignment, PracticeBlock
from tests.bank_helpers import cohort_studying

DUE = "2026-03-09"  # a week after the test clock's day


def set_up(published_set, create_user, clock, members=6):
    question_set = published_set(6, "Valves", tags=["Cardiology::Valves"])
    cohort, author, students = cohort_studying(question_set, create_user, clock.now(), members)
    return question_set, cohort, author, students


def set_block(auth, cohort, question_set, question_ids, **fields):
    page = f"/sets/cohorts/{cohort.id}/blocks/new"
    data = {
        "title": "Week 3: valves",
        "set": question_set.id,
        "question": question_ids,
        "mode": "timed",
        "seconds": "60",
        "due": DUE,
        **fields,
    }
    return auth.post(page, data, form_page=page)


def test_the_author_picks_questions_and_sets_a_block(
    client, auth, published_set, create_user, clock
):
    question_set, cohort, author, _ = set_up(published_set, create_user, clock)
    auth.login(author.email)

    picker = client.get(f"/sets/cohorts/{cohort.id}/blocks/new")
    assert picker.status_code == 200
    page = picker.get_data(as_text=True)
    ids = [q.id for q in question_set.questions]
    assert all(f'name="question" value="{qid}"' in page for qid in ids)
    assert 'option value="Cardiology::Valves"' in page

    refused = set_block(auth, cohort, question_set, [])
    assert refused.status_code == 422
    assert "you chose 0" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BlockAssignment)) == 0

    made = set_block(auth, cohort, question_set, ids[:2], all_shown="", title="")
    assert made.status_code == 422  # no title: said at the top of the form and by the field
    page = made.get_data(as_text=True)
    assert "Nothing was set: see the fields marked below." in page
    assert "Give the block a title." in page
    made = set_block(auth, cohort, question_set, [ids[3], ids[1]])
    assert made.status_code == 302
    assignment = db.session.scalar(sa.select(BlockAssignment))
    assert [q.question_id for q in assignment.questions] == [ids[3], ids[1]]  # as sent
    report = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Week 3: valves" in report
    assert "due by the end of 9 March 2026 (Europe/London)" in report
    assert "Scores show once 5 members have finished" in report
    cohort_page = client.get(f"/sets/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Blocks you set for this cohort" in cohort_page
    assert "0 of 7" in cohort_page


def test_every_question_listed_under_a_tag(client, auth, published_set, create_user, clock):
    question_set, cohort, author, _ = set_up(published_set, create_user, clock)
    auth.login(author.email)
    made = set_block(auth, cohort, question_set, [], all_shown="y", tag="Cardiology")
    assert made.status_code == 302
    assignment = db.session.scalar(sa.select(BlockAssignment))
    assert len(assignment.questions) == 6


def test_members_take_it_from_their_dashboard(client, auth, published_set, create_user, clock):
    question_set, cohort, author, students = set_up(published_set, create_user, clock)
    auth.login(author.email)
    set_block(auth, cohort, question_set, [q.id for q in question_set.questions[:3]])
    assignment = db.session.scalar(sa.select(BlockAssignment))
    auth.logout()

    member = students[1]
    auth.login(member.email)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Blocks set for you" in dashboard
    assert f'href="/practice/assigned/{assignment.id}"' in dashboard
    details = client.get(f"/practice/assigned/{assignment.id}").get_data(as_text=True)
    assert "3 questions, the same for every member" in details
    assert "60 seconds per question, 3 min in all" in details

    started = auth.post(
        f"/practice/assigned/{assignment.id}/start",
        {},
        form_page=f"/practice/assigned/{assignment.id}",
    )
    block = db.session.scalar(sa.select(PracticeBlock).where(PracticeBlock.user_id == member.id))
    assert started.headers["Location"] == f"/practice/blocks/{block.id}"
    assert block.time_limit_s == 180 and block.mode == "timed"
    question = client.get(f"/practice/blocks/{block.id}/1")
    assert question.status_code == 200
    ended = auth.post(
        f"/practice/blocks/{block.id}/end", {}, form_page=f"/practice/blocks/{block.id}/end"
    )
    assert ended.headers["Location"] == f"/practice/blocks/{block.id}/report"
    details = client.get(f"/practice/assigned/{assignment.id}").get_data(as_text=True)
    assert "You finished this block" in details
    assert f'href="/practice/blocks/{block.id}/report"' in details
    # A student of another cohort finds nothing there.
    auth.logout()
    auth.login(create_user(email="elsewhere@example.edu").email)
    assert client.get(f"/practice/assigned/{assignment.id}").status_code == 404


def test_the_class_report_shows_figures_never_names(
    client, auth, published_set, create_user, clock
):
    question_set, cohort, author, students = set_up(published_set, create_user, clock)
    auth.login(author.email)
    set_block(auth, cohort, question_set, [q.id for q in question_set.questions[:2]])
    assignment = db.session.scalar(sa.select(BlockAssignment))
    auth.logout()
    for student in students[:5]:
        auth.login(student.email)
        start = f"/practice/assigned/{assignment.id}/start"
        auth.post(start, {}, form_page=f"/practice/assigned/{assignment.id}")
        block = db.session.scalar(
            sa.select(PracticeBlock).where(PracticeBlock.user_id == student.id)
        )
        auth.post(
            f"/practice/blocks/{block.id}/1",
            {"chosen": "A", "go": "end", "shown": ""},
            form_page=f"/practice/blocks/{block.id}/1",
        )
        auth.post(
            f"/practice/blocks/{block.id}/end", {}, form_page=f"/practice/blocks/{block.id}/end"
        )
        auth.logout()

    auth.login(author.email)
    page = client.get(f"/sets/cohorts/{cohort.id}/blocks/{assignment.id}").get_data(as_text=True)
    assert '5 <small class="muted">of 7</small>' in page
    assert "Members by score" in page  # the chart of score bands
    assert "median score (mean 50%)" in page
    assert '<td data-label="Right">100%</td>' in page
    assert '<td data-label="Right">0%</td>' in page  # the second was never answered
    assert not any(s.email.split("@")[0] in page for s in students)
