"""Faculty's cohort progress pages: their own cohorts only, figures without names."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import Cohort, DailyActivity, Membership, QuestionSet, Role, Visibility
from qbank.services import question_bank as bank
from qbank.services.cohort_progress import MIN_GROUP_SIZE
from qbank.services.cohorts import add_faculty

TODAY = date(2026, 3, 2)  # the test clock's day


@pytest.fixture
def owner(create_user):
    return create_user(role=Role.FACULTY, email="owner@example.edu", display_name="Dr Owner")


def cohort_studying(owner, create_user, clock, members=MIN_GROUP_SIZE, title="Renal physiology"):
    """A cohort of named students with one of ``owner``'s sets assigned and a week's study."""
    question_set = QuestionSet(
        owner_id=owner.id,
        title=title,
        published=True,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    cohort = Cohort(
        name="MBBS Year 2",
        join_code=f"CODE{members}{title[:3].upper()}",
        timezone="UTC",
        created_at=clock.now() - timedelta(days=90),
    )
    db.session.add_all([question_set, cohort])
    for n in range(members):
        student = create_user(display_name=f"Student Zebedee {n}")
        db.session.add(Membership(cohort=cohort, user=student, joined_at=clock.now()))
        db.session.add(DailyActivity(user_id=student.id, day=TODAY, reviews=10, correct=n + 5))
    db.session.flush()
    # The class rep invited the owner, who shared the set with the cohort.
    add_faculty(cohort, owner, owner, clock.now())
    bank.update_set(question_set, title, "", Visibility.COHORTS, [cohort.id], owner, clock.now())
    db.session.commit()
    return cohort


def test_the_owner_sees_their_cohorts_figures(client, auth, owner, create_user, clock):
    cohort = cohort_studying(owner, create_user, clock)
    auth.login(owner.email)

    listing = client.get("/sets/cohorts")
    detail = client.get(f"/sets/cohorts/{cohort.id}")

    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert f'href="/sets/cohorts/{cohort.id}">MBBS Year 2</a>' in page
    assert '<td data-label="Answers, last 7 days">50</td>' in page
    assert '<td data-label="Accuracy, 7 days">70%</td>' in page  # 35 of 50
    assert detail.status_code == 200
    page = detail.get_data(as_text=True)
    assert "Week by week" in page
    assert "Renal physiology" in page
    assert "including those who hide from the leaderboard" in page


def test_pages_never_name_a_student(client, auth, owner, create_user, clock):
    cohort = cohort_studying(owner, create_user, clock)
    auth.login(owner.email)

    listing, detail = client.get("/sets/cohorts"), client.get(f"/sets/cohorts/{cohort.id}")
    assert listing.status_code == detail.status_code == 200
    pages = listing.get_data(as_text=True) + detail.get_data(as_text=True)

    assert '<td data-label="Answers, last 7 days">50</td>' in pages  # the figures are there
    assert "Zebedee" not in pages
    assert "@example.edu" not in pages.replace(owner.email, "")


def test_a_small_cohort_says_its_figures_are_hidden(client, auth, owner, create_user, clock):
    cohort = cohort_studying(owner, create_user, clock, members=MIN_GROUP_SIZE - 1)
    auth.login(owner.email)

    listing = client.get("/sets/cohorts").get_data(as_text=True)
    detail = client.get(f"/sets/cohorts/{cohort.id}").get_data(as_text=True)

    assert f"Hidden until {MIN_GROUP_SIZE} members" in listing
    assert 'data-label="Answers, last 7 days"' not in listing
    assert f"hidden until the cohort has {MIN_GROUP_SIZE} members" in detail
    assert "Week by week" not in detail
    assert "Renal physiology" in detail  # the set itself is the owner's to see


def test_another_faculty_member_is_refused_the_cohort(client, auth, owner, create_user, clock):
    cohort = cohort_studying(owner, create_user, clock)
    colleague = create_user(role=Role.FACULTY, email="colleague@example.edu")
    auth.login(colleague.email)

    listing = client.get("/sets/cohorts").get_data(as_text=True)
    detail = client.get(f"/sets/cohorts/{cohort.id}")

    assert "MBBS Year 2" not in listing
    assert "No cohort studies your sets yet" in listing
    assert detail.status_code == 403


def test_students_are_refused_even_in_the_cohort(client, auth, owner, create_user, clock):
    cohort = cohort_studying(owner, create_user, clock)
    student = create_user(email="member@example.edu")
    db.session.add(Membership(cohort_id=cohort.id, user_id=student.id, joined_at=clock.now()))
    db.session.commit()
    auth.login(student.email)

    assert client.get("/sets/cohorts").status_code == 403
    assert client.get(f"/sets/cohorts/{cohort.id}").status_code == 403


def test_an_unknown_cohort_is_not_found(client, auth, owner):
    auth.login(owner.email)

    assert client.get("/sets/cohorts/999").status_code == 404


def test_an_admin_sees_any_cohort(client, auth, owner, create_user, clock):
    cohort = cohort_studying(owner, create_user, clock)
    admin = create_user(role=Role.ADMIN, email="admin@example.edu")
    auth.login(admin.email)

    detail = client.get(f"/sets/cohorts/{cohort.id}")

    assert detail.status_code == 200
    assert "Sets assigned to this cohort" in detail.get_data(as_text=True)


def test_the_sets_page_links_to_cohort_progress(client, auth, owner):
    auth.login(owner.email)

    page = client.get("/sets/").get_data(as_text=True)

    assert 'href="/sets/cohorts">Cohort progress</a>' in page


def test_a_week_with_too_few_studying_shows_only_their_number(
    client, auth, owner, create_user, clock
):
    cohort = cohort_studying(owner, create_user, clock, members=MIN_GROUP_SIZE + 3)
    quiet = db.session.scalars(
        sa.select(Membership.user_id).where(Membership.cohort_id == cohort.id)
    ).all()[: MIN_GROUP_SIZE - 1]
    db.session.execute(sa.delete(DailyActivity).where(DailyActivity.user_id.not_in(quiet)))
    db.session.commit()
    auth.login(owner.email)

    listing = client.get("/sets/cohorts").get_data(as_text=True)
    detail = client.get(f"/sets/cohorts/{cohort.id}").get_data(as_text=True)

    assert f'<td data-label="Active, last 7 days">{MIN_GROUP_SIZE - 1}</td>' in listing
    assert '<td data-label="Answers, last 7 days"><span class="muted"' in listing
    assert "too few</span>" in listing and "%" not in listing.split("<tbody>")[1]
    this_week = detail.split("<tbody>")[1].split("</tr>")[0]
    assert f'<td data-label="Active members">{MIN_GROUP_SIZE - 1}</td>' in this_week
    assert '<td data-label="Accuracy"><span class="muted" title="Fewer than' in this_week
    assert '<td data-label="Answers"><span class="muted" title="Fewer than' in this_week
