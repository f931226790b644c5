"""Object-level access: for every object a route addresses, every relation gets what it should.

The route table (test_access.py) checks roles; this one checks relations to objects: the
owner of a set, an admin, another faculty member, the cohort's rep, a member, a former
member and an outsider (see tests/access_world.py). Each case names what each relation
gets: a status, a redirect, or whether a write took effect. Two checks keep the table
whole: every route with a parameter must have a case, and every table of the data model
must be named as an object kind below or as not addressed by any route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import (
    BlockAssignment,
    CardState,
    Cohort,
    ExamDate,
    Membership,
    PracticeBlock,
    Question,
    QuestionReport,
    QuestionSet,
    UserSession,
)
from qbank.services import access
from tests.access_world import RELATIONS, World, build_world
from tests.support import START, csrf_token, empty_tables

# Every table of the model, by the object kind routes reach it as, or why none does.
OBJECT_KINDS = {
    "question_sets": "set",
    "enrollments": "set",
    "exam_dates": "set",
    "questions": "question",
    "question_versions": "question",
    "card_states": "card",
    "review_logs": "review",
    "cohorts": "cohort",
    "memberships": "cohort",
    "cohort_faculty": "cohort",
    "cohort_sets": "cohort",
    "import_uploads": "import",
    "media_files": "media",
    "question_reports": "report",
    "users": "user",
    "password_reset_links": "reset link",
    "user_sessions": "session",
    "practice_blocks": "block",
    "block_items": "block",
    "block_assignments": "assignment",
    "assignment_questions": "assignment",
}
NOT_ADDRESSED = {
    "audit_events": "read only by admins, as a list (the route table checks the role)",
    "daily_activity": "a projection of the student's own log, never addressed by id",
    "user_stats": "a projection of the student's own log, never addressed by id",
    "badges": "a projection of the student's own log, never addressed by id",
    "past_daily_goals": "the student's own settings history",
    "tags": "read through the sets that use them",
    "question_tags": "read through the sets that use them",
    "question_version_media": "read through the media route",
    "media_uploads": "checked when a question links an image",
    "set_shares": "changed only through a set's settings",
    "throttle_counters": "counted by the login and sign-up forms, never addressed",
}

EVERYONE = dict.fromkeys(RELATIONS)
EXAM_DAY = (START + timedelta(days=60)).date().isoformat()
STAFF = ("owner", "admin")
STUDENTS = ("rep", "member", "former", "outsider")


def outcome(default: Any, **overrides: Any) -> dict[str, Any]:
    return {relation: overrides.get(relation, default) for relation in RELATIONS}


@dataclass(frozen=True)
class Case:
    """One route on one object: what each relation gets.

    An outcome is a status (200, 403, 404), a redirect ("→/study/"), or for a write
    "done" / "refused", judged by ``effect`` (did the write take effect for that user?).
    """

    method: str
    rule: str
    url: str
    outcomes: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    effect: Callable[[World, Any], bool] | None = None

    @property
    def writes(self) -> bool:
        return self.effect is not None


def flagged(world: World, user: Any) -> bool:
    return bool(
        db.session.scalar(
            sa.select(CardState.flagged).where(
                CardState.user_id == user.id,
                CardState.question_id == world.question(world.cohort_set).id,
            )
        )
    )


def block_noted(world: World, user: Any) -> bool:
    """Whether the member's block kept a note (only the member may write one)."""
    db.session.expire_all()
    return any(item.notes == "by the table" for item in world.member_block.items)


def block_ended(world: World, user: Any) -> bool:
    db.session.expire_all()
    return world.member_block.ended_at is not None


def block_set(world: World, user: Any) -> bool:
    return (
        db.session.scalar(
            sa.select(BlockAssignment.id).where(BlockAssignment.title == "Set by the table")
        )
        is not None
    )


def block_withdrawn(world: World, user: Any) -> bool:
    return db.session.scalar(sa.select(BlockAssignment.id)) is None


