"""What tests share besides fixtures: constants, the test app's settings, counting queries.

Test modules import from here, never from ``conftest``: pytest loads conftest itself, and
importing it a second time as a module is how fixtures end up defined twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from qbank.extensions import db
from qbank.models import CardState, User
from qbank.services import study

POSTGRES_URL = os.environ.get("QBANK_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
PASSWORD = "correct horse battery"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def app_settings(database_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QBANK_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "SERVER_NAME": "qbank.test",
        **overrides,
    }


def empty_tables() -> None:
    """Delete every row, children first. Ids are not restarted: no test may count on them.

    On PostgreSQL a DELETE of a test's few rows takes 16 ms for all 28 tables; a TRUNCATE
    takes 220 ms (it makes new files for every table), which was 4 minutes of a full run.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def csrf_token(client: FlaskClient, url: str) -> str:
    """Fetch ``url`` and return the CSRF token from its form."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


@dataclass
class Statements:
    """The SQL statements sent while counting, and the reads and writes among them."""

    all: list[str] = field(default_factory=list)

    def _starting(self, *verbs: str) -> list[str]:
        return [s for s in self.all if s.lstrip().split(None, 1)[0].upper() in verbs]

    @property
    def selects(self) -> list[str]:  # not SQLite's BEGIN and SAVEPOINT
        return self._starting("SELECT", "WITH")

    @property
    def writes(self) -> list[str]:
        return self._starting("INSERT", "UPDATE", "DELETE")


@contextmanager
def counting_queries() -> Iterator[Statements]:
    """Record the statements the app's engine sends inside the block."""
    statements = Statements()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.all.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def review_card(
    user: User,
    question: Any,
    now: datetime,
    stability: float,
    last_days_ago: int,
    due_in: int,
) -> CardState:
    """A card in review as a past schedule left it: last reviewed ``last_days_ago`` study
    days ago, due in ``due_in`` (negative: overdue); added, not committed."""
    today = study.today_for(user, now).day
    state = CardState(
        user_id=user.id,
        question_id=question.id,
        state=2,
        stability=stability,
        difficulty=5.0,
        due=now + timedelta(days=due_in),
        due_day=today + timedelta(days=due_in),
        last_review=now - timedelta(days=last_days_ago),
        last_review_day=today - timedelta(days=last_days_ago),
        reps=3,
    )
    db.session.add(state)
    return state
