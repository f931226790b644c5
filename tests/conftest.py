"""Fixtures: an app per test on SQLite, and again on PostgreSQL when one is configured.

Set QBANK_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the
database tests on PostgreSQL too; each run gets a fresh schema that is dropped at the end.
Under CI the PostgreSQL run is required.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from qbank import create_app
from qbank.clock import FrozenClock
from qbank.extensions import db
from qbank.models import Role, User
from qbank.services import accounts
from qbank.services.media import MediaStore
from tests.bank_helpers import publish_set
from tests.support import (
    IN_CI,
    PASSWORD,
    POSTGRES_URL,
    SHARED_DATA,
    START,
    app_settings,
    counting_queries,
    csrf_token,
    empty_tables,
)


def _postgres_url(schema: str) -> str:
    url = sa.engine.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One empty database per engine for the whole run."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qbank.sqlite3'}"
        return
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL tests: set QBANK_TEST_POSTGRES_URL.")
        pytest.skip("PostgreSQL run skipped: set QBANK_TEST_POSTGRES_URL to run it.")
    schema = f"qbank_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(sa.engine.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url: str) -> str:
    """Create the tables once per engine."""
    app = create_app(app_settings(database_url), environ={})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return database_url


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    Tests hold an app context to use the database; Flask would reuse it for requests,
    sharing ``g`` (the signed-in user, the CSRF token) between them. A fresh thread
    starts with no context, so each request pushes its own, with its own session.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)  # read the body and close files it streamed
        if not has_app_context():  # a redirect being followed inside the worker thread
            return super().open(*args, **kwargs)
        # End the test's own transaction on both sides of the request, so the request
        # sees what the test set up and the test then sees what the request wrote.
        db.session.commit()
        with ThreadPoolExecutor(max_workers=1) as pool:
            response = pool.submit(super().open, *args, **kwargs).result()
        db.session.commit()
        return response


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings a test module needs beyond the defaults; override the fixture to set them."""
    return {}


@pytest.fixture(scope="session")
def _shared_apps() -> Iterator[dict[str, Flask]]:
    """One app per engine for the tests that need no settings of their own.

    Building an app costs about 70 ms (werkzeug compiles every URL rule), which over a
    thousand tests is a minute; the clock, the media folder and any settings a test
    changes are put back for each test instead.
    """
    apps: dict[str, Flask] = {}
    yield apps
    for shared in apps.values():
        with shared.app_context():
            db.engine.dispose()


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    _schema: str,
    _shared_apps: dict[str, Flask],
    clock: FrozenClock,
    tmp_path: Path,
    app_config: dict[str, Any],
) -> Iterator[Flask]:
    settings = app_settings(
        _schema, QBANK_CLOCK=clock, QBANK_MEDIA_DIR=str(tmp_path / "media"), **app_config
    )
    own = bool(app_config) or request.node.get_closest_marker("own_app") is not None
    if own:
        app = create_app(settings, environ={})
        app.test_client_class = IsolatedClient
    else:
        if _schema not in _shared_apps:
            _shared_apps[_schema] = create_app(settings, environ={})
            _shared_apps[_schema].test_client_class = IsolatedClient
        app = _shared_apps[_schema]
        app.config.update(settings)
        app.extensions["qbank_clock"] = clock
        app.extensions["qbank_media"] = MediaStore(tmp_path / "media")
    saved = dict(app.config)
    with app.app_context():
        yield app
        db.session.remove()
        empty_tables()
        if own:
            db.engine.dispose()
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def create_user(app: Flask, clock: FrozenClock) -> Callable[..., User]:
    """Return a factory: create_user(role=Role.FACULTY, email=..., ...) -> User."""
    counter = iter(range(1, 10_000))

    def make(
        role: Role = Role.STUDENT,
        email: str | None = None,
        password: str = PASSWORD,
        **fields: Any,
    ) -> User:
        n = next(counter)
        user = accounts.register_user(
            email or f"user{n}@example.edu",
            password,
            fields.pop("display_name", f"User {n}"),
            clock.now(),
            role=role,
        )
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return make


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD, remember: bool = False, **kw: Any):
        data = {
            "email": email,
            "password": password,
            "csrf_token": csrf_token(self._client, "/login"),
        }
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data, **kw)

    def logout(self):
        return self._client.post(
            "/logout", data={"csrf_token": csrf_token(self._client, "/dashboard")}
        )

    def post(self, url: str, data: dict[str, Any], form_page: str | None = None, **kw: Any):
        """Post a form the way a browser does: with the CSRF token of the page it is on."""
        return self._client.post(
            url, data={**data, "csrf_token": csrf_token(self._client, form_page or url)}, **kw
        )


@pytest.fixture
def count_queries() -> Callable[[], Any]:
    """``with count_queries() as statements:`` records what the block sends to the database."""
    return counting_queries


@pytest.fixture
def published_set(create_user: Callable[..., User], clock: FrozenClock) -> Callable[..., Any]:
    """Return a factory: published_set(n=3, title="Cardio", **draft fields) -> a public,
    published set of n questions ("Cardio question 0", ...), owned by owner-cardio@example.edu."""
    owners: dict[str, User] = {}

    def make(n: int = 3, title: str = "Cardio", **draft_fields: Any) -> Any:
        email = f"owner-{title.lower().replace(' ', '-')}@example.edu"
        if email not in owners:
            owners[email] = create_user(role=Role.FACULTY, email=email)
        question_set = publish_set(owners[email], clock.now(), n, title, **draft_fields)
        db.session.commit()
        return question_set

    return make


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real question files not found at {SHARED_DATA}")
    return SHARED_DATA