def block_started(world: World, user: Any) -> bool:
    return (
        db.session.scalar(
            sa.select(PracticeBlock.id).where(
                PracticeBlock.assignment_id == world.assignment.id,
                PracticeBlock.user_id == user.id,
            )
        )
        is not None
    )


def reported(world: World, user: Any) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(QuestionReport.id)).where(
                QuestionReport.user_id == user.id, QuestionReport.comment == "by the table"
            )
        )
    )


def studies_cohort_set(world: World, user: Any) -> bool:
    return access.can_study(user, world.question(world.cohort_set).id)


def hidden_on_board(world: World, user: Any) -> bool:
    return (
        db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.cohort_id == world.cohort.id,
                Membership.show_on_leaderboard.is_(False),
            )
        )
        is not None
    )


def left_cohort(world: World, user: Any) -> bool:
    was_in = user.id in {world.users["member"].id, world.users["rep"].id}
    still_in = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.cohort_id == world.cohort.id
        )
    )
    return was_in and still_in is None


def exam_set(world: World, user: Any) -> bool:
    return (
        db.session.scalar(
            sa.select(ExamDate.id).where(
                ExamDate.set_id == world.cohort_set.id, ExamDate.user_id == user.id
            )
        )
        is not None
    )


def cohort_exam_set(world: World, user: Any) -> bool:
    return (
        db.session.scalar(
            sa.select(ExamDate.id).where(
                ExamDate.set_id == world.cohort_set.id, ExamDate.cohort_id == world.cohort.id
            )
        )
        is not None
    )


def cohort_renamed(world: World, user: Any) -> bool:
    return db.session.get(Cohort, world.cohort.id).name == "Renamed by the table"


def code_rotated(world: World, user: Any) -> bool:
    return db.session.get(Cohort, world.cohort.id).join_code != world.join_code


def set_renamed(world: World, user: Any) -> bool:
    return db.session.get(QuestionSet, world.cohort_set.id).title == "Renamed by the table"


def set_unpublished(world: World, user: Any) -> bool:
    return not db.session.get(QuestionSet, world.cohort_set.id).published


def set_retired(world: World, user: Any) -> bool:
    return db.session.get(QuestionSet, world.cohort_set.id).retired_at is not None


def question_added(world: World, user: Any) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Question.id)).where(Question.set_id == world.cohort_set.id)
        )
        == world.QUESTIONS_PER_SET + 1
    )


def question_retired(world: World, user: Any) -> bool:
    return db.session.get(Question, world.question(world.cohort_set).id).retired_at is not None


def question_edited(world: World, user: Any) -> bool:
    question = db.session.get(Question, world.question(world.cohort_set).id)
    return any(v.stem == "Edited by the table" for v in question.versions)


def phone_logged_out(world: World, user: Any) -> bool:
    phone = db.session.get(UserSession, world.member_phone.id)
    return phone.revoked_at is not None


def report_resolved(world: World, user: Any) -> bool:
    return db.session.get(QuestionReport, world.report.id).resolved_at is not None


def upload_imported(world: World, user: Any) -> bool:
    return (
        db.session.scalar(sa.select(QuestionSet.id).where(QuestionSet.title == "More")) is not None
    )


QUESTION_FORM = {
    "kind": "single",
    "stem": "Edited by the table",
    "options-0-text": "Yes",
    "options-0-correct": "y",
    "options-1-text": "No",
}
STUDY_PAGE = "→/study/"
NOT_STAFF = outcome(403, owner=200, admin=200)
STAFF_WRITE = outcome("refused", owner="done", admin="done")

