"""Access follows each set's current sharing and each student's current memberships.

The holes an attacker's probe found, one test each: withdrawn access that was kept,
re-sharing by reps, assignment by any faculty, another author's image, assignments lost
on saving a set, and points for answers timed by the browser.
"""

import json

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    AuditEvent,
    CohortFaculty,
    DailyActivity,
    QuestionSet,
    ReviewLog,
    Visibility,
    cohort_sets,
    set_shares,
)
from qbank.services import cohorts
from qbank.services import question_bank as bank
from tests.access_world import build_world
from tests.bank_helpers import sba
from tests.views.study_pages import card_form


@pytest.fixture
def world(app, create_user, clock):
    return build_world(create_user, clock, app.extensions["qbank_media"])


def reviews_of(user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ReviewLog.id)).where(ReviewLog.user_id == user.id)
    )


def can_open_card(client, question_id) -> bool:
    response = client.get(f"/study/cards/{question_id}")
    return response.status_code == 200 and 'name="token"' in response.get_data(as_text=True)


def studies_nothing_of(client, auth, question_set, user, world) -> None:
    """Check every path by which a student could still reach a set's content."""
    for question in question_set.questions:
        assert not can_open_card(client, question.id)
    today = client.get("/study/").get_data(as_text=True)
    assert question_set.title + " question" not in today
    assert question_set.title not in client.get("/library/").get_data(as_text=True)
    assert question_set.title not in client.get("/dashboard").get_data(as_text=True)
    media = world.media["cohort" if question_set is world.cohort_set else "private"]
    assert client.get(f"/media/{media.sha256}").status_code == 404
    review = world.reviews.get(next(k for k, u in world.users.items() if u.id == user.id))
    if review is not None:  # the answered card's page shows the question: it goes too
        page = client.get(f"/study/reviews/{review.id}", follow_redirects=True)
        assert "no longer shared with you" in page.get_data(as_text=True)
        assert "Ejection murmur" not in page.get_data(as_text=True)


def test_a_set_made_private_closes_to_its_students_at_once(client, auth, world, clock):
    member, owner = world.users["member"], world.users["owner"]
    auth.login(member.email)
    question = world.question(world.cohort_set, 1)
    assert can_open_card(client, question.id)
    form = card_form(client.get(f"/study/cards/{question.id}").get_data(as_text=True))
    history = reviews_of(member)

    bank.update_set(world.cohort_set, "Cohort set", "", Visibility.PRIVATE, [], owner, clock.now())
    db.session.commit()

    studies_nothing_of(client, auth, world.cohort_set, member, world)
    sent = client.post("/study/answer", data={**form, "chosen": "A"}, follow_redirects=True)
    assert "not in your sets" in sent.get_data(as_text=True)  # the page was left open
    assert reviews_of(member) == history  # history stays, nothing new
    assert "1" in client.get("/stats/").get_data(as_text=True)


def test_a_removed_member_loses_the_cohort_set_and_questions_added_later(
    client, auth, world, clock
):
    member, rep, owner = world.users["member"], world.users["rep"], world.users["owner"]
    auth.login(member.email)
    assert can_open_card(client, world.question(world.cohort_set, 1).id)
    cohorts.remove_member(world.cohort, member.id, rep, clock.now())
    later, _ = bank.save_question(world.cohort_set, sba(9, stem="Added later"), owner, clock.now())
    db.session.commit()

    studies_nothing_of(client, auth, world.cohort_set, member, world)
    assert not can_open_card(client, later.id)
    assert "Added later" not in client.get("/study/").get_data(as_text=True)
    assert can_open_card(client, world.question(world.public_set, 1).id)  # public stays

    cohorts.add_member(world.cohort, member, clock.now())  # back in: access comes back
    db.session.commit()
    assert can_open_card(client, later.id)


def test_a_student_who_leaves_the_cohort_loses_its_set(client, auth, world):
    member = world.users["member"]
    auth.login(member.email)
    auth.post(f"/cohorts/{world.cohort.id}/leave", {}, form_page=f"/cohorts/{world.cohort.id}")
    studies_nothing_of(client, auth, world.cohort_set, member, world)


