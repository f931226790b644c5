"""Response headers: nothing personal cached, HSTS behind HTTPS, a request id on everything."""

import logging
import re

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.logs import KeyValueFormatter
from qbank.models import AuditEvent, QuestionSet, Role


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


def test_signed_in_pages_and_downloads_are_never_stored(client, auth, create_user):
    user = create_user(role=Role.FACULTY)
    auth.login(user.email)
    auth.post("/sets/new", {"title": "Renal", "description": ""})
    set_id = db.session.scalar(sa.select(QuestionSet.id).where(QuestionSet.title == "Renal"))
    for url in ("/dashboard", "/account/data.json", f"/sets/{set_id}/export.csv", "/settings/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_public_pages_and_static_files_may_be_cached(client):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/static/css/qbank.css").headers.get("Cache-Control", "")


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}], indirect=True)
def test_hsts_when_cookies_are_secure(client):
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_every_response_has_a_request_id_and_audit_events_keep_it(client, auth, create_user):
    admin = create_user(role=Role.ADMIN, email="boss@example.edu")
    student = create_user(email="s@example.edu")
    auth.login(admin.email)
    first, second = client.get("/login"), client.get("/dashboard")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    changed = auth.post(
        f"/admin/users/{student.id}/role",
        {"role": "faculty"},
        form_page=f"/admin/users/{student.id}",
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "role_changed"))
    assert event.request_id == changed.headers["X-Request-Id"]


def test_a_request_id_from_the_client_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/login", headers={"X-Request-Id": "forged-id"})
    assert response.headers["X-Request-Id"] != "forged-id"


@pytest.mark.parametrize("app_config", [{"QBANK_PROXY_HOPS": 1}], indirect=True)
def test_the_proxys_request_id_is_kept(client):
    response = client.get("/login", headers={"X-Request-Id": "edge-7f3a"})
    assert response.headers["X-Request-Id"] == "edge-7f3a"
    odd = client.get("/login", headers={"X-Request-Id": "<script>" + "x" * 80})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-Id"])


def test_log_lines_are_key_value_with_the_request_id():
    record = logging.LogRecord(
        "qbank.requests", logging.INFO, "x", 1, "GET / status=%s", (200,), None
    )
    record.request_id = "abc123"
    line = KeyValueFormatter().format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO qbank.requests request_id=abc123 "
        r"GET / status=200",
        line,
    )
