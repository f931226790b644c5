"""Practice blocks as a browser drives them without JavaScript: the builder and its
counts, the exam screen's buttons, the end's warning, the report, pause and resume, the
deadline, and another student's block."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from qbank import create_app
from qbank.extensions import db
from qbank.models import BlockItem, CardState, PracticeBlock, ReviewLog
from tests.support import CSRF_RE, app_settings, csrf_token
from tests.views.study_pages import enroll


def start(auth, **choices):
    form = {"sent": "1", "pool": "unused", "size": "4", "mode": "tutor", **choices}
    return auth.post("/practice/", form, form_page="/practice/")


def the_block() -> PracticeBlock:
    return db.session.scalars(sa.select(PracticeBlock)).one()


def send(client, block, position, page=None, **work):
    """Press a button of question ``position``'s form, with its hidden fields."""
    url = f"/practice/blocks/{block.id}/{position}"
    page = page or client.get(url).get_data(as_text=True)
    shown = re.search(r'name="shown" value="([^"]+)"', page)
    token = CSRF_RE.search(page)
    assert token and shown, f"no form on {url}"
    data = {"csrf_token": token.group(1) or token.group(2), "shown": shown.group(1)}
    return client.post(url, data={**data, **work})


def item(block, position) -> BlockItem:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(BlockItem).where(BlockItem.block_id == block.id, BlockItem.position == position)
    ).one()


def test_the_builder_counts_each_source_and_pool(client, auth, student, published_set):
    enroll(auth, published_set(3, "Cardio", tags=["Cardiology::Valves"]))
    enroll(auth, published_set(2, "Renal", tags=["Renal"]))
    page = client.get("/practice/").get_data(as_text=True)
    assert "<h1>Practice block</h1>" in page
    assert re.search(r'value="unused" checked> Unused <span class="count">5</span>', page)
    assert re.search(r'> Valves <span class="count">3</span>', page)  # a second-level tag
    assert "5 questions</strong> of your chosen sets and tags are in these pools" in page

    # "Update counts" sends the same form by GET: the counts follow the choices.
    renal_only = client.get("/practice/?sent=1&pool=unused&tag=Renal&size=40")
    assert "2 questions</strong> of your chosen sets" in renal_only.get_data(as_text=True)
    assert "the block will hold 2" in renal_only.get_data(as_text=True)
    assert 'href="/practice/"' in client.get("/dashboard").get_data(as_text=True)  # menu


def test_a_refused_block_says_why_and_saves_nothing(client, auth, student, published_set):
    enroll(auth, published_set(2, "Cardio"))
    for choices, message in [
        ({"pool": "marked"}, "No question of your chosen sets and tags is in those pools."),
        ({"size": "500"}, "A block holds 1 to 120 questions; you asked for 500."),
        ({"pool": []}, "Choose at least one pool"),
        ({"mode": "timed", "seconds": "3"}, "Time per question is 10 to 600 seconds."),
    ]:
        response = start(auth, **choices)
        assert response.status_code == 422, choices
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PracticeBlock.id))) == 0
    assert client.post("/practice/", data={"pool": "unused"}).status_code == 400  # no CSRF


def test_tutor_mode_shows_the_answer_after_each_question(client, auth, student, published_set):
    enroll(auth, published_set(2, "Cardio"))
    response = start(auth, size="2")
    block = the_block()
    assert response.headers["Location"] == f"/practice/blocks/{block.id}/1"
    page = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    assert "Question 1</strong> of 2" in page and "Submit answer" in page
    assert 'aria-label="Question 2, unanswered"' in page

    saved = send(client, block, 1, page, chosen="B", go="1", notes="check the murmur")
    assert saved.headers["Location"] == f"/practice/blocks/{block.id}/1"
    shown = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    assert "Not quite" in shown and "Correct answer" in shown and "Submit answer" not in shown
    assert "check the murmur" in shown
    # The first answer is final in tutor mode: sending another changes nothing.
    send(client, block, 1, chosen="A", go="2")
    assert item(block, 1).chosen == ["B"] and item(block, 1).correct is False


