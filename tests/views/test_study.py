import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    CardState,
    DailyActivity,
    QuestionKind,
    QuestionReport,
    ReviewLog,
    Role,
    User,
)
from qbank.services import question_bank as bank
from qbank.services import study
from tests.bank_helpers import sba
from tests.support import review_card
from tests.synthetic_reviews import DAYS, DECK, NEW_PER_DAY, START, make_deck, study_for
from tests.views.study_pages import card_form, enroll


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_library_enroll_then_study_a_multiple_choice_card(client, auth, student, published_set):
    question_set = published_set()
    assert "Study this set" in client.get("/library/").get_data(as_text=True)
    assert "Its cards join today" in client.get(
        enroll(auth, question_set).headers["Location"]
    ).get_data(as_text=True)
    page = client.get("/study/").get_data(as_text=True)
    assert "1 of 3" in page and "Cardio question" in page
    form = card_form(page)
    response = client.post("/study/answer", data={**form, "chosen": "A"})
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Correct" in result and "Ejection murmur radiating to the carotids." in result
    assert "Next review: <strong>10 min</strong> (Good)" in result
    assert count(ReviewLog) == 1 and count(CardState) == 1
    assert "2 of 3" in client.get("/study/").get_data(as_text=True)


def test_a_wrong_answer_is_again_and_shows_the_right_one(client, auth, student, published_set):
    enroll(auth, published_set(1))
    form = card_form(client.get("/study/").get_data(as_text=True))
    response = client.post("/study/answer", data={**form, "chosen": "B"})
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Not quite" in result and "Your answer: not right" in result and "Correct answer" in result
    )
    assert db.session.scalar(sa.select(ReviewLog.rating)) == 1


