import re

from qbank.extensions import db
from qbank.models import PasswordResetLink, Role
from tests.support import csrf_token


def test_admin_finds_a_user_and_grants_faculty(client, auth, create_user):
    admin = create_user(role=Role.ADMIN)
    student = create_user(email="ana@example.edu", display_name="Ana Lima")
    create_user(email="bo@example.edu")
    auth.login(admin.email)
    page = client.get("/admin/users?q=LIMA").get_data(as_text=True)
    assert "ana@example.edu" in page and "bo@example.edu" not in page
    response = auth.post(
        f"/admin/users/{student.id}/role",
        {"role": "faculty"},
        form_page=f"/admin/users/{student.id}",
    )
    assert response.status_code == 302
    assert "ana@example.edu is now faculty." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db.session.refresh(student)
    assert student.role == "faculty"


def test_search_treats_wildcards_literally(client, auth, create_user):
    admin = create_user(role=Role.ADMIN)
    create_user(email="bo@example.edu")
    auth.login(admin.email)
    page = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "No account matches" in page


def test_admin_issues_a_reset_link_the_user_can_use_once(app, client, auth, create_user):
    admin = create_user(role=Role.ADMIN)
    student = create_user(email="ana@example.edu")
    auth.login(admin.email)
    page = auth.post(
        f"/admin/users/{student.id}/reset-link", {}, form_page=f"/admin/users/{student.id}"
    ).get_data(as_text=True)
    link = re.search(r'value="(http://qbank.test/reset/[^"]+)"', page).group(1)
    path = link.removeprefix("http://qbank.test")
    assert db.session.scalar(db.select(PasswordResetLink.token_hash)) not in link

    browser = app.test_client()
    assert "For ana@example.edu" in browser.get(path).get_data(as_text=True)
    response = browser.post(
        path,
        data={
            "password": "my new password",
            "confirm": "my new password",
            "csrf_token": csrf_token(browser, path),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/login"
    assert browser.get(path).status_code == 404
    login = browser.post(
        "/login",
        data={
            "email": "ana@example.edu",
            "password": "my new password",
            "csrf_token": csrf_token(browser, "/login"),
        },
    )
    assert login.headers["Location"] == "/dashboard"


def test_admin_cannot_remove_the_last_admin(client, auth, create_user):
    admin = create_user(role=Role.ADMIN)
    auth.login(admin.email)
    response = auth.post(
        f"/admin/users/{admin.id}/role",
        {"role": "student"},
        form_page=f"/admin/users/{admin.id}",
        follow_redirects=True,
    )
    assert "This is the only admin." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_unknown_user_is_a_404_page(client, auth, create_user):
    admin = create_user(role=Role.ADMIN)
    auth.login(admin.email)
    response = client.get("/admin/users/9999")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)