def test_a_former_member_cannot_answer_reach_or_report_the_set(client, auth, world):
    former = world.users["former"]
    auth.login(former.email)
    question = world.question(world.cohort_set, 1)
    studies_nothing_of(client, auth, world.cohort_set, former, world)
    assert client.get(f"/study/cards/{question.id}/report").status_code == 404
    flagged = auth.post(f"/study/cards/{question.id}/flag", {}, form_page="/dashboard")
    assert "not in your sets" in client.get(flagged.headers["Location"]).get_data(as_text=True)


def test_a_member_cannot_re_share_a_cohort_set_through_a_cohort_of_their_own(
    client, auth, world, create_user
):
    member = world.users["member"]
    auth.login(member.email)
    auth.post("/cohorts/new", {"name": "My own cohort"}, form_page="/cohorts/")
    mine = db.session.scalar(
        sa.select(cohorts.Cohort).where(cohorts.Cohort.name == "My own cohort")
    )
    manage = client.get(f"/cohorts/{mine.id}/manage").get_data(as_text=True)
    assert "Cohort set" not in manage and "Public set" in manage
    refused = auth.post(
        f"/cohorts/{mine.id}/assign",
        {"target": world.cohort_set.id},
        form_page=f"/cohorts/{mine.id}/manage",
    )
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "cannot see that set" in page
    assert (
        db.session.execute(sa.select(cohort_sets).where(cohort_sets.c.cohort_id == mine.id)).all()
        == []
    )

    newcomer = create_user(email="newcomer@example.edu")
    auth.logout()
    auth.login(newcomer.email)
    auth.post("/cohorts/join", {"code": mine.join_code}, form_page="/cohorts/")
    assert not can_open_card(client, world.question(world.cohort_set).id)
    assert "Cohort set" not in client.get("/library/").get_data(as_text=True)


def test_a_rep_assigns_what_the_cohort_already_sees(client, auth, world):
    rep = world.users["rep"]
    auth.login(rep.email)
    manage = f"/cohorts/{world.cohort.id}/manage"
    page = client.get(manage).get_data(as_text=True)
    assert "Cohort set" in page and "Public set" in page and "Private set" not in page
    done = auth.post(
        f"/cohorts/{world.cohort.id}/assign", {"target": world.public_set.id}, form_page=manage
    )
    assert "Set assigned" in client.get(done.headers["Location"]).get_data(as_text=True)
    refused = auth.post(
        f"/cohorts/{world.cohort.id}/assign", {"target": world.private_set.id}, form_page=manage
    )
    assert "cannot see that set" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_only_invited_faculty_share_with_a_cohort_and_follow_it(client, auth, world, clock):
    other = world.users["other_faculty"]
    mine = bank.create_set(other, "Other's set", "", clock.now())
    bank.save_question(mine, sba(1), other, clock.now())
    db.session.commit()
    auth.login(other.email)
    settings = f"/sets/{mine.id}/settings"
    assert "Year 2" not in client.get(settings).get_data(as_text=True)
    refused = auth.post(
        settings,
        {"title": "Other's set", "visibility": "cohorts", "cohorts": world.cohort.id},
    )
    assert refused.status_code == 200
    assert (
        db.session.execute(sa.select(set_shares).where(set_shares.c.set_id == mine.id)).all() == []
    )
    assert client.get(f"/sets/cohorts/{world.cohort.id}").status_code == 403
    assert "Year 2" not in client.get("/sets/cohorts").get_data(as_text=True)

    # The rep invites them by e-mail: now they can.
    auth.logout()
    auth.login(world.users["rep"].email)
    manage = f"/cohorts/{world.cohort.id}/manage"
    auth.post(f"/cohorts/{world.cohort.id}/invite", {"email": other.email.upper()}, manage)
    assert db.session.get(CohortFaculty, (world.cohort.id, other.id)) is not None
    auth.logout()
    auth.login(other.email)
    shared = auth.post(
        settings,
        {"title": "Other's set", "visibility": "cohorts", "cohorts": world.cohort.id},
    )
    assert shared.status_code == 302
    assert client.get(f"/sets/cohorts/{world.cohort.id}").status_code == 200


def test_a_rep_cannot_invite_a_student_as_faculty(client, auth, world):
    auth.login(world.users["rep"].email)
    manage = f"/cohorts/{world.cohort.id}/manage"
    sent = auth.post(
        f"/cohorts/{world.cohort.id}/invite", {"email": world.users["outsider"].email}, manage
    )
    assert "No faculty member has that e-mail" in client.get(sent.headers["Location"]).get_data(
        as_text=True
    )