def test_a_double_submit_records_one_review(client, auth, student, published_set):
    enroll(auth, published_set(2))
    form = {**card_form(client.get("/study/").get_data(as_text=True)), "chosen": "A"}
    first = client.post("/study/answer", data=form)
    second = client.post("/study/answer", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(ReviewLog) == 1


def test_choosing_nothing_asks_for_an_answer(client, auth, student, published_set):
    enroll(auth, published_set(1))
    form = card_form(client.get("/study/").get_data(as_text=True))
    response = client.post("/study/answer", data=form)
    assert response.status_code == 422
    assert "Choose an answer first." in response.get_data(as_text=True)
    assert count(ReviewLog) == 0


def test_undo_brings_the_card_back(client, auth, student, published_set):
    enroll(auth, published_set(1))
    form = card_form(client.get("/study/").get_data(as_text=True))
    client.post("/study/answer", data={**form, "chosen": "A"})
    response = auth.post("/study/undo", {}, form_page="/study/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Answer undone" in page and "Cardio question 0" in page
    assert db.session.scalar(sa.select(ReviewLog.undone_at)) is not None
    assert count(CardState) == 0


def test_flashcards_reveal_then_rate(client, auth, student, published_set):
    enroll(auth, published_set(1, title="Cards", kind=QuestionKind.FLASHCARD, options=[]))
    front = client.get("/study/").get_data(as_text=True)
    assert "Show answer" in front and "Aortic stenosis gives" not in front
    link = re.search(r'href="(/study/cards/\d+\?reveal=1)"', front).group(1)
    back = client.get(link).get_data(as_text=True)
    assert "Aortic stenosis gives" in back
    assert re.search(r"Easy</span>\s*<span class=\"rating-interval\">\d+ d", back)
    response = client.post("/study/answer", data={**card_form(back), "rating": "3"})
    assert response.headers["Location"] == "/study/"
    assert "Good: next in 10 min." in client.get("/study/").get_data(as_text=True)


def test_a_step_due_within_minutes_is_shown_at_once_then_the_day_ends(
    client, auth, student, published_set, clock
):
    enroll(auth, published_set(1))
    form = card_form(client.get("/study/").get_data(as_text=True))
    client.post("/study/answer", data={**form, "chosen": "A"})  # Good: next step in 10 min
    page = client.get("/study/").get_data(as_text=True)
    assert "All done for today" not in page and "Cardio question 0" in page  # learn ahead
    client.post("/study/answer", data={**card_form(page), "chosen": "A"})  # graduates
    page = client.get("/study/").get_data(as_text=True)
    assert "All done for today" in page and "Next review in <strong>" in page


def test_the_dashboard_gives_the_next_review_on_the_students_clock(
    client, auth, student, published_set, clock
):
    student.timezone = "Asia/Kolkata"  # UTC+5:30
    db.session.commit()
    enroll(auth, published_set(1))
    for _ in range(2):  # the first answer and its learning step, learnt ahead
        form = card_form(client.get("/study/").get_data(as_text=True))
        client.post("/study/answer", data={**form, "chosen": "A"})
    page = client.get("/dashboard").get_data(as_text=True)
    state = db.session.scalar(sa.select(CardState))
    due = state.due.astimezone(ZoneInfo("Asia/Kolkata"))
    # Due from the start (4 a.m.) of its study day, in the student's zone.
    assert state.due_day > study.today_for(student, clock.now()).day
    assert (due.date(), due.hour) == (state.due_day, 4)
    assert f"Next review on {due:%-d %b} at {due:%H:%M} (in " in page


def test_nothing_to_study_points_to_the_library(client, student):
    page = client.get("/study/").get_data(as_text=True)
    assert "Nothing to study right now" in page and "Find sets" in page


def test_confirm_rating_lets_a_right_answer_be_easy(client, auth, student, published_set):
    student.confirm_rating = True
    db.session.commit()
    enroll(auth, published_set(1))
    form = card_form(client.get("/study/").get_data(as_text=True))
    check = client.post("/study/answer", data={**form, "chosen": "A"}).get_data(as_text=True)
    assert "How hard was it?" in check and count(ReviewLog) == 0
    response = client.post("/study/answer", data={**card_form(check), "chosen": "A", "rating": "4"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ReviewLog.rating)) == 4


def test_a_right_answer_marked_as_a_guess_is_recorded_hard(client, auth, student, published_set):
    student.confirm_rating = True  # even so: no rating choice for a guess
    db.session.commit()
    enroll(auth, published_set(1))
    page = client.get("/study/").get_data(as_text=True)
    assert 'name="guessed"' in page and "I guessed" in page
    response = client.post("/study/answer", data={**card_form(page), "chosen": "A", "guessed": "1"})
    assert response.status_code == 302
    assert db.session.execute(sa.select(ReviewLog.correct, ReviewLog.rating)).one() == (True, 2)


def test_card_actions_and_reports(client, auth, student, published_set):
    question_set = published_set(2)
    enroll(auth, question_set)
    first = question_set.questions[0].id
    page = client.get(
        auth.post(f"/study/cards/{first}/suspend", {}, form_page="/study/").headers["Location"]
    ).get_data(as_text=True)
    assert "Card suspended" in page and "Cardio question 0" not in page
    report = auth.post(
        f"/study/cards/{question_set.questions[1].id}/report",
        {"reason": "ambiguous", "comment": "C also fits"},
    )
    assert report.status_code == 302
    assert db.session.scalar(sa.select(QuestionReport.comment)) == "C also fits"


def test_students_cannot_study_or_report_sets_they_cannot_see(
    client, auth, student, create_user, clock
):
    owner = create_user(role=Role.FACULTY)
    private = bank.create_set(owner, "Private", "", clock.now())
    question, _ = bank.save_question(private, sba(), owner, clock.now())
    db.session.commit()
    assert client.get(f"/study/cards/{question.id}").status_code == 302
    assert client.get(f"/study/cards/{question.id}/report").status_code == 404
    response = auth.post(f"/library/{private.id}/enroll", {}, form_page="/library/")
    assert "That set is not open to you." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_settings_are_saved_and_checked(client, auth, student):
    page = client.get("/settings/").get_data(as_text=True)
    assert 'value="0.90"' in page or 'value="0.9"' in page
    bad = auth.post(
        "/settings/",
        {
            "timezone": "Mars/Base",
            "rollover_hour": "30",
            "desired_retention": "0.99",
            "new_cards_per_day": "10",
            "max_reviews_per_day": "100",
        },
    )
    text = bad.get_data(as_text=True)
    assert "Choose a time zone from the list." in text
    assert "Give an hour from 0 to 23." in text
    assert "Choose a retention from 0.70 to 0.97." in text
    good = auth.post(
        "/settings/",
        {
            "timezone": "Asia/Tokyo",
            "rollover_hour": "5",
            "desired_retention": "0.85",
            "new_cards_per_day": "10",
            "max_reviews_per_day": "100",
            "confirm_rating": "y",
            "daily_goal": "all_due",
            "daily_goal_answers": "20",
        },
    )
    assert good.status_code == 302
    db.session.refresh(student)
    assert (
        student.timezone,
        student.rollover_hour,
        student.desired_retention,
        student.confirm_rating,
    ) == ("Asia/Tokyo", 5, 0.85, True)


def test_a_student_keeps_sundays_light_and_new_cards_wait_by_choice(client, auth, student, clock):
    settings = {
        "timezone": "Europe/Berlin",
        "rollover_hour": "4",
        "desired_retention": "0.90",
        "new_cards_per_day": "20",
        "max_reviews_per_day": "200",
        "daily_goal": "all_due",
        "daily_goal_answers": "20",
    }
    auth.post("/settings/", {**settings, "lighter_weekdays": ["6"]})
    db.session.refresh(student)
    assert student.easy_days == [100, 100, 100, 100, 100, 100, 50]
    assert not student.new_cards_wait_for_reviews  # unticked on the form
    assert study.balance_of(student, clock.now()).weekday_weights[6] == 0.5
    page = client.get("/settings/").get_data(as_text=True)
    assert '<input checked id="lighter_weekdays-6"' in page
    auth.post("/settings/", {**settings, "new_cards_wait_for_reviews": "y"})
    db.session.refresh(student)
    assert student.easy_days is None and student.new_cards_wait_for_reviews


def test_a_student_chooses_a_daily_goal(client, auth, student):
    settings = {
        "timezone": "Europe/Berlin",
        "rollover_hour": "4",
        "desired_retention": "0.90",
        "new_cards_per_day": "20",
        "max_reviews_per_day": "200",
    }
    bad = auth.post("/settings/", {**settings, "daily_goal": "answers", "daily_goal_answers": "0"})
    assert "Choose 1 to 1,000 cards a day." in bad.get_data(as_text=True)
    response = auth.post(
        "/settings/", {**settings, "daily_goal": "answers", "daily_goal_answers": "30"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your new daily goal counts from today." in page  # nothing answered yet today
    assert '<option selected value="answers">' in page and 'value="30"' in page
    db.session.refresh(student)
    assert (student.daily_goal, student.daily_goal_answers) == ("answers", 30)
    again = auth.post(
        "/settings/", {**settings, "daily_goal": "answers", "daily_goal_answers": "30"}
    )
    assert "new daily goal" not in client.get(again.headers["Location"]).get_data(as_text=True)
    # Once the student has answered today, a change waits for tomorrow.
    db.session.add(DailyActivity(user_id=student.id, day=date(2026, 3, 2), reviews=3))
    db.session.commit()
    later = auth.post(
        "/settings/", {**settings, "daily_goal": "all_due", "daily_goal_answers": "30"}
    )
    page = client.get(later.headers["Location"]).get_data(as_text=True)
    assert "Your new daily goal starts tomorrow: today keeps the one it began with." in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "answered today · goal 30" in dashboard  # today still judged by 30 answers


def test_the_set_owner_sees_a_report_and_resolves_it(client, auth, student, published_set):
    question_set = published_set(1)
    enroll(auth, question_set)
    qid = question_set.questions[0].id
    auth.post(f"/study/cards/{qid}/report", {"reason": "wrong_key", "comment": "Key is B"})
    auth.logout()
    auth.login("owner-cardio@example.edu")
    page = client.get(f"/sets/{question_set.id}").get_data(as_text=True)
    assert "Reports from students (1)" in page and "The marked answer is wrong" in page
    report_id = db.session.scalar(sa.select(QuestionReport.id))
    done = auth.post(
        f"/sets/{question_set.id}/reports/{report_id}/resolve",
        {},
        form_page=f"/sets/{question_set.id}",
    )
    assert "Reports from students" not in client.get(done.headers["Location"]).get_data(
        as_text=True
    )


def test_optimizing_needs_enough_reviews(client, auth, student):
    page = client.get("/settings/").get_data(as_text=True)
    assert "Optimizing opens at 512 reviews of cards you already know, on 14 different days" in (
        page
    )
    response = auth.post("/settings/optimize", {}, form_page="/settings/")
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Optimizing needs 512 reviews of cards you already know on 14 different days" in text
    assert "Fit qbank to your memory" not in client.get("/dashboard").get_data(as_text=True)


def test_a_student_optimizes_from_the_dashboards_prompt(client, auth, student, create_user, clock):
    questions = make_deck(create_user, student, DECK)
    study_for(student, questions, DAYS, NEW_PER_DAY)
    clock.set(START + timedelta(days=DAYS))
    auth.login(student.email)  # four months on: signed in again
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Fit qbank to your memory" in dashboard
    page = auth.post("/settings/optimize", {}, form_page="/settings/").get_data(as_text=True)
    assert "predict your later reviews better, so they are kept" in page
    assert re.search(r"Reviews a day, next 90 days.*?<td>\d+</td><td>\d+</td>", page, re.S)
    db.session.expire_all()
    assert db.session.get(User, student.id).fsrs_parameters is not None
    assert "Fit qbank to your memory" not in client.get("/dashboard").get_data(as_text=True)


def test_help_me_decide_shows_workload_for_each_retention(client, auth, student, published_set):
    enroll(auth, published_set(5))
    page = client.get("/settings/workload").get_data(as_text=True)
    assert "<svg" in page and "0.80" in page and "0.95" in page
    assert "0.90 (yours)" in page
    chosen = auth.post("/settings/retention", {"retention": "0.85"}, form_page="/settings/workload")
    assert "Desired retention is 0.85" in client.get(chosen.headers["Location"]).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(User, student.id).desired_retention == 0.85
    refused = auth.post("/settings/retention", {"retention": "0.5"}, form_page="/settings/workload")
    assert "Choose one of the retentions listed" in client.get(
        refused.headers["Location"]
    ).get_data(as_text=True)


def test_points_streak_and_the_first_badge_show_as_you_study(
    client, auth, student, published_set, clock
):
    enroll(auth, published_set(2))
    form = card_form(client.get("/study/").get_data(as_text=True))
    clock.advance(seconds=8)
    response = client.post("/study/answer", data={**form, "chosen": "A"})
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Badge earned: First answer." in result
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "+5 today" in dashboard  # 1 for answering, 4 for being right
    assert "Level 1</strong> · 5 of 100 points" in dashboard
    assert "First answer" in dashboard
    assert "How points work" in client.get("/points").get_data(as_text=True)


def test_answers_faster_than_two_seconds_earn_nothing(client, auth, student, published_set):
    enroll(auth, published_set(1))
    form = card_form(client.get("/study/").get_data(as_text=True))
    client.post("/study/answer", data={**form, "chosen": "A"})  # no time passed
    assert "+0 today" in client.get("/dashboard").get_data(as_text=True)


def test_the_backlog_page_shows_the_plan_and_spreads_it(
    client, auth, student, published_set, clock
):
    question_set = published_set(6)
    enroll(auth, question_set)
    now = clock.now()
    for question in question_set.questions:
        review_card(student, question, now, 5.0, 6, -1)
    student.max_reviews_per_day = 2
    db.session.commit()
    card = client.get("/study/").get_data(as_text=True)
    assert "4 more reviews due beyond today" in card
    stats = client.get("/stats/").get_data(as_text=True)
    assert "the backlog takes about 3 days" in stats
    page = client.get("/study/backlog?days=3").get_data(as_text=True)
    assert "<strong>6 reviews</strong> due today" in page and "about 3 days" in page
    assert page.count("<td>2</td><td>0</td><td>2</td>") == 3
    response = auth.post("/study/backlog", {"days": "3"}, form_page="/study/backlog")
    assert response.status_code == 302
    assert "4 reviews moved" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_exam_day_in_the_past_or_not_a_date_is_refused_with_a_message(
    client, auth, student, published_set, clock
):
    question_set = published_set(1)
    enroll(auth, question_set)
    url = f"/study/exams/{question_set.id}"
    yesterday = (clock.now() - timedelta(days=1)).date().isoformat()
    for day, message in ((yesterday, "Choose a day after today"), ("soon", "as a date")):
        response = auth.post(url, {"day": day}, form_page="/study/exams")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert message in page
    assert "No exam date." in client.get("/study/exams").get_data(as_text=True)
