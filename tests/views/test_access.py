"""Every route states who may use it; these tables are the checklist."""

import pytest

from qbank.models import Role
from tests.support import csrf_token

PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/reset/<token>"),
    ("POST", "/reset/<token>"),
    ("GET", "/static/<path:filename>"),
}

FACULTY = {Role.FACULTY, Role.ADMIN}

# (method, rule, example URL, roles allowed); None means any signed-in user.
PROTECTED = [
    ("GET", "/dashboard", "/dashboard", None),
    ("GET", "/points", "/points", None),
    ("GET", "/account/password", "/account/password", None),
    ("POST", "/account/password", "/account/password", None),
    ("GET", "/account/data.json", "/account/data.json", None),
    ("GET", "/account/delete", "/account/delete", None),
    ("POST", "/account/delete", "/account/delete", None),
    ("POST", "/logout", "/logout", None),
    ("GET", "/media/<string(length=64):sha256>", "/media/" + "a" * 64, None),
    ("GET", "/study/", "/study/", None),
    ("GET", "/study/cards", "/study/cards", None),
    ("GET", "/study/cards/<int:question_id>", "/study/cards/1", None),
    ("POST", "/study/answer", "/study/answer", None),
    ("GET", "/study/reviews/<int:review_id>", "/study/reviews/1", None),
    ("POST", "/study/undo", "/study/undo", None),
    ("GET", "/study/backlog", "/study/backlog", None),
    ("POST", "/study/backlog", "/study/backlog", None),
    ("GET", "/study/exams", "/study/exams", None),
    ("POST", "/study/exams/<int:set_id>", "/study/exams/1", None),
    (
        "POST",
        "/study/cards/<int:question_id>/"
        "<any(suspend, unsuspend, bury, unbury, flag, unflag, reset):action>",
        "/study/cards/1/bury",
        None,
    ),
    ("GET", "/study/cards/<int:question_id>/report", "/study/cards/1/report", None),
    ("GET", "/study/cards/<int:question_id>/info", "/study/cards/1/info", None),
    ("POST", "/study/cards/<int:question_id>/report", "/study/cards/1/report", None),
    ("GET", "/practice/", "/practice/", None),
    ("POST", "/practice/", "/practice/", None),
    ("GET", "/practice/previous", "/practice/previous", None),
    ("GET", "/practice/lab-values", "/practice/lab-values", None),
    ("GET", "/practice/assigned/<int:assignment_id>", "/practice/assigned/1", None),
    ("POST", "/practice/assigned/<int:assignment_id>/start", "/practice/assigned/1/start", None),
    ("GET", "/practice/blocks/<int:block_id>", "/practice/blocks/1", None),
    ("GET", "/practice/blocks/<int:block_id>/<int:position>", "/practice/blocks/1/1", None),
    ("POST", "/practice/blocks/<int:block_id>/<int:position>", "/practice/blocks/1/1", None),
    ("GET", "/practice/blocks/<int:block_id>/end", "/practice/blocks/1/end", None),
    ("POST", "/practice/blocks/<int:block_id>/end", "/practice/blocks/1/end", None),
    ("GET", "/practice/blocks/<int:block_id>/report", "/practice/blocks/1/report", None),
    ("GET", "/library/", "/library/", None),
    ("POST", "/library/<int:set_id>/<any(enroll, unenroll):choice>", "/library/1/enroll", None),
    ("GET", "/settings/", "/settings/", None),
    ("GET", "/stats/", "/stats/", None),
    ("GET", "/cohorts/", "/cohorts/", None),
    ("POST", "/cohorts/new", "/cohorts/new", None),
    ("POST", "/cohorts/join", "/cohorts/join", None),
    ("GET", "/cohorts/join/<code>", "/cohorts/join/ABC", None),
    ("GET", "/cohorts/<int:cohort_id>", "/cohorts/1", None),
    ("POST", "/cohorts/<int:cohort_id>/shown", "/cohorts/1/shown", None),
    ("POST", "/cohorts/<int:cohort_id>/leave", "/cohorts/1/leave", None),
    ("GET", "/cohorts/<int:cohort_id>/manage", "/cohorts/1/manage", None),
    ("POST", "/cohorts/<int:cohort_id>/manage", "/cohorts/1/manage", None),
    ("POST", "/cohorts/<int:cohort_id>/exams/<int:set_id>", "/cohorts/1/exams/1", None),
    (
        "POST",
        "/cohorts/<int:cohort_id>/<any(rotate, remove, appoint, assign, invite, uninvite):command>",
        "/cohorts/1/rotate",
        None,
    ),
    ("GET", "/cohorts/<int:cohort_id>/standings.csv", "/cohorts/1/standings.csv", None),
    ("POST", "/settings/", "/settings/", None),
    ("POST", "/settings/optimize", "/settings/optimize", None),
    ("POST", "/settings/retention", "/settings/retention", None),
    ("GET", "/settings/workload", "/settings/workload", None),
    (
        "POST",
        "/settings/devices/<int:session_id>/logout",
        "/settings/devices/1/logout",
        None,
    ),
    ("POST", "/settings/devices/logout-others", "/settings/devices/logout-others", None),
    ("GET", "/sets/", "/sets/", FACULTY),
    ("GET", "/sets/new", "/sets/new", FACULTY),
    ("POST", "/sets/new", "/sets/new", FACULTY),
    ("GET", "/sets/<int:set_id>", "/sets/1", FACULTY),
    ("GET", "/sets/<int:set_id>/settings", "/sets/1/settings", FACULTY),
    ("GET", "/sets/<int:set_id>/statistics", "/sets/1/statistics", FACULTY),
    ("POST", "/sets/<int:set_id>/settings", "/sets/1/settings", FACULTY),
    ("POST", "/sets/<int:set_id>/publish", "/sets/1/publish", FACULTY),
    ("POST", "/sets/<int:set_id>/retire", "/sets/1/retire", FACULTY),
    (
        "POST",
        "/sets/<int:set_id>/reports/<int:report_id>/resolve",
        "/sets/1/reports/1/resolve",
        FACULTY,
    ),
    ("GET", "/sets/<int:set_id>/questions/new", "/sets/1/questions/new", FACULTY),
    ("POST", "/sets/<int:set_id>/questions/new", "/sets/1/questions/new", FACULTY),
    ("GET", "/sets/<int:set_id>/questions/<int:question_id>", "/sets/1/questions/1", FACULTY),
    (
        "GET",
        "/sets/<int:set_id>/questions/<int:question_id>/edit",
        "/sets/1/questions/1/edit",
        FACULTY,
    ),
    (
        "POST",
        "/sets/<int:set_id>/questions/<int:question_id>/edit",
        "/sets/1/questions/1/edit",
        FACULTY,
    ),
    (
        "POST",
        "/sets/<int:set_id>/questions/<int:question_id>/retire",
        "/sets/1/questions/1/retire",
        FACULTY,
    ),
    ("GET", "/sets/<int:set_id>/export.<any(json, csv):fmt>", "/sets/1/export.json", FACULTY),
    ("GET", "/sets/cohorts", "/sets/cohorts", FACULTY),
    ("GET", "/sets/cohorts/<int:cohort_id>", "/sets/cohorts/1", FACULTY),
    ("GET", "/sets/cohorts/<int:cohort_id>/blocks/new", "/sets/cohorts/1/blocks/new", FACULTY),
    ("POST", "/sets/cohorts/<int:cohort_id>/blocks/new", "/sets/cohorts/1/blocks/new", FACULTY),
    (
        "GET",
        "/sets/cohorts/<int:cohort_id>/blocks/<int:assignment_id>",
        "/sets/cohorts/1/blocks/1",
        FACULTY,
    ),
    (
        "POST",
        "/sets/cohorts/<int:cohort_id>/blocks/<int:assignment_id>/withdraw",
        "/sets/cohorts/1/blocks/1/withdraw",
        FACULTY,
    ),
    ("GET", "/sets/import/template.csv", "/sets/import/template.csv", FACULTY),
    ("GET", "/sets/import", "/sets/import", FACULTY),
    ("POST", "/sets/import", "/sets/import", FACULTY),
    ("GET", "/sets/import/<token>", "/sets/import/abc", FACULTY),
    ("POST", "/sets/import/<token>", "/sets/import/abc", FACULTY),
    ("GET", "/admin/users", "/admin/users", {Role.ADMIN}),
    ("GET", "/admin/audit", "/admin/audit", {Role.ADMIN}),
    ("GET", "/admin/users/<int:user_id>", "/admin/users/1", {Role.ADMIN}),
    ("POST", "/admin/users/<int:user_id>/role", "/admin/users/1/role", {Role.ADMIN}),
    ("POST", "/admin/users/<int:user_id>/cohorts", "/admin/users/1/cohorts", {Role.ADMIN}),
    (
        "POST",
        "/admin/users/<int:user_id>/cohorts/<int:cohort_id>/remove",
        "/admin/users/1/cohorts/1/remove",
        {Role.ADMIN},
    ),
    (
        "POST",
        "/admin/users/<int:user_id>/reset-link",
        "/admin/users/1/reset-link",
        {Role.ADMIN},
    ),
]


def test_every_route_is_in_the_access_tables(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = PUBLIC | {(method, rule) for method, rule, _, _ in PROTECTED}
    assert routes == listed


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, _, u, _ in PROTECTED])
def test_login_required(client, method, url):
    data = {"csrf_token": csrf_token(client, "/login")} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


ROLE_CASES = [
    (method, url, role, allowed is None or role in allowed)
    for method, _, url, allowed in PROTECTED
    if allowed is not None
    for role in Role
]


@pytest.mark.parametrize(("method", "url", "role", "allowed"), ROLE_CASES)
def test_roles(client, auth, create_user, method, url, role, allowed):
    user = create_user(role=role, email=f"{role.value}@example.edu")
    create_user(role=Role.ADMIN, email="other-admin@example.edu")
    auth.login(user.email)
    data = {"csrf_token": csrf_token(client, "/dashboard")} if method == "POST" else None
    if url.endswith("/role"):
        data["role"] = "admin"
    response = client.open(url, method=method, data=data)
    if allowed:  # let in; the page may still find nothing at that id
        assert response.status_code in (200, 302, 404)
        assert not response.headers.get("Location", "").startswith("/login")
    else:
        assert response.status_code == 403
        assert "Not allowed" in response.get_data(as_text=True)
