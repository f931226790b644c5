import re
from datetime import timedelta

import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    BlockAssignment,
    Cohort,
    Enrollment,
    Membership,
    Question,
    QuestionSet,
    ReviewLog,
    User,
    cohort_sets,
)
from qbank.services import gamification
from qbank.services.accounts import find_user_by_email
from qbank.services.practice import assignments
from qbank.services.seed import DEMO_CLASSMATES
from tests.projection_helpers import snapshot


def test_create_user_with_role(runner):
    result = runner.invoke(
        args=["create-user", "Dean@Example.edu", "--role", "faculty", "--password-stdin"],
        input="a strong password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created dean@example.edu (faculty)." in result.output
    assert find_user_by_email("dean@example.edu").role == "faculty"


def test_create_user_grants_a_role_to_an_existing_account(runner, create_user):
    create_user(email="ana@example.edu")
    result = runner.invoke(args=["create-user", "ana@example.edu", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "ana@example.edu is now admin." in result.output


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(
        args=["create-user", "a@example.edu", "--password-stdin"], input="short\n"
    )
    assert result.exit_code != 0
    assert "Use at least 10 characters." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_reset_link_prints_a_working_link(runner, create_user, client):
    create_user(email="ana@example.edu")
    result = runner.invoke(args=["reset-link", "ana@example.edu"])
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert url.startswith("http://127.0.0.1:8000/reset/")
    assert client.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_reset_link_for_unknown_email_fails_clearly(runner):
    result = runner.invoke(args=["reset-link", "nobody@example.edu"])
    assert result.exit_code == 1
    assert "No account has the e-mail nobody@example.edu." in result.output


def test_seed_is_idempotent_and_keeps_passwords_out_of_the_output(runner, tmp_path):
    logins = tmp_path / "logins.txt"
    first = runner.invoke(args=["seed", "--logins-file", str(logins), "--history-days", "2"])
    assert first.exit_code == 0, first.output
    assert "Created 4 demo accounts" in first.output
    assert "Added 5 demo classmates who gave" in first.output
    lines = logins.read_text().splitlines()
    assert len(lines) == 4
    password = lines[0].split()[-1]
    assert password not in first.output
    tables = (User, QuestionSet, Question, Cohort, Membership, Enrollment, ReviewLog)
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables]
    assert counts[1] >= 1 and counts[2] >= 1 and counts[3:5] == [1, 7]

    second = runner.invoke(args=["seed", "--logins-file", str(logins), "--history-days", "2"])
    assert second.exit_code == 0, second.output
    assert "Demo accounts already exist." in second.output
    assert "classmates" not in second.output
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables] == counts
    assert logins.read_text().splitlines() == lines


def test_seed_assigns_a_set_to_the_demo_cohort(runner, tmp_path):
    runner.invoke(args=["seed", "--logins-file", str(tmp_path / "l.txt"), "--history-days", "0"])
    assigned = db.session.execute(
        sa.select(QuestionSet.title, QuestionSet.visibility).join(
            cohort_sets, cohort_sets.c.set_id == QuestionSet.id
        )
    ).all()
    assert assigned == [("Cardiovascular vignettes", "cohorts")]
    # Every member receives the assigned set; the demo student has every set.
    members = db.session.scalar(sa.select(sa.func.count()).select_from(Membership))
    enrolled = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrollment)
        .join(QuestionSet, QuestionSet.id == Enrollment.set_id)
        .where(QuestionSet.title == "Cardiovascular vignettes")
    )
    assert enrolled == members == 7
    student = find_user_by_email("student@demo.qbank.test")
    sets = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionSet))
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Enrollment.user_id == student.id))
        == sets
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 0


