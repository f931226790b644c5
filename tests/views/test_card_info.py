"""The card info page, reached from the card and result pages."""

from __future__ import annotations

import re

from qbank.extensions import db
from qbank.models import Visibility
from qbank.services import question_bank as bank
from tests.views.study_pages import card_form, enroll


def info_url(question) -> str:
    return f"/study/cards/{question.id}/info"


def answer_through_the_pages(client, clock, chosen="A", seconds=0):
    """Answer the next card as the study page offers it, ``seconds`` after it showed;
    return the result page."""
    form = card_form(client.get("/study/").get_data(as_text=True))
    clock.advance(seconds=seconds)
    response = client.post("/study/answer", data={**form, "chosen": chosen})
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_card_and_result_pages_link_to_card_info(client, auth, student, published_set, clock):
    question_set = published_set(1)
    enroll(auth, question_set)
    link = f'href="{info_url(question_set.questions[0])}">Card info</a>'
    assert link in client.get("/study/").get_data(as_text=True)
    assert link in answer_through_the_pages(client, clock)


def test_a_new_card_says_it_has_not_been_answered(client, auth, student, published_set, clock):
    question_set = published_set(1)
    enroll(auth, question_set)
    response = client.get(info_url(question_set.questions[0]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Card info</h1>" in page and "Cardio question 0" in page
    assert "New: you have not answered it yet." in page
    assert "No answers yet." in page and "<svg" not in page


def test_an_answered_card_shows_its_figures_curve_and_answers(
    client, auth, student, published_set, clock
):
    question_set = published_set(1)
    enroll(auth, question_set)
    answer_through_the_pages(client, clock, seconds=8)
    clock.advance(minutes=10)
    answer_through_the_pages(client, clock, seconds=75)
    clock.advance(days=1)
    auth.login(student.email)  # the next day's session

    page = client.get(info_url(question_set.questions[0])).get_data(as_text=True)
    assert "Cardio · Review" in page
    assert re.search(
        r'<span class="value">\d+%</span>\s*<span class="label">chance of recall', page
    )
    assert "stability" in page and "difficulty" in page and "due 4 March 2026" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-curve"' in page
    assert "<title>Forgetting curve</title>" in page
    assert "since your last review on 2 March 2026" in page
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)
    assert len(rows) == 2
    newest, first = (re.sub(r"<[^>]+>|\s+", " ", row).split() for row in rows)
    assert " ".join(newest) == "2 March 2026 Good Right 1 min 2 d"
    assert " ".join(first) == "2 March 2026 Good Right 8 s 10 min"


def test_an_undone_answer_is_marked(client, auth, student, published_set, clock):
    question_set = published_set(1)
    enroll(auth, question_set)
    answer_through_the_pages(client, clock, chosen="B")
    auth.post("/study/undo", {}, form_page="/study/")
    page = client.get(info_url(question_set.questions[0])).get_data(as_text=True)
    assert "New again: you undid every answer to it." in page
    assert '<tr class="muted">' in page and "Undone" in page and "Wrong" in page
    assert "1 answer, 1 undone" in page


def test_card_info_is_404_for_a_question_the_student_may_not_see(
    client, auth, student, published_set, clock
):
    question_set = published_set(1)
    enroll(auth, question_set)
    answer_through_the_pages(client, clock)
    question = question_set.questions[0]
    bank.update_set(
        question_set,
        question_set.title,
        "",
        Visibility.PRIVATE,
        [],
        question_set.owner,
        clock.now(),
    )
    db.session.commit()
    assert client.get(info_url(question)).status_code == 404
    assert client.get("/study/cards/999999/info").status_code == 404
