import pytest

from qbank.models import Role


def test_landing_page_invites_sign_up(client):
    page = client.get("/").get_data(as_text=True)
    assert "Create an account" in page


def test_navigation_follows_the_role(client, auth, create_user):
    student = create_user()
    auth.login(student.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Question sets" not in page and "Users" not in page
    auth.logout()
    admin = create_user(role=Role.ADMIN)
    auth.login(admin.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Question sets" in page and "Users" in page


def test_dashboard_shows_empty_states(client, auth, create_user):
    auth.login(create_user().email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "You are not enrolled in any question set yet." in page
    assert "You are not in a cohort yet." in page


def test_not_found_page_is_in_the_app_look(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)
    assert 'href="/static/css/qbank.css' in response.get_data(as_text=True)


def test_too_large_upload_gets_a_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096})
    assert response.status_code == 413
    assert "That upload is larger than this server accepts." in response.get_data(as_text=True)


@pytest.mark.own_app
def test_server_error_page_says_nothing_was_saved(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "nothing was saved" in response.get_data(as_text=True)


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
