"""Logging out ends the session on the server: its cookies stop working everywhere."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import UserSession, hash_token
from qbank.services import accounts
from tests.support import PASSWORD, csrf_token

DOMAIN = "qbank.test"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def log_in(client, email, remember=False, agent=FIREFOX):
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, headers={"User-Agent": agent})
    assert response.headers["Location"] == "/dashboard"
    return response


def post(client, url, data=None):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, "/settings/")})


def signed_in(client) -> bool:
    response = client.get("/dashboard")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def cookie(client, name):
    found = client.get_cookie(name, domain=DOMAIN)
    assert found is not None, f"no {name} cookie"
    return found.value


@pytest.fixture
def user(create_user):
    return create_user(email="ana@example.edu", display_name="Ana")


def test_a_replayed_session_cookie_lands_on_the_login_page_after_logout(app, client, auth, user):
    log_in(client, user.email)
    stolen = cookie(client, "session")
    replay = app.test_client()
    replay.set_cookie("session", stolen, domain=DOMAIN)
    assert signed_in(replay)  # the copy works while the session lives
    auth.logout()
    assert not signed_in(client)
    assert not signed_in(replay)


def test_the_remember_me_cookie_alone_lands_on_the_login_page_after_logout(app, client, auth, user):
    log_in(client, user.email, remember=True)
    remembered = cookie(client, "remember_token")
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered, domain=DOMAIN)
    assert signed_in(replay)
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered, domain=DOMAIN)
    assert not signed_in(replay)


def test_cookies_carry_a_session_token_and_the_database_only_its_hash(client, user):
    log_in(client, user.email, remember=True)
    rows = db.session.scalars(db.select(UserSession)).all()
    assert len(rows) == 1
    assert rows[0].remember
    assert rows[0].device == "Firefox on Windows"
    token = cookie(client, "remember_token").split("|")[0]
    assert rows[0].token_hash == hash_token(token) != token


def test_a_password_change_signs_out_the_other_device_but_not_this_one(app, client, auth, user):
    log_in(client, user.email)
    laptop = app.test_client()
    log_in(laptop, user.email, remember=True)
    response = auth.post(
        "/account/password",
        {"current": PASSWORD, "password": "a new long password", "confirm": "a new long password"},
    )
    assert response.headers["Location"] == "/dashboard"
    assert signed_in(client)
    assert not signed_in(laptop)


def test_a_reset_through_an_admins_link_signs_out_every_device(app, client, user, clock):
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, user.email)
    log_in(laptop, user.email, remember=True)
    issued = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=24))
    db.session.commit()
    url = f"/reset/{issued.token}"
    response = client.post(
        url,
        data={
            "password": "a fresh long password",
            "confirm": "a fresh long password",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.headers["Location"] == "/login"
    assert not signed_in(phone)
    assert not signed_in(laptop)


def test_log_out_all_other_devices(app, client, user):
    log_in(client, user.email)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        log_in(other, user.email, agent=SAFARI)
    page = client.get("/settings/").get_data(as_text=True)
    assert page.count("Safari on iPhone") == 2
    assert "This device" in page
    response = post(client, "/settings/devices/logout-others")
    assert response.headers["Location"] == "/settings/#devices"
    assert "Logged out 2 other devices." in client.get("/settings/").get_data(as_text=True)
    assert signed_in(client)
    assert not any(signed_in(other) for other in others)


def test_log_out_one_device_from_the_list(app, client, user):
    log_in(client, user.email)
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, user.email, agent=SAFARI)
    log_in(laptop, user.email)
    phone_session = db.session.scalar(
        db.select(UserSession).where(UserSession.device == "Safari on iPhone")
    )
    post(client, f"/settings/devices/{phone_session.id}/logout")
    assert "That device is logged out." in client.get("/settings/").get_data(as_text=True)
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert signed_in(client)


def test_a_forged_form_cannot_log_out_another_users_device(app, client, user, create_user):
    log_in(client, user.email)
    victim_session = db.session.scalar(db.select(UserSession))
    mallory = create_user(email="mallory@example.edu")
    attacker = app.test_client()
    log_in(attacker, mallory.email)
    response = post(attacker, f"/settings/devices/{victim_session.id}/logout")
    assert response.status_code == 302
    assert "That device was already logged out." in attacker.get("/settings/").get_data(
        as_text=True
    )
    assert signed_in(client)
    db.session.refresh(victim_session)
    assert victim_session.revoked_at is None


def test_the_devices_list_shows_only_the_users_own_live_sessions(app, client, user, create_user):
    other = create_user(email="other@example.edu")
    log_in(app.test_client(), other.email, agent=SAFARI)
    log_in(client, user.email)
    stale = app.test_client()
    log_in(stale, user.email, agent=SAFARI)
    stale.post("/logout", data={"csrf_token": csrf_token(stale, "/dashboard")})
    page = client.get("/settings/").get_data(as_text=True)
    assert "Safari on iPhone" not in page
    assert "Firefox on Windows" in page
    assert "Log out all other devices" not in page


def test_a_plain_session_is_refused_after_24_hours(client, user, clock):
    log_in(client, user.email)
    clock.advance(hours=23, minutes=59)
    assert signed_in(client)
    clock.advance(minutes=2)
    assert not signed_in(client)


def test_a_plain_session_cookie_lasts_until_the_browser_closes(client, user):
    response = log_in(client, user.email)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Expires=" not in header and "Max-Age=" not in header


@pytest.mark.parametrize("app_config", [{"QBANK_REMEMBER_DAYS": 7}])
def test_a_remembered_session_is_refused_after_the_remember_days(app, client, user, clock):
    log_in(client, user.email, remember=True)
    remembered = cookie(client, "remember_token")
    clock.advance(days=6, hours=23)
    browser_reopened = app.test_client()
    browser_reopened.set_cookie("remember_token", remembered, domain=DOMAIN)
    assert signed_in(browser_reopened)
    clock.advance(hours=2)
    browser_reopened = app.test_client()
    browser_reopened.set_cookie("remember_token", remembered, domain=DOMAIN)
    assert not signed_in(browser_reopened)
    assert not signed_in(client)


def test_a_signed_in_page_view_writes_nothing(client, user, count_queries):
    log_in(client, user.email)
    with count_queries() as statements:
        assert signed_in(client)
    assert statements.writes == []


def test_the_data_download_lists_the_signed_in_devices(client, user, clock):
    log_in(client, user.email, remember=True)
    data = client.get("/account/data.json").get_json()
    assert data["signed_in_devices"] == [
        {
            "device": "Firefox on Windows",
            "signed_in_at": clock.now().isoformat(),
            "expires_at": (clock.now() + timedelta(days=30)).isoformat(),
            "kept_logged_in": True,
        }
    ]


def test_deleting_the_account_ends_its_sessions(app, client, auth, user):
    log_in(client, user.email, remember=True)
    remembered = cookie(client, "remember_token")
    auth.post("/account/delete", {"password": PASSWORD})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered, domain=DOMAIN)
    assert not signed_in(replay)
