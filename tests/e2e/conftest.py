"""A live qbank on a free local port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from qbank import create_app
from qbank.clock import FrozenClock
from qbank.extensions import db
from qbank.models import QuestionSet, Role, User
from qbank.services.accounts import register_user
from qbank.services.enrollment import enroll
from tests.bank_helpers import publish_set

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 740},
}


@pytest.fixture(scope="session")
def live_clock() -> FrozenClock:
    """The live server's clock: it stands still, and a journey moves it instead of waiting."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, live_clock: FrozenClock) -> Flask:
    folder = tmp_path_factory.mktemp("e2e")
    return create_app(
        {
            "QBANK_CLOCK": live_clock,
            "TESTING": True,
            "SECRET_KEY": "e2e-secret-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'qbank.sqlite3'}",
            "QBANK_MEDIA_DIR": str(folder / "media"),
            "QBANK_PASSWORD_HASH": "pbkdf2:sha256:1000",
        },
        environ={},
    )


def _buffered(app: Flask):
    """Read each response whole and close it before werkzeug's server sends it.

    When Chromium drops a connection (it abandons a cached script as it navigates), the
    development server can fail in its clean-up before it closes the response, leaving a
    static file open; under ``filterwarnings = error`` the garbage collector then fails
    whichever test is running. Responses here are small, so buffering costs nothing.
    """

    def serve(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return serve


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve a fresh app on 127.0.0.1 in a background thread; yield its base URL."""
    app = live_app
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI must run the browser tests: install Debian's chromium.")
        pytest.skip(
            "browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser, live_server: str):
    """A fresh browser context at desktop or phone size, with the server as base URL."""
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], base_url=live_server, timezone_id="Europe/Berlin"
    )
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


@pytest.fixture
def make_account(live_app: Flask, live_clock: FrozenClock):
    """Return a factory: make_account(role) -> (email, password), made on the live server."""

    def make(role: Role = Role.STUDENT) -> tuple[str, str]:
        email = f"{role.value}-{secrets.token_hex(4)}@example.edu"
        password = "a long enough password"
        with live_app.app_context():
            register_user(email, password, f"Test {role.value}", live_clock.now(), role=role)
            db.session.commit()
        return email, password

    return make


@dataclass
class Studying:
    """A student made by ``studying``: how to sign in, and what they study."""

    email: str
    password: str
    student: User
    sets: list[QuestionSet]
    now: datetime


@pytest.fixture
def studying(live_app: Flask, live_clock: FrozenClock, make_account):
    """Return a factory: ``with studying((n, title, tags), ..., **student_fields) as s:``
    a new student enrolled in new published sets of a new faculty member's, each of ``n``
    questions tagged ``tags`` (the titles get the student's address, so journeys never
    share a set). Inside the block the app context is open, for more set-up; it commits
    on leaving."""

    @contextmanager
    def make(*sets: tuple[int, str, list[str]], **student_fields: Any) -> Iterator[Studying]:
        faculty_email, _ = make_account(Role.FACULTY)
        email, password = make_account()
        with live_app.app_context():
            now = live_clock.now()
            owner = db.session.scalar(sa.select(User).where(User.email == faculty_email))
            student = db.session.scalar(sa.select(User).where(User.email == email))
            for name, value in student_fields.items():
                setattr(student, name, value)
            made = [
                publish_set(owner, now, n, f"{title} {email}", tags=tags) for n, title, tags in sets
            ]
            for question_set in made:
                enroll(student, question_set, now)
            yield Studying(email, password, student, made, now)
            db.session.commit()

    return make