def test_demo_classmates_study_through_the_services(runner, auth, client, tmp_path, clock):
    logins = tmp_path / "logins.txt"
    runner.invoke(args=["seed", "--logins-file", str(logins), "--history-days", "3"])
    classmates = db.session.scalars(
        sa.select(User).where(User.email.in_([c.email for c in DEMO_CLASSMATES]))
    ).all()
    assert sorted(u.email for u in classmates) == sorted(c.email for c in DEMO_CLASSMATES)
    now = clock.now()
    began = now - timedelta(days=4)
    for user in classmates:
        logs = db.session.scalars(
            sa.select(ReviewLog).where(ReviewLog.user_id == user.id).order_by(ReviewLog.id)
        ).all()
        assert logs, user.email
        times = [log.reviewed_at for log in logs]
        assert times == sorted(times) and began < times[0] and times[-1] < now
        # The projections the answers built are the ones a rebuild from the log gives.
        before = snapshot(user)
        gamification.rebuild_user(user, now)
        assert snapshot(user) == before
    # The demo student, logging in, sees classmates ahead on the cohort's board.
    _role, email, password = next(
        line.split() for line in logins.read_text().splitlines() if line.startswith("student")
    )
    auth.login(email, password)
    # Today is a Monday: a weekly board would be empty, so the demo board is all time.
    board = client.get(f"/cohorts/{db.session.scalar(sa.select(Cohort.id))}")
    rows = re.findall(r"<tr[^>]*><td>(\d+)</td><td>([^<]+)</td><td>(\d+)</td></tr>", board.text)
    scores = {name.removesuffix(" (you)"): int(points) for _rank, name, points in rows}
    assert scores["Sam Student"] == 0 and scores["Riley Rep"] == 0
    assert all(scores[c.name] > 0 for c in DEMO_CLASSMATES if c.day_off == 0)
    assert rows[0][1] in {c.name for c in DEMO_CLASSMATES}  # a classmate leads


def test_demo_student_can_log_in_with_the_printed_password(runner, auth, client, tmp_path):
    logins = tmp_path / "logins.txt"
    runner.invoke(args=["seed", "--logins-file", str(logins), "--history-days", "0"])
    _role, email, password = next(
        line.split() for line in logins.read_text().splitlines() if line.startswith("student")
    )
    assert auth.login(email, password).headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Demo class of 2028" in page


def test_import_command_reports_and_saves(runner, create_user, tmp_path):
    from qbank.models import Role
    from tests.bank_helpers import json_question, qbank_json_file

    create_user(role=Role.FACULTY, email="fac@example.edu")
    path = tmp_path / "set.json"
    path.write_bytes(qbank_json_file([json_question(n) for n in range(3)]))
    dry = runner.invoke(
        args=["import", str(path), "--set", "Pharm", "--owner", "fac@example.edu", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "3 question(s) read" in dry.output and "Dry run: nothing was saved." in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionSet)) == 0
    done = runner.invoke(args=["import", str(path), "--set", "Pharm", "--owner", "fac@example.edu"])
    assert done.exit_code == 0, done.output
    assert "3 new, 0 updated, 0 unchanged" in done.output
    again = runner.invoke(
        args=["import", str(path), "--set", "Pharm", "--owner", "fac@example.edu"]
    )
    assert "0 new, 0 updated, 3 unchanged" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 3


def test_import_command_fails_on_the_last_row_of_a_big_csv_and_saves_nothing(
    runner, create_user, tmp_path
):
    from qbank.importers import qbank_csv
    from qbank.models import Role
    from tests.bank_helpers import sba

    create_user(role=Role.FACULTY, email="fac@example.edu")
    drafts = [sba(n) for n in range(10_000)]
    drafts[-1].options = [o.__class__(o.text, False, o.rationale) for o in drafts[-1].options]
    path = tmp_path / "big.csv"
    path.write_bytes(qbank_csv.write(drafts))
    result = runner.invoke(args=["import", str(path), "--set", "Big", "--owner", "fac@example.edu"])
    assert result.exit_code == 1
    assert "row 10001" in result.output
    assert "nothing was saved" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionSet)) == 0


def test_import_command_refuses_a_student_owner(runner, create_user, tmp_path):
    create_user(email="student@example.edu")
    path = tmp_path / "x.json"
    path.write_bytes(b"{}")
    result = runner.invoke(
        args=["import", str(path), "--set", "S", "--owner", "student@example.edu"]
    )
    assert result.exit_code == 1
    assert "is not a faculty or admin account" in result.output


def test_create_user_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["create-user", "a@example.edu", "--password-stdin"], input="qwertyuiop123\n"
    )
    assert result.exit_code != 0
    assert "That password is on a list of common passwords." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_demo_cohort_has_a_block_its_classmates_took(runner, tmp_path):
    runner.invoke(args=["seed", "--logins-file", str(tmp_path / "l.txt"), "--history-days", "3"])
    assignment = db.session.scalar(sa.select(BlockAssignment))
    assert assignment is not None and assignment.title == "Week 1: cardiovascular"
    report = assignments.class_report(assignment)
    assert report.completion.done == 5 and report.shown  # the five classmates
    student = find_user_by_email("student@demo.qbank.test")
    (line,) = assignments.for_member(student)
    assert line.assignment.id == assignment.id and line.attempt is None