CASES = [
    # --- study: a question is studied by members of the cohort it is shared with
    Case(
        "GET",
        "/study/cards/<int:question_id>",
        "/study/cards/{cohort_q}",
        outcome(STUDY_PAGE, rep=200, member=200),
    ),
    Case("GET", "/study/cards/<int:question_id>", "/study/cards/{private_q}", outcome(STUDY_PAGE)),
    Case(
        "GET",
        "/study/cards/<int:question_id>",
        "/study/cards/{public_q}",
        outcome(STUDY_PAGE, member=200, outsider=200),
    ),
    Case(
        "GET",
        "/study/reviews/<int:review_id>",
        "/study/reviews/{member_review}",
        outcome(404, member=200),
    ),
    Case(
        "GET",
        "/study/reviews/<int:review_id>",
        "/study/reviews/{former_review}",
        outcome(404, former=STUDY_PAGE),
    ),
    Case(
        "POST",
        "/study/cards/<int:question_id>/"
        "<any(suspend, unsuspend, bury, unbury, flag, unflag, reset):action>",
        "/study/cards/{cohort_q}/flag",
        outcome("refused", rep="done", member="done"),
        effect=flagged,
    ),
    Case(
        "GET",
        "/study/cards/<int:question_id>/report",
        "/study/cards/{cohort_q}/report",
        outcome(404, rep=200, member=200),
    ),
    Case(
        "POST",
        "/study/cards/<int:question_id>/report",
        "/study/cards/{cohort_q}/report",
        outcome("refused", rep="done", member="done"),
        data={"reason": "typo", "comment": "by the table"},
        effect=reported,
    ),
    # Card info: whoever may see the question sees their own card of it; a removed member's
    # history stays, but its page closes with the sharing.
    Case(
        "GET",
        "/study/cards/<int:question_id>/info",
        "/study/cards/{cohort_q}/info",
        outcome(404, owner=200, admin=200, rep=200, member=200),
    ),
    Case(
        "GET",
        "/study/cards/<int:question_id>/info",
        "/study/cards/{private_q}/info",
        outcome(404, owner=200, admin=200),
    ),
    Case(
        "GET", "/study/cards/<int:question_id>/info", "/study/cards/{public_q}/info", outcome(200)
    ),
    # Exam dates: a student gives one to a set they study; a rep, to a set of the cohort.
    Case(
        "POST",
        "/study/exams/<int:set_id>",
        "/study/exams/{cohort_set}",
        outcome("refused", rep="done", member="done"),
        data={"day": EXAM_DAY},
        effect=exam_set,
    ),
    Case(
        "POST",
        "/library/<int:set_id>/<any(enroll, unenroll):choice>",
        "/library/{cohort_set}/enroll",
        outcome("refused", rep="done", member="done"),
        effect=studies_cohort_set,
    ),
    # --- cohorts: members see the board; only reps run the cohort
    Case("GET", "/cohorts/<int:cohort_id>", "/cohorts/{cohort}", outcome(404, rep=200, member=200)),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/shown",
        "/cohorts/{cohort}/shown",
        outcome("refused", rep="done", member="done"),
        data={"shown": "0"},
        effect=hidden_on_board,
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/leave",
        "/cohorts/{cohort}/leave",
        outcome("refused", member="done"),  # the last rep cannot leave
        effect=left_cohort,
    ),
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/manage",
        "/cohorts/{cohort}/manage",
        outcome(404, rep=200, member=403),
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/manage",
        "/cohorts/{cohort}/manage",
        outcome("refused", rep="done"),
        data={
            "name": "Renamed by the table",
            "timezone": "UTC",
            "window": "week",
            "metric": "xp",
            "accuracy_min_answers": "50",
            "view": "full",
        },
        effect=cohort_renamed,
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/<any(rotate, remove, appoint, assign, invite, uninvite):command>",
        "/cohorts/{cohort}/rotate",
        outcome("refused", rep="done"),
        effect=code_rotated,
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/exams/<int:set_id>",
        "/cohorts/{cohort}/exams/{cohort_set}",
        outcome("refused", rep="done"),
        data={"day": EXAM_DAY},
        effect=cohort_exam_set,
    ),
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/standings.csv",
        "/cohorts/{cohort}/standings.csv",
        outcome(404, rep=200, member=403),
    ),
    Case("GET", "/cohorts/join/<code>", "/cohorts/join/{join_code}", outcome("→/cohorts/")),
    # --- faculty: a set's owner (and admins) manage it; nobody else sees its pages
    Case("GET", "/sets/<int:set_id>", "/sets/{cohort_set}", NOT_STAFF),
    Case("GET", "/sets/<int:set_id>/settings", "/sets/{cohort_set}/settings", NOT_STAFF),
    Case(
        "POST",
        "/sets/<int:set_id>/settings",
        "/sets/{cohort_set}/settings",
        STAFF_WRITE,
        data={"title": "Renamed by the table", "description": "", "visibility": "public"},
        effect=set_renamed,
    ),
    Case(
        "POST",
        "/sets/<int:set_id>/publish",
        "/sets/{cohort_set}/publish",
        STAFF_WRITE,
        data={"published": "0"},
        effect=set_unpublished,
    ),
    Case(
        "POST",
        "/sets/<int:set_id>/retire",
        "/sets/{cohort_set}/retire",
        STAFF_WRITE,
        data={"retired": "1"},
        effect=set_retired,
    ),
    Case("GET", "/sets/<int:set_id>/statistics", "/sets/{cohort_set}/statistics", NOT_STAFF),
    Case(
        "GET",
        "/sets/<int:set_id>/export.<any(json, csv):fmt>",
        "/sets/{cohort_set}/export.json",
        NOT_STAFF,
    ),
    Case("GET", "/sets/<int:set_id>/questions/new", "/sets/{cohort_set}/questions/new", NOT_STAFF),
    Case(
        "POST",
        "/sets/<int:set_id>/questions/new",
        "/sets/{cohort_set}/questions/new",
        STAFF_WRITE,
        data=QUESTION_FORM,
        effect=question_added,
    ),
    Case(
        "GET",
        "/sets/<int:set_id>/questions/<int:question_id>",
        "/sets/{cohort_set}/questions/{cohort_q}",
        NOT_STAFF,
    ),
    Case(
        "GET",
        "/sets/<int:set_id>/questions/<int:question_id>",
        "/sets/{cohort_set}/questions/{public_q}",  # a question of another set
        outcome(403, owner=404, admin=404),
    ),
    Case(
        "GET",
        "/sets/<int:set_id>/questions/<int:question_id>/edit",
        "/sets/{cohort_set}/questions/{cohort_q}/edit",
        NOT_STAFF,
    ),
    Case(
        "POST",
        "/sets/<int:set_id>/questions/<int:question_id>/edit",
        "/sets/{cohort_set}/questions/{cohort_q}/edit",
        STAFF_WRITE,
        data=QUESTION_FORM,
        effect=question_edited,
    ),
    Case(
        "POST",
        "/sets/<int:set_id>/questions/<int:question_id>/retire",
        "/sets/{cohort_set}/questions/{cohort_q}/retire",
        STAFF_WRITE,
        data={"retired": "1"},
        effect=question_retired,
    ),
    Case(
        "POST",
        "/sets/<int:set_id>/reports/<int:report_id>/resolve",
        "/sets/{cohort_set}/reports/{report}/resolve",
        STAFF_WRITE,
        effect=report_resolved,
    ),
    Case(
        "POST",
        "/sets/<int:set_id>/reports/<int:report_id>/resolve",
        "/sets/{public_set}/reports/{report}/resolve",  # the report is on another set
        outcome("refused"),
        effect=report_resolved,
    ),
    Case("GET", "/sets/cohorts/<int:cohort_id>", "/sets/cohorts/{cohort}", NOT_STAFF),
    # --- a block set for the cohort: its author (and admins) manage it, members take it
    Case(
        "GET",
        "/sets/cohorts/<int:cohort_id>/blocks/new",
        "/sets/cohorts/{cohort}/blocks/new",
        NOT_STAFF,
    ),
    Case(
        "POST",
        "/sets/cohorts/<int:cohort_id>/blocks/new",
        "/sets/cohorts/{cohort}/blocks/new",
        STAFF_WRITE,
        data={
            "title": "Set by the table",
            "set": "{cohort_set}",
            "question": "{cohort_q}",
            "mode": "timed",
            "seconds": "90",
            "due": EXAM_DAY,
        },
        effect=block_set,
    ),
    Case(
        "GET",
        "/sets/cohorts/<int:cohort_id>/blocks/<int:assignment_id>",
        "/sets/cohorts/{cohort}/blocks/{assignment}",
        NOT_STAFF,
    ),
    Case(
        "POST",
        "/sets/cohorts/<int:cohort_id>/blocks/<int:assignment_id>/withdraw",
        "/sets/cohorts/{cohort}/blocks/{assignment}/withdraw",
        STAFF_WRITE,
        effect=block_withdrawn,
    ),
    Case(
        "GET",
        "/practice/assigned/<int:assignment_id>",
        "/practice/assigned/{assignment}",
        outcome(404, rep=200, member=200),
    ),
    Case(
        "POST",
        "/practice/assigned/<int:assignment_id>/start",
        "/practice/assigned/{assignment}/start",
        # The member has a block in progress: they are asked to finish it first.
        outcome("refused", rep="done"),
        effect=block_started,
    ),
    Case(
        "GET",
        "/sets/import/<token>",
        "/sets/import/{upload}",
        outcome(403, owner=200, admin="→/sets/import", other_faculty="→/sets/import"),
    ),
    Case(
        "POST",
        "/sets/import/<token>",
        "/sets/import/{upload}",
        outcome("refused", owner="done"),
        effect=upload_imported,
    ),
    # --- a practice block is its student's alone; anyone else finds nothing there
    Case(
        "GET",
        "/practice/blocks/<int:block_id>",
        "/practice/blocks/{member_block}",
        outcome(404, member="→/practice/blocks/"),
    ),
    Case(
        "GET",
        "/practice/blocks/<int:block_id>/<int:position>",
        "/practice/blocks/{member_block}/1",
        outcome(404, member=200),
    ),
    Case(
        "POST",
        "/practice/blocks/<int:block_id>/<int:position>",
        "/practice/blocks/{member_block}/1",
        outcome("refused", member="done"),
        data={"chosen": "A", "notes": "by the table", "go": "2"},
        effect=block_noted,
    ),
    Case(
        "GET",
        "/practice/blocks/<int:block_id>/end",
        "/practice/blocks/{member_block}/end",
        outcome(404, member=200),
    ),
    Case(
        "POST",
        "/practice/blocks/<int:block_id>/end",
        "/practice/blocks/{member_block}/end",
        outcome("refused", member="done"),
        effect=block_ended,
    ),
    Case(
        "GET",
        "/practice/blocks/<int:block_id>/report",
        "/practice/blocks/{member_block}/report",
        outcome(404, member="→/practice/blocks/"),
    ),
    # --- images follow the questions that show them
    Case(
        "GET",
        "/media/<string(length=64):sha256>",
        "/media/{cohort_media}",
        outcome(404, owner=200, admin=200, rep=200, member=200),
    ),
    Case(
        "GET",
        "/media/<string(length=64):sha256>",
        "/media/{private_media}",
        outcome(404, owner=200, admin=200),
    ),
    Case("GET", "/media/<string(length=64):sha256>", "/media/{public_media}", outcome(200)),
    # --- accounts: admins only
    Case("GET", "/admin/users/<int:user_id>", "/admin/users/{member_id}", outcome(403, admin=200)),
    Case(
        "POST",
        "/admin/users/<int:user_id>/role",
        "/admin/users/{member_id}/role",
        outcome(403, admin="→/admin/users/"),
        data={"role": "student"},
    ),
    Case(
        "POST",
        "/admin/users/<int:user_id>/reset-link",
        "/admin/users/{member_id}/reset-link",
        outcome(403, admin=200),
    ),
    Case(
        "POST",
        "/admin/users/<int:user_id>/cohorts",
        "/admin/users/{member_id}/cohorts",
        outcome(403, admin="→/admin/users/"),
        data={"cohort": "{cohort}"},
    ),
    Case(
        "POST",
        "/admin/users/<int:user_id>/cohorts/<int:cohort_id>/remove",
        "/admin/users/{member_id}/cohorts/{cohort}/remove",
        outcome(403, admin="→/admin/users/"),
    ),
    # --- a signed-in device is its user's alone to log out
    Case(
        "POST",
        "/settings/devices/<int:session_id>/logout",
        "/settings/devices/{member_phone}/logout",
        outcome("refused", member="done"),
        effect=phone_logged_out,
    ),
    # --- a reset link is its own key: an unknown one opens nothing, whoever asks
    Case("GET", "/reset/<token>", "/reset/not-a-real-token", outcome(404)),
    Case("POST", "/reset/<token>", "/reset/not-a-real-token", outcome(404)),
]


