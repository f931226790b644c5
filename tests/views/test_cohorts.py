import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Cohort, DailyActivity, Membership, User, UserStats
from qbank.services import cohorts
from tests.support import PASSWORD, csrf_token


def activity(user, day, xp, correct=0, reviews=0, at=None):
    """Record a day's activity and the running totals, as the answers' fold would."""
    db.session.add(
        DailyActivity(
            user_id=user.id, day=day, xp=xp, correct=correct, reviews=reviews, last_scored_at=at
        )
    )
    stats = db.session.get(UserStats, user.id)
    if stats is None:
        stats = UserStats(user_id=user.id, xp=0, correct=0, reviews=0)
        db.session.add(stats)
    stats.xp += xp
    stats.correct += correct
    stats.reviews += reviews
    stats.last_scored_at = max(filter(None, [stats.last_scored_at, at]), default=None)
    db.session.commit()


@pytest.fixture
def cohort_with_members(client, auth, create_user, clock):
    """A rep's cohort with two students in it, each with some points this week."""
    rep = create_user(email="rep@example.edu", display_name="Riley Rep")
    ana = create_user(email="ana@example.edu", display_name="Ana")
    bo = create_user(email="bo@example.edu", display_name="Bo")
    auth.login(rep.email)
    auth.post("/cohorts/new", {"name": "Class of 2029"}, form_page="/cohorts/")
    cohort = db.session.scalar(sa.select(Cohort))
    for student in (ana, bo):
        auth.logout()
        auth.login(student.email)
        auth.post("/cohorts/join", {"code": cohort.join_code.lower()}, form_page="/cohorts/")
    today = clock.now().date()
    activity(ana, today, 120, at=clock.now())
    activity(bo, today, 300, at=clock.now())
    activity(bo, date(2026, 1, 5), 999)  # long before this week
    auth.logout()
    auth.login(rep.email)
    return cohort, rep, ana, bo


