from datetime import timedelta

from qbank.extensions import db
from qbank.models import User
from qbank.services import accounts
from tests.support import PASSWORD, csrf_token


def register(client, **overrides):
    data = {
        "display_name": "Ana Lima",
        "email": "ana@example.edu",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "timezone": "America/Sao_Paulo",
        "csrf_token": csrf_token(client, "/register"),
        **overrides,
    }
    return client.post("/register", data=data)


def test_register_signs_in_and_shows_the_dashboard(client):
    response = register(client)
    assert response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Hello, Ana Lima" in page
    assert "America/Sao_Paulo" in page
    user = db.session.scalar(db.select(User))
    assert (user.email, user.role) == ("ana@example.edu", "student")


def test_register_with_a_taken_email_names_no_account(client, create_user):
    create_user(email="ana@example.edu")
    response = register(client, email="ANA@example.EDU")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (
        "We could not create an account with these details. If you already have one, log in, "
        "or ask an admin for a reset link."
    ) in page
    assert "already exists" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_register_refuses_a_common_password_under_the_field(client):
    page = register(client, password="password1234", confirm="password1234").get_data(as_text=True)
    assert (
        '<ul class="errors" id="password-errors">\n      <li>That password is on a list of '
        "common passwords. Choose a longer phrase of your own.</li>"
    ) in page
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_a_class_of_fifty_signs_up_from_one_address_with_the_default_settings(app):
    for n in range(50):
        response = register(app.test_client(), email=f"student{n}@example.edu")
        assert response.headers["Location"] == "/dashboard", n
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 50


def test_register_reports_mismatched_and_short_passwords(client):
    page = register(client, password="short", confirm="other").get_data(as_text=True)
    assert "Field must be between 10 and 200 characters long." in page
    assert "The passwords don&#39;t match." in page


def test_register_without_csrf_token_is_refused(client):
    response = client.post(
        "/register",
        data={
            "display_name": "A",
            "email": "a@example.edu",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "This form has expired or did not come from this site." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_login_and_logout(client, auth, create_user):
    user = create_user(display_name="Ana")
    response = auth.login(user.email)
    assert response.headers["Location"] == "/dashboard"
    assert "Hello, Ana" in client.get("/dashboard").get_data(as_text=True)
    assert auth.logout().headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_gets_a_clear_message(client, auth, create_user):
    user = create_user()
    response = auth.login(user.email, "not my password")
    assert response.status_code == 200
    assert "Wrong e-mail or password. Check both and try again." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_login_redirects_only_to_local_pages(client, auth, create_user):
    user = create_user()
    token = csrf_token(client, "/login")
    for target, expected in [
        ("/sets/", "/sets/"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example", "/dashboard"),
    ]:
        response = client.post(
            f"/login?next={target}",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == expected
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
        token = csrf_token(client, "/login")


def test_remember_me_sets_an_httponly_lax_cookie(client, auth, create_user):
    user = create_user()
    auth.login(user.email, remember=True)
    cookie = client.get_cookie("remember_token", domain="qbank.test")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_session_cookie_is_httponly_and_lax(client, auth, create_user):
    user = create_user()
    response = auth.login(user.email)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_change_password_with_wrong_current_password(client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    response = auth.post(
        "/account/password",
        {
            "current": "nope nope nope",
            "password": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert "Your current password is not right. Type it again." in response.get_data(as_text=True)


def test_change_password_refuses_a_breached_password(client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    response = auth.post(
        "/account/password",
        {"current": PASSWORD, "password": "iloveyou12345", "confirm": "iloveyou12345"},
    )
    assert "That password is on a list of common passwords." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_first_login_takes_the_browsers_time_zone_once(client, create_user):
    user = create_user()
    assert (user.timezone, user.timezone_confirmed) == ("UTC", False)
    form = {"email": user.email, "password": PASSWORD, "timezone": "Asia/Kolkata"}
    client.post("/login", data={**form, "csrf_token": csrf_token(client, "/login")})
    db.session.refresh(user)
    assert (user.timezone, user.timezone_confirmed) == ("Asia/Kolkata", True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    form["timezone"] = "Europe/Paris"
    client.post("/login", data={**form, "csrf_token": csrf_token(client, "/login")})
    db.session.refresh(user)
    assert user.timezone == "Asia/Kolkata"  # a chosen zone is kept


def test_a_reset_link_refuses_a_common_password(client, create_user, clock):
    user = create_user()
    issued = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=24))
    db.session.commit()
    url = f"/reset/{issued.token}"
    response = client.post(
        url,
        data={
            "password": "football2024",
            "confirm": "football2024",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert "That password is on a list of common passwords." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