def test_timed_mode_reveals_nothing_until_the_end_then_reports(
    client, auth, student, published_set, clock
):
    enroll(auth, published_set(3, "Cardio", tags=["Cardiology::Valves"]))
    start(auth, size="3", mode="timed", seconds="90")
    block = the_block()
    page = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    assert 'data-remaining="270"' in page and "4:30" in page
    send(client, block, 1, page, chosen="B", struck="C", go="2")
    page2 = client.get(f"/practice/blocks/{block.id}/2").get_data(as_text=True)
    assert "Not quite" not in page2
    send(client, block, 2, page2, chosen="A", marked="1", guessed="1", go="3")
    assert item(block, 1).struck == ["C"] and item(block, 2).marked
    # Timed mode: an answer may change until the block ends.
    send(client, block, 1, chosen="A", go="end")
    send(client, block, 1, chosen="B", go="end")
    assert item(block, 1).chosen == ["B"]

    warning = client.get(f"/practice/blocks/{block.id}/end").get_data(as_text=True)
    assert "1 question not answered" in warning and "1 question marked for review" in warning
    ended = auth.post(
        f"/practice/blocks/{block.id}/end", {}, form_page=f"/practice/blocks/{block.id}/end"
    )
    assert ended.headers["Location"] == f"/practice/blocks/{block.id}/report"
    report = client.get(f"/practice/blocks/{block.id}/report").get_data(as_text=True)
    assert "1 of 3 right" in report and "33%" in report
    assert "Cardiology" in report and "Valves" in report  # by tag, two levels
    # Letters as the student saw them (options are shuffled per student).
    mine = re.findall(r"Yours (\S+) · key (\S+)", report)
    assert len(mine) == 3 and mine[0][0] != mine[0][1] and mine[1][0] == mine[1][1]
    assert mine[2][0] == "\N{EN DASH}" and "Not answered" in report
    assert "percentile: 5 more students needed" in report
    assert "in your daily reviews now" in report
    # The miss and the guess wait in the review; the block is over for every route.
    cards = set(db.session.scalars(sa.select(CardState.question_id)))
    assert cards == {item(block, 1).question_id, item(block, 2).question_id}
    for url in (f"/practice/blocks/{block.id}/2", f"/practice/blocks/{block.id}/end"):
        assert client.get(url).headers["Location"] == f"/practice/blocks/{block.id}/report"
    again = send(client, block, 2, page=page2, chosen="B", go="3")
    assert again.headers["Location"] == f"/practice/blocks/{block.id}/report"
    assert item(block, 2).chosen == ["A"]
    listed = client.get("/practice/previous").get_data(as_text=True)
    assert "1 of 3 (33%)" in listed and f'href="/practice/blocks/{block.id}/report"' in listed


def test_pause_stops_the_clock_and_the_dashboard_offers_resume(
    client, auth, student, published_set, clock
):
    enroll(auth, published_set(2, "Cardio"))
    start(auth, size="2", mode="timed", seconds="60")
    block = the_block()
    clock.advance(seconds=30)
    paused = send(client, block, 1, chosen="A", go="pause")
    assert paused.headers["Location"] == "/practice/"
    clock.advance(hours=3)  # away: the paused clock does not run
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Block in progress:" in dashboard and "paused" in dashboard
    builder = client.get("/practice/").get_data(as_text=True)
    assert "Resume block" in builder and "One block at a time" in builder
    assert start(auth, size="1").status_code == 422  # one block at a time
    resumed = client.get(f"/practice/blocks/{block.id}")
    assert resumed.headers["Location"] == f"/practice/blocks/{block.id}/1"
    page = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    assert 'data-remaining="90"' in page


def test_a_block_past_its_deadline_ends_at_the_deadline(
    client, auth, student, published_set, clock
):
    enroll(auth, published_set(2, "Cardio"))
    start(auth, size="2", mode="timed", seconds="60")
    block = the_block()
    page = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    deadline = clock.now() + timedelta(seconds=120)
    clock.advance(minutes=10)  # offline past the deadline; the answer comes too late
    late = send(client, block, 1, page, chosen="A", go="2")
    assert late.headers["Location"] == f"/practice/blocks/{block.id}/report"
    db.session.expire_all()
    ended = db.session.get(PracticeBlock, block.id)
    assert ended.ended_at == deadline and item(block, 1).chosen is None
    assert "Time is up" in client.get(late.headers["Location"]).get_data(as_text=True)


def test_the_countdown_at_zero_saves_the_last_answer_and_ends(
    client, auth, student, published_set, clock
):
    enroll(auth, published_set(1, "Cardio"))
    start(auth, size="1", mode="timed", seconds="60")
    block = the_block()
    page = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    clock.advance(seconds=61)  # within the grace a request in flight has
    response = send(client, block, 1, page, chosen="A", go="end")
    assert response.headers["Location"] == f"/practice/blocks/{block.id}/report"
    assert item(block, 1).chosen == ["A"] and the_block().ended_at is not None


