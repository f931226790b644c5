"""The card browser page: its filters, its pages, and the actions that come back to it."""

from __future__ import annotations

import re

from tests.views.study_pages import card_form, enroll


def rows(page: str) -> list[str]:
    """The stems listed, in order."""
    return re.findall(r'<span class="stem">(.*?)</span>', page)


def answer_wrong(client, clock):
    form = card_form(client.get("/study/").get_data(as_text=True))
    client.post("/study/answer", data={**form, "chosen": "B"})


def test_lists_the_students_cards_with_their_filters(client, auth, student, published_set):
    cardio = published_set(3, "Cardio", tags=["Cardiology::Valves"])
    renal = published_set(2, "Renal", tags=["Renal"])
    enroll(auth, cardio)
    enroll(auth, renal)

    page = client.get("/study/cards").get_data(as_text=True)
    assert "<h1>My cards</h1>" in page
    assert len(rows(page)) == 5 and "5 cards" in page
    assert f'<option value="{cardio.id}" >Cardio</option>' in page
    assert '<option value="Cardiology" >Cardiology</option>' in page  # ancestor tag

    by_set = client.get(f"/study/cards?set={renal.id}").get_data(as_text=True)
    assert rows(by_set) == ["Renal question 0", "Renal question 1"]
    assert f'<option value="{renal.id}" selected>Renal</option>' in by_set

    by_tag = client.get("/study/cards?tag=Cardiology").get_data(as_text=True)
    assert len(rows(by_tag)) == 3

    none = client.get("/study/cards?status=suspended").get_data(as_text=True)
    assert rows(none) == [] and "No card matches." in none


def test_a_student_with_no_sets_is_sent_to_the_library(client, auth, student):
    page = client.get("/study/cards").get_data(as_text=True)
    assert "You study no sets yet." in page and 'href="/library/"' in page


def test_unknown_filters_are_ignored_not_errors(client, auth, student, published_set):
    enroll(auth, published_set(2))
    for query in ("status=everything", "set=abc", "page=0", "page=-3", "page=999"):
        response = client.get(f"/study/cards?{query}")
        assert response.status_code == 200, query


def test_an_action_comes_back_to_the_filtered_list(client, auth, student, published_set, clock):
    question_set = published_set(2)
    enroll(auth, question_set)
    answer_wrong(client, clock)
    question = question_set.questions[0]
    here = "/study/cards?status=missed"
    page = client.get(here).get_data(as_text=True)
    assert rows(page) == ["Cardio question 0"] and "Missed last time" in page
    assert f'name="next" value="{here}"' in page

    response = auth.post(
        f"/study/cards/{question.id}/flag", {"next": here}, form_page="/study/cards"
    )
    assert response.status_code == 302 and response.headers["Location"] == here
    flagged = client.get("/study/cards?status=flagged").get_data(as_text=True)
    assert rows(flagged) == ["Cardio question 0"] and "Card flagged for later." in flagged

    auth.post(f"/study/cards/{question.id}/reset", {"next": here}, form_page="/study/cards")
    after = client.get("/study/cards?status=new").get_data(as_text=True)
    assert "Card reset: it comes back as a new card." in after
    assert rows(after) == ["Cardio question 0", "Cardio question 1"]


def test_an_action_never_follows_a_next_off_the_site(client, auth, student, published_set):
    question_set = published_set(1)
    enroll(auth, question_set)
    question = question_set.questions[0]
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = auth.post(
            f"/study/cards/{question.id}/suspend", {"next": bad}, form_page="/study/cards"
        )
        assert response.headers["Location"] == "/study/", bad