def test_members_join_by_code_and_see_the_weekly_board(client, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 3
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert page.index("Bo") < page.index("Ana")
    assert "<td>300</td>" in page and "999" not in page


def test_a_wrong_code_is_explained(client, auth, create_user):
    auth.login(create_user().email)
    response = auth.post("/cohorts/join", {"code": "NOPE1234"}, form_page="/cohorts/")
    assert "No cohort has that code." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_an_anonymous_board_shows_pseudonyms_only(client, auth, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    form = {
        "name": cohort.name,
        "timezone": "UTC",
        "window": "all_time",
        "metric": "xp",
        "accuracy_min_answers": "50",
        "view": "full",
        "anonymous": "y",
    }
    assert auth.post(f"/cohorts/{cohort.id}/manage", form).status_code == 302
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    board = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Ana" not in board and "Bo<" not in board and "1299" in board


def test_a_student_can_opt_out_of_the_board(client, auth, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    auth.logout()
    auth.login(bo.email)
    auth.post(f"/cohorts/{cohort.id}/shown", {"shown": "0"}, form_page=f"/cohorts/{cohort.id}")
    board = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True).split("<table", 1)[1]
    assert ">Bo" not in board and "Ana" in board


def test_removed_members_leave_the_board(client, auth, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    auth.post(
        f"/cohorts/{cohort.id}/remove",
        {"target": str(bo.id)},
        form_page=f"/cohorts/{cohort.id}/manage",
    )
    board = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    board = board.split("<table", 1)[1].split("</table>", 1)[0]
    assert "<td>Ana</td>" in board and "<td>Bo</td>" not in board


def test_a_rep_of_one_cohort_cannot_manage_another(client, auth, create_user, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    auth.logout()
    auth.login(ana.email)  # a member, not the rep
    assert client.get(f"/cohorts/{cohort.id}/manage").status_code == 403
    auth.post("/cohorts/new", {"name": "Ana's study group"}, form_page="/cohorts/")
    token = csrf_token(client, "/cohorts/")
    assert (
        client.post(f"/cohorts/{cohort.id}/rotate", data={"csrf_token": token}).status_code == 403
    )
    assert client.get(f"/cohorts/{cohort.id}/standings.csv").status_code == 403
    outsider = create_user()
    auth.logout()
    auth.login(outsider.email)
    assert client.get(f"/cohorts/{cohort.id}").status_code == 404


def test_the_rep_exports_standings_as_csv(client, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    response = client.get(f"/cohorts/{cohort.id}/standings.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["rank", "name", "xp"]
    assert [r[1] for r in rows[1:3]] == ["Bo", "Ana"]


def test_a_name_that_would_run_as_a_formula_is_exported_as_text(client, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    bo.display_name = '\t=HYPERLINK("http://evil.example")'
    db.session.commit()
    response = client.get(f"/cohorts/{cohort.id}/standings.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][1] == '\'\t=HYPERLINK("http://evil.example")'


def test_the_last_rep_cannot_be_removed_until_another_is_appointed(
    client, auth, cohort_with_members
):
    cohort, rep, ana, bo = cohort_with_members
    manage = f"/cohorts/{cohort.id}/manage"
    refused = auth.post(f"/cohorts/{cohort.id}/remove", {"target": str(rep.id)}, form_page=manage)
    assert "A cohort needs a rep." in client.get(refused.headers["Location"]).get_data(as_text=True)
    auth.post(f"/cohorts/{cohort.id}/appoint", {"target": str(ana.id)}, form_page=manage)
    auth.post(f"/cohorts/{cohort.id}/remove", {"target": str(rep.id)}, form_page=manage)
    roles = db.session.execute(sa.select(Membership.user_id, Membership.role)).all()
    assert sorted(roles) == sorted([(ana.id, "rep"), (bo.id, "member")])


def test_a_student_downloads_their_data(client, auth, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    auth.logout()
    auth.login(bo.email)
    data = client.get("/account/data.json").get_json()
    assert data["profile"]["email"] == "bo@example.edu"
    assert data["cohorts"] == [
        {"name": "Class of 2029", "role": "member", "shown_on_leaderboard": True}
    ]
    assert sum(d["xp"] for d in data["daily_activity"]) == 1299


def test_deleting_an_account_removes_its_data_and_hands_the_cohort_over(
    client, auth, cohort_with_members
):
    cohort, rep, ana, bo = cohort_with_members
    rep_id, ana_id, bo_id = rep.id, ana.id, bo.id
    wrong = auth.post("/account/delete", {"password": "not my password"})
    assert "That password is not right." in wrong.get_data(as_text=True)
    done = auth.post("/account/delete", {"password": PASSWORD})
    assert done.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(User, rep_id) is None
    roles = dict(db.session.execute(sa.select(Membership.user_id, Membership.role)).all())
    assert roles == {ana_id: "rep", bo_id: "member"}  # the first to join took over
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DailyActivity)
            .where(DailyActivity.user_id == rep_id)
        )
        == 0
    )


def test_faculty_who_own_sets_must_hand_them_over_first(client, auth, create_user, clock):
    from qbank.models import Role
    from qbank.services import question_bank as bank

    faculty = create_user(role=Role.FACULTY)
    bank.create_set(faculty, "Mine", "", clock.now())
    db.session.commit()
    auth.login(faculty.email)
    page = auth.post("/account/delete", {"password": PASSWORD}).get_data(as_text=True)
    assert "You own question sets." in page
    assert db.session.get(User, faculty.id) is not None


def test_the_dashboard_gives_each_cohort_the_students_place(client, auth, cohort_with_members):
    cohort, rep, ana, bo = cohort_with_members
    auth.logout()
    auth.login(ana.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}">Class of 2029</a>' in page
    assert "#2 of 3 by points" in page  # Bo 300, Ana 120, the rep 0

    auth.post(f"/cohorts/{cohort.id}/shown", {"shown": "0"}, form_page=f"/cohorts/{cohort.id}")
    assert "you hide from its board" in client.get("/dashboard").get_data(as_text=True)

    auth.post(f"/cohorts/{cohort.id}/shown", {"shown": "1"}, form_page=f"/cohorts/{cohort.id}")
    cohort.board_metric, cohort.accuracy_min_answers = "accuracy", 50
    db.session.commit()
    assert "not ranked yet" in client.get("/dashboard").get_data(as_text=True)


def test_a_join_link_survives_signing_up(client, create_user, clock):
    """A newcomer opens the rep's join link, has no account, creates one, and lands on the
    join form filled in: one tap and they are in."""
    rep = create_user(email="rep@example.edu")
    cohort = cohorts.create_cohort("Year 1", rep, "UTC", clock.now())
    db.session.commit()
    link = f"/cohorts/join/{cohort.join_code}"

    to_login = client.get(link)
    assert to_login.headers["Location"].startswith("/login?next=")
    login_page = client.get(to_login.headers["Location"]).get_data(as_text=True)
    sign_up = re.search(r'href="(/register\?next=[^"]+)"', login_page).group(1)
    sign_up = sign_up.replace("&amp;", "&")
    data = {
        "display_name": "Nia New",
        "email": "nia@example.edu",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "csrf_token": csrf_token(client, sign_up),
    }
    created = client.post(sign_up, data=data)
    assert created.headers["Location"] == link
    form = client.get(client.get(link).headers["Location"]).get_data(as_text=True)
    assert f'value="{cohort.join_code}"' in form
    joined = client.post(
        "/cohorts/join",
        data={"code": cohort.join_code, "csrf_token": csrf_token(client, "/cohorts/")},
    )
    assert joined.status_code == 302
    newcomer = db.session.scalar(sa.select(User).where(User.email == "nia@example.edu"))
    assert db.session.scalar(
        sa.select(Membership.id).where(
            Membership.user_id == newcomer.id, Membership.cohort_id == cohort.id
        )
    )