def test_every_route_with_a_parameter_has_a_case(app):
    with_parameters = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.arguments and not rule.rule.startswith("/static/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert with_parameters == {(case.method, case.rule) for case in CASES}


def test_every_table_is_an_object_kind_or_said_to_be_unaddressed():
    tables = set(db.metadata.tables)
    assert tables == set(OBJECT_KINDS) | set(NOT_ADDRESSED)
    assert not set(OBJECT_KINDS) & set(NOT_ADDRESSED)


def _fill(template: Any, ids: dict[str, Any]) -> Any:
    return template.format(**ids) if isinstance(template, str) else template


def _check(client, world: World, case: Case, relation: str, expected: Any) -> str | None:
    """Make the request as ``relation``; return what went wrong, or None."""
    user = world.users[relation]
    url = case.url.format(**world.ids)
    data = None
    if case.method == "POST":
        data = {k: _fill(v, world.ids) for k, v in case.data.items()}
        data["csrf_token"] = csrf_token(client, "/dashboard")
    response = client.open(url, method=case.method, data=data)
    got = response.status_code
    location = response.headers.get("Location", "")
    if got >= 500 or location.startswith("/login"):
        return f"{relation}: {got} {location}"
    if expected in ("done", "refused"):
        took_effect = case.effect(world, user)
        if took_effect != (expected == "done") or (got in (403, 404) and expected == "done"):
            return f"{relation}: expected {expected}, got {got} (effect {took_effect})"
        return None
    if isinstance(expected, str):  # a redirect
        if got != 302 or not location.startswith(expected[1:]):
            return f"{relation}: expected redirect to {expected[1:]}, got {got} {location}"
        return None
    if got != expected:
        return f"{relation}: expected {expected}, got {got}"
    return None


@pytest.mark.parametrize("relation", RELATIONS)
def test_each_relation_reads_what_it_should(app, client, auth, create_user, clock, relation):
    """The cases that change nothing, in one world per relation."""
    world = build_world(create_user, clock, app.extensions["qbank_media"])
    auth.login(world.users[relation].email)
    problems = [
        f"{case.method} {case.url}: {problem}"
        for case in CASES
        if not case.writes
        and (problem := _check(client, world, case, relation, case.outcomes[relation]))
    ]
    assert problems == []


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.writes], ids=lambda c: f"{c.method} {c.url}"
)
def test_each_relation_writes_what_it_should(app, client, auth, create_user, clock, case):
    store = app.extensions["qbank_media"]
    world = build_world(create_user, clock, store)
    problems = []
    for relation in RELATIONS:
        auth.login(world.users[relation].email)
        problem = _check(client, world, case, relation, case.outcomes[relation])
        if problem:
            problems.append(problem)
        auth.logout()
        if case.effect(world, world.users[relation]):
            # A write that took effect changes the world: the next relation gets a new one.
            db.session.remove()
            empty_tables()
            world = build_world(create_user, clock, store)
    assert problems == []
