"""A class signs up at the start of a lecture and studies at once: no 500, nothing lost.

Real gunicorn on a loopback port, with 4 sync workers and with 4 gthread workers of 4
threads, on SQLite (a fresh migrated file) and on PostgreSQL (a fresh schema). See
tests/load/classroom.py for what each student does. The class has 50 students, as the
issue's lecture hall does: more than the 16 requests gthread serves at once, so sign-ups
queue for the lock, and the real scrypt hash makes each one slow. bench/load/run.py runs
the same class for 30 s of study and prints the figures.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.load.classroom import (
    ClassRun,
    Server,
    fresh_database,
    prepare_class,
    run_class,
    serve,
    server_environment,
    stored,
)
from tests.support import IN_CI, POSTGRES_URL

pytestmark = pytest.mark.slow

STUDENTS = 50
STUDY_SECONDS = 1.5
QUESTIONS = 40
WORKERS = {
    "sync": {"worker_class": "sync", "workers": 4, "threads": 1},
    "gthread": {"worker_class": "gthread", "workers": 4, "threads": 4},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own for each run of the class."""
    if request.param == "postgresql" and not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL tests: set QBANK_TEST_POSTGRES_URL.")
        pytest.skip("PostgreSQL run skipped: set QBANK_TEST_POSTGRES_URL to run it.")
    with fresh_database(request.param, tmp_path, POSTGRES_URL) as url:
        yield url


def assert_every_write_acknowledged_once(run: ClassRun, env: dict[str, str], server: Server):
    """No server error, and the database holds exactly what the students were told."""
    log = server.log()
    statuses = run.statuses()
    assert run.problems() == [], log[-3000:]
    assert [s for s in statuses if (s >= 500 and s != 503) or s == 0] == [], statuses
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log, log[-3000:]
    assert re.findall(r"status=5(?!03)\d\d", log) == []  # as the server logged them

    for busy in run.busy():
        assert busy.retry_after is not None and int(busy.retry_after) > 0, busy
        if busy.label == "POST /register":  # a form with a password is typed again
            assert busy.offer == "form page", busy
        elif busy.label.startswith("POST"):
            assert busy.offer == "resend" and busy.resend_matches, busy
        assert busy.outcome in {200, 302}, busy

    database = stored(env)
    assert database.accounts == {s.email: 1 for s in run.students}
    for student in run.students:
        assert student.signed_up and student.enrolled and student.answers, student.number
        reviews = database.reviews.get(student.email, [])
        # Once each, and only what was acknowledged (a resend acknowledges what it retried).
        assert sorted(reviews) == sorted(student.answers.items()), student.number


@pytest.mark.parametrize("workers", list(WORKERS))
def test_a_class_signs_up_and_studies_at_once_without_a_server_error(
    database: str, workers: str, tmp_path: Path
):
    env = server_environment(database, tmp_path)
    prepare_class(env, QUESTIONS)
    with serve(env, tmp_path, **WORKERS[workers]) as server:
        run = run_class(server.base_url, STUDENTS, STUDY_SECONDS)
    assert server.leaked == []

    assert_every_write_acknowledged_once(run, env, server)
    assert run.statuses("sign-up")[302] == 3 * STUDENTS  # sign-up, settings, enrolment
    answers = sum(len(s.answers) for s in run.students)
    sent = sum(r.label == "POST /study/answer" for r in run.log.requests)
    assert sent >= answers + STUDENTS  # each student's first answer was a double click


class WriteLockHolder:
    """Another process's long write on SQLite: hold the one write lock for a while."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.timers: list[threading.Timer] = []

    def hold(self, seconds: float) -> None:
        for timer in self.timers:  # the last hold has ended
            timer.join()
        self.connection.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(seconds, self.connection.execute, args=("ROLLBACK",))
        self.timers.append(timer)
        timer.start()

    def close(self) -> None:
        for timer in self.timers:
            timer.join()
        self.connection.close()


def test_writes_that_wait_too_long_for_the_lock_are_sent_again_from_the_busy_page(tmp_path):
    # The lock wait is cut to 300 ms, and another process holds the lock when the class
    # signs up (1 s) and when it starts to study (2 s: each student reads a card first), so
    # every first attempt gets the busy page. Two workers are enough to show the pages.
    database = tmp_path / "qbank.sqlite3"
    env = server_environment(
        f"sqlite:///{database}", tmp_path, QBANK_DATABASE_BUSY_TIMEOUT_MS="300"
    )
    prepare_class(env, QUESTIONS)
    holder = WriteLockHolder(str(database))
    try:
        with serve(env, tmp_path, "gthread", workers=2, threads=4) as server:
            run = run_class(
                server.base_url,
                6,
                0.5,
                lambda phase: holder.hold(1.0 if phase == "sign-up" else 2.0),
                retry_wait_s=0.5,
            )
    finally:
        holder.close()
    assert server.leaked == []

    assert_every_write_acknowledged_once(run, env, server)
    busy = {(b.label, b.offer) for b in run.busy()}
    assert ("POST /register", "form page") in busy
    assert ("POST /study/answer", "resend") in busy
    assert run.statuses()[503] >= 2 * 6


def test_the_deployed_server_names_itself_qbank_not_gunicorn(tmp_path):
    import urllib.request

    env = server_environment(f"sqlite:///{tmp_path / 'qbank.sqlite3'}", tmp_path)
    prepare_class(env, 1)
    with serve(env, tmp_path, "sync", workers=1) as server:
        response = urllib.request.urlopen(f"{server.base_url}/login")
        with response:
            banner = response.headers["Server"]
            assert response.status == 200
    assert server.leaked == []
    assert banner == "qbank"