def test_another_authors_image_cannot_be_linked_by_its_hash(client, auth, world):
    other = world.users["other_faculty"]
    private_image = world.media["private"].sha256
    auth.login(other.email)
    auth.post("/sets/new", {"title": "Thief", "description": ""})
    thief = db.session.scalar(sa.select(QuestionSet).where(QuestionSet.title == "Thief"))
    form = {
        "kind": "single",
        "stem": f"Look ![x](/media/{private_image})",
        "options-0-text": "A",
        "options-0-correct": "y",
        "options-1-text": "B",
    }
    page = auth.post(f"/sets/{thief.id}/questions/new", form)
    assert page.status_code == 200
    assert "is not one of yours" in page.get_data(as_text=True)
    assert thief.questions == []
    export = client.get(f"/sets/{thief.id}/export.json")
    assert private_image not in export.get_data(as_text=True)
    assert client.get(f"/media/{private_image}").status_code == 404


def test_an_image_the_author_uploads_again_is_theirs_to_use(client, auth, world):
    from tests.bank_helpers import tiny_png

    other = world.users["other_faculty"]
    auth.login(other.email)
    auth.post("/sets/new", {"title": "Own copy", "description": ""})
    mine = db.session.scalar(sa.select(QuestionSet).where(QuestionSet.title == "Own copy"))
    form = {
        "kind": "single",
        "stem": "Look",
        "options-0-text": "A",
        "options-0-correct": "y",
        "options-1-text": "B",
        "image": (__import__("io").BytesIO(tiny_png(2)), "scan.png"),  # the private set's bytes
    }
    saved = auth.post(f"/sets/{mine.id}/questions/new", form, content_type="multipart/form-data")
    assert saved.status_code == 302
    assert client.get(f"/media/{world.media['private'].sha256}").status_code == 200


def test_saving_a_sets_settings_keeps_the_reps_assignments(client, auth, world, clock):
    rep, owner = world.users["rep"], world.users["owner"]
    cohorts.assign_set(world.cohort, world.public_set, rep, clock.now())
    db.session.commit()
    auth.login(owner.email)
    auth.post(
        f"/sets/{world.public_set.id}/settings",
        {"title": "Public set, renamed", "description": "", "visibility": "public"},
    )
    assigned = db.session.execute(
        sa.select(cohort_sets.c.cohort_id).where(cohort_sets.c.set_id == world.public_set.id)
    ).all()
    assert assigned == [(world.cohort.id,)]


def test_an_answer_is_timed_by_the_server_not_the_browser(client, auth, world, clock):
    outsider = world.users["outsider"]
    auth.login(outsider.email)
    first, second = world.public_set.questions
    page = client.get(f"/study/cards/{first.id}").get_data(as_text=True)
    form = card_form(page)
    forged = {**form, "chosen": "A", "shown": "0.forged", "time_taken_ms": "9000"}
    client.post("/study/answer", data=forged)  # a script, at once, claiming 9 s
    clock.advance(seconds=8)
    form = card_form(client.get(f"/study/cards/{second.id}").get_data(as_text=True))
    clock.advance(seconds=6)
    client.post("/study/answer", data={**form, "chosen": "A"})  # a student, 6 s

    times = db.session.scalars(
        sa.select(ReviewLog.time_taken_ms)
        .where(ReviewLog.user_id == outsider.id)
        .order_by(ReviewLog.id)
    ).all()
    assert times == [0, 6000]
    xp = db.session.scalar(sa.select(DailyActivity.xp).where(DailyActivity.user_id == outsider.id))
    assert xp == 5  # the timed answer's 1 + 4 for being right; the instant one earns none


def test_changes_of_access_are_in_the_audit_log(client, auth, world, clock):
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "faculty_added" in actions and "set_shared" in actions
    assert "member_removed" in actions
    removal = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "member_removed"))
    assert removal.actor_id == world.users["rep"].id
    assert removal.details["member_name"] == "Fay Former"
    auth.login(world.users["admin"].email)
    page = client.get("/admin/audit?action=member_removed").get_data(as_text=True)
    assert "<td>Member removed from a cohort</td>" in page and "Fay Former" in page
    assert "<td>Set shared with a cohort</td>" not in page
    assert json.dumps(removal.details)