def test_another_students_block_is_not_found(client, auth, student, published_set, create_user):
    enroll(auth, published_set(2, "Cardio"))
    start(auth, size="2")
    block = the_block()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    other = create_user(email="other@example.edu")
    auth.login(other.email)
    token = csrf_token(client, "/practice/")
    for url in (
        f"/practice/blocks/{block.id}",
        f"/practice/blocks/{block.id}/1",
        f"/practice/blocks/{block.id}/end",
        f"/practice/blocks/{block.id}/report",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/practice/blocks/{block.id}/1", f"/practice/blocks/{block.id}/end"):
        assert client.post(url, data={"csrf_token": token, "chosen": "A"}).status_code == 404
    assert item(block, 1).chosen is None and the_block().ended_at is None


def test_lab_values_are_searchable(client, auth, student):
    page = client.get("/practice/lab-values").get_data(as_text=True)
    assert "Serum chemistry" in page and "136-145 mmol/L" in page
    found = client.get("/practice/lab-values?q=inr").get_data(as_text=True)
    assert "International normalised ratio" in found and "Sodium" not in found
    assert "No lab value matches" in client.get("/practice/lab-values?q=zzz").get_data(as_text=True)


def test_a_student_may_keep_blocks_out_of_their_reviews(client, auth, student, published_set):
    enroll(auth, published_set(2, "Cardio"))
    settings = {
        "timezone": "UTC",
        "rollover_hour": "4",
        "desired_retention": "0.90",
        "new_cards_per_day": "20",
        "max_reviews_per_day": "200",
        "daily_goal": "all_due",
        "daily_goal_answers": "20",
    }  # the box for blocks into reviews left unticked
    page = client.get("/settings/").get_data(as_text=True)
    assert "Send what I miss in practice blocks to my daily reviews" in page
    assert auth.post("/settings/", settings).status_code == 302
    start(auth, size="2", mode="timed")
    block = the_block()
    send(client, block, 1, chosen="B", go="end")
    ended = auth.post(f"/practice/blocks/{block.id}/end", {}, form_page="/dashboard")
    report = client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "0 of 2 right" in report and "keep block answers out of your daily reviews" in report
    assert db.session.scalar(sa.select(sa.func.count(CardState.id))) == 0


def test_a_students_blocks_and_notes_are_in_their_data_download(
    client, auth, student, published_set
):
    enroll(auth, published_set(1, "Cardio"))
    start(auth, size="1")
    block = the_block()
    send(client, block, 1, chosen="B", notes="ask about the murmur", go="1")
    data = client.get("/account/data.json").get_json()
    assert data["profile"]["practice_into_review"] is True
    [exported] = data["practice_blocks"]
    assert exported["mode"] == "tutor" and exported["ended_at"] is None
    assert exported["questions"][0]["notes"] == "ask about the murmur"
    assert exported["questions"][0]["chosen"] == ["B"]


def test_a_server_restart_mid_block_loses_nothing_and_counts_nothing_twice(
    app, client, auth, student, published_set, clock, tmp_path
):
    """The block lives in the database, not in a worker: a new server process (a new app
    and engine on the same database, none of the old one's memory) carries on where the
    old one stopped, and a retry of the request the restart cut off counts once."""
    enroll(auth, published_set(3, "Cardio", tags=["Cardiology::Valves"]))
    start(auth, size="3", mode="timed", seconds="90")
    block = the_block()
    page = client.get(f"/practice/blocks/{block.id}/1").get_data(as_text=True)
    send(client, block, 1, page, chosen="B", go="2")
    clock.advance(seconds=40)

    restarted = create_app(
        app_settings(
            app.config["SQLALCHEMY_DATABASE_URI"],
            QBANK_CLOCK=clock,
            QBANK_MEDIA_DIR=str(tmp_path / "media"),
        ),
        environ={},
    )
    restarted.test_client_class = type(client)
    browser = restarted.test_client()
    cookie = client.get_cookie("session", domain="qbank.test")
    browser.set_cookie("session", cookie.value, domain="qbank.test")
    try:
        page2 = browser.get(f"/practice/blocks/{block.id}/2")
        assert page2.status_code == 200  # still signed in, at the question it was on
        page2 = page2.get_data(as_text=True)
        assert 'data-remaining="230"' in page2  # 270 s less the 40 s the student took
        # The answer the restart cut off is sent again: it is kept once.
        send(browser, block, 2, page2, chosen="A", go="3")
        send(browser, block, 2, page2, chosen="A", go="3")
        ended = browser.post(
            f"/practice/blocks/{block.id}/end",
            data={"csrf_token": csrf_token(browser, f"/practice/blocks/{block.id}/end")},
        )
        assert ended.headers["Location"] == f"/practice/blocks/{block.id}/report"
    finally:
        with restarted.app_context():
            db.engine.dispose()
    db.session.expire_all()
    logs = db.session.scalars(sa.select(ReviewLog).order_by(ReviewLog.id)).all()
    assert [(log.question_id, log.chosen) for log in logs] == [
        (item(block, 1).question_id, ["B"]),
        (item(block, 2).question_id, ["A"]),
    ]
