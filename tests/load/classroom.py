"""A class of students on a real gunicorn: they sign up together, enrol and study.

Used by the load tests (which assert) and by bench/load/run.py (which prints figures).
Each student is a thread with its own cookie jar that reads every form from the page it
is on and sends it back as a browser does, CSRF token included; nothing is taken from
the app's internals. Some answers are double clicks: the same form sent twice at once.
A 503 is handled as the busy page tells a user to: wait for ``Retry-After``, then press
"Send it again" (or, for a form with a password, go back to the form and fill it in).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask_migrate import upgrade

from qbank import PROJECT_ROOT, create_app
from qbank.database import write_transaction
from qbank.extensions import db
from qbank.importers.drafts import OptionDraft, QuestionDraft
from qbank.models import QuestionKind, ReviewLog, Role, User, Visibility
from qbank.services import accounts
from qbank.services import question_bank as bank

SET_TITLE = "Lecture 1: Cardiology"
NEW_CARDS_PER_DAY = "500"  # each student raises it, so the queue lasts the whole run
DOUBLE_CLICK_EVERY = 4  # the first answer and every fourth after it: sent twice at once
MAX_SENDS = 10  # a user presses "Send it again" this often before giving up
REQUEST_TIMEOUT_S = 60  # above the 10 s lock wait and gunicorn's 30 s worker timeout
REVIEW_RE = re.compile(r"/study/reviews/(\d+)")
BACK_TO_FORM_RE = re.compile(r'<a class="button primary" href="([^"]+)">Back to the form')
READY_LINE = "qbank worker ready"
# The deployed settings (qbank/gunicorn_conf.py, as `make run` uses them), plus a log line
# once each worker has loaded the app, so the class starts when every worker is ready.
GUNICORN_CONFIG = f"""
from qbank.gunicorn_conf import *
from qbank import gunicorn_conf as _deployed

control_socket_disable = True  # else every server here opens the same per-user socket

def post_worker_init(worker):
    getattr(_deployed, "post_worker_init", lambda worker: None)(worker)
    worker.log.info("{READY_LINE}")
"""
STOP_WAIT_S = 30  # above gunicorn_conf's graceful_timeout


# -- the database and the server ------------------------------------------------------------


@contextmanager
def fresh_database(engine: str, folder: Path, postgres_url: str = "") -> Iterator[str]:
    """Yield the URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / 'qbank.sqlite3'}"
        return
    base = sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg")
    schema = f"qbank_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def server_environment(database_url: str, folder: Path, **settings: str) -> dict[str, str]:
    """The environment the server runs with: this one's, with qbank's settings replaced."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBANK_")}
    env.update(
        QBANK_DATABASE_URL=database_url,
        QBANK_SECRET_KEY=secrets.token_hex(32),
        QBANK_MEDIA_DIR=str(folder / "media"),
        **settings,
    )
    return env


def prepare_class(env: dict[str, str], questions: int) -> None:
    """Migrate the empty database and publish a public set, through the services."""
    app = create_app(environ=env)
    now = datetime.now(UTC)
    with app.app_context():
        try:
            upgrade()
            _publish_set(questions, now)
        finally:
            db.engine.dispose()


def _publish_set(questions: int, now: datetime) -> None:
    with write_transaction():
        owner = accounts.register_user(
            "lecturer@class.example.edu", "lecturer's passphrase", "Lecturer", now, Role.FACULTY
        )
        question_set = bank.create_set(owner, SET_TITLE, "", now)
        for n in range(1, questions + 1):
            bank.save_question(question_set, _question(n), owner, now)
        bank.update_set(question_set, SET_TITLE, "", Visibility.PUBLIC, [], owner, now)
        bank.publish_set(question_set, True, now)


def _question(n: int) -> QuestionDraft:
    return QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem=f"Question {n}: which valve lesion causes a crescendo-decrescendo murmur?",
        options=[
            OptionDraft("Aortic stenosis", True, "Ejection murmur radiating to the carotids."),
            OptionDraft("Mitral regurgitation", False, "Holosystolic at the apex."),
            OptionDraft("Aortic regurgitation", False, "Early diastolic decrescendo."),
        ],
        explanation="Aortic stenosis gives an **ejection** murmur.",
        external_id=f"lecture-1-{n}",
    )


@dataclass
class Server:
    """A gunicorn started by ``serve``: its address and what it logged."""

    base_url: str
    log_path: Path
    leaked: list[str] = field(default_factory=list)  # processes still alive after the stop

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serve(
    env: dict[str, str],
    folder: Path,
    worker_class: str,
    workers: int = 4,
    threads: int = 1,
    start_timeout_s: float = 60,
) -> Iterator[Server]:
    """Run ``gunicorn wsgi:app`` on a free loopback port until the block ends.

    The server gets its own process group, so a stop that fails still kills every
    worker; ``Server.leaked`` names whatever outlived the graceful stop.
    """
    config = folder / "gunicorn.conf.py"
    config.write_text(GUNICORN_CONFIG)
    log_path = folder / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(config),
        "--bind",
        "127.0.0.1:0",
        "--worker-class",
        worker_class,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "wsgi:app",
    ]
    with (
        log_path.open("wb") as log,
        subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ) as process,
    ):
        server = Server("", log_path)
        try:
            server.base_url = _wait_until_ready(process, server, workers, start_timeout_s)
            yield server
        finally:
            server.leaked = _stop(process)


def _wait_until_ready(
    process: subprocess.Popen, server: Server, workers: int, timeout_s: float
) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = server.log()
        port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if port and text.count(READY_LINE) >= workers:
            return f"http://127.0.0.1:{port[1]}"
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn was not ready after {timeout_s} s:\n{server.log()}")


def _stop(process: subprocess.Popen) -> list[str]:
    """Stop gracefully (SIGTERM), then kill the group; return what was still alive."""
    group = process.pid
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            process.wait()
            return [f"gunicorn master {group} ignored SIGTERM for {STOP_WAIT_S} s"]
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return []
    os.killpg(group, signal.SIGKILL)
    return [f"processes of gunicorn's group {group} outlived its master"]


# -- what a browser does with a page --------------------------------------------------------


@dataclass
class Form:
    """A form as a browser would send it untouched, and the choices the user could make."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio buttons, check boxes

    def filled(self, **values: str) -> list[tuple[str, str]]:
        """The fields with these values put in, as a user types or clicks them."""
        present = {name for name, _ in self.fields}
        sent = [(name, values.get(name, value)) for name, value in self.fields]
        return sent + [(name, value) for name, value in values.items() if name not in present]

    def value(self, name: str) -> str | None:
        return dict(self.fields).get(name)


class _FormReader(HTMLParser):
    """Collect every form of a page with the values its fields would send."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: list[str | None] | None = None  # name, selected value, first value
        self._textarea: list[str] | None = None  # name, text so far

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page_path)
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in a:
                self._select[1] = value
            return
        if self._form is None or "name" not in a or "disabled" in a:
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"radio", "checkbox"}:
                self._form.choices.setdefault(name, []).append(a.get("value") or "on")
                if "checked" in a:
                    self._form.fields.append((name, a.get("value") or "on"))
                return
            self._form.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = [name, None, None]
        elif tag == "textarea":
            self._textarea = [name, ""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, selected, first = self._select
            self._form.fields.append((str(name), selected or first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], self._textarea[1]))
            self._textarea = None


@dataclass
class Page:
    """One response as the browser saw it. ``status`` 0: no answer at all (see ``error``)."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    text: str
    ms: float
    error: str = ""

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path

    def form(self, action: str) -> Form | None:
        """The page's form that posts to ``action``, if it has one."""
        reader = _FormReader(self.path)
        reader.feed(self.text)
        reader.close()
        return next((f for f in reader.forms if urlsplit(f.action).path == action), None)

    def describe(self) -> str:
        body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.text)).strip()
        return f"{self.method} {self.path} -> {self.status or self.error}: {body[:300]}"


@dataclass(frozen=True)
class Request:
    """A request in the log: what it was (``label``), its status, its milliseconds."""

    label: str
    phase: str
    status: int
    ms: float
    started: float  # time.monotonic()


class RequestLog:
    """Every request of the class, from every thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Request] = []

    def add(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class Browser:
    """One student's browser: a cookie jar and a fresh connection per request."""

    def __init__(self, base_url: str, log: RequestLog) -> None:
        address = urlsplit(base_url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.cookies: dict[str, str] = {}
        self.log = log
        self.phase = ""

    def get(self, path: str, label: str) -> Page:
        return self._send("GET", path, label, None)

    def post(self, path: str, fields: list[tuple[str, str]], label: str) -> Page:
        return self._send("POST", path, label, urlencode(fields).encode())

    def _send(self, method: str, path: str, label: str, body: bytes | None) -> Page:
        headers = {"Connection": "close", "User-Agent": "qbank-load-test"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            status = response.status
            received = {k.lower(): v for k, v in response.getheaders()}
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            error = ""
        except (OSError, http.client.HTTPException) as exc:
            text, status, received, error = "", 0, {}, f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        ms = (time.monotonic() - started) * 1000
        self.log.add(Request(label, self.phase, status, ms, started))
        return Page(method, path, status, received, text, ms, error)

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)


# -- a student ------------------------------------------------------------------------------


@dataclass
class Busy:
    """A 503 a student met, what its page offered, and how sending again ended."""

    label: str
    retry_after: str | None
    offer: str  # "resend": the form as sent; "form page": a link back; "" neither
    resend_matches: bool  # the resend form held exactly the fields that were sent
    outcome: int = 0  # the status it ended with, once sent again (still 503: gave up)


@dataclass
class Student:
    """A student of the class, and what the server acknowledged to them."""

    number: int
    browser: Browser
    retry_wait_s: float | None = None  # None: wait as long as Retry-After says
    rng: random.Random = field(default_factory=random.Random)
    signed_up: bool = False
    enrolled: bool = False
    answers: dict[str, int] = field(default_factory=dict)  # card token -> review id
    problems: list[str] = field(default_factory=list)
    busy: list[Busy] = field(default_factory=list)

    @property
    def email(self) -> str:
        return f"student{self.number:03d}@class.example.edu"

    @property
    def password(self) -> str:
        return f"seat {self.number:03d} in the lecture hall"

    def open_sign_up(self) -> Form | None:
        self.browser.phase = "sign-up"
        page = self.load("/register", "GET /register")
        form = page.form("/register")
        if form is None:
            self.problems.append(f"no sign-up form: {page.describe()}")
        return form

    def sign_up(self, form: Form) -> None:
        """Send the sign-up form; a busy server means going back and filling it in again."""
        details = {
            "display_name": f"Student {self.number}",
            "email": self.email,
            "password": self.password,
            "confirm": self.password,
            "timezone": "Europe/Berlin",  # what the page's script reads from the browser
        }
        page = self.send("/register", form.filled(**details), "POST /register")
        if page.status == 302 and page.location == "/dashboard":
            self.signed_up = True
        else:
            self.problems.append(f"sign-up not accepted: {page.describe()}")

    def raise_new_card_limit(self) -> None:
        page = self.load("/settings/", "GET /settings/")
        form = page.form("/settings/")
        if form is None:
            self.problems.append(f"no settings form: {page.describe()}")
            return
        sent = self.send(
            "/settings/", form.filled(new_cards_per_day=NEW_CARDS_PER_DAY), "POST /settings/"
        )
        if sent.status != 302:
            self.problems.append(f"settings not saved: {sent.describe()}")

    def enroll(self) -> None:
        page = self.load("/library/", "GET /library/")
        action = re.search(r'action="(/library/\d+/enroll)"', page.text)
        form = page.form(action[1]) if action else None
        if form is None:
            self.problems.append(f"no set to study in the library: {page.describe()}")
            return
        sent = self.send(form.action, form.fields, "POST /library/<id>/enroll")
        if sent.status == 302:
            self.enrolled = True
        else:
            self.problems.append(f"enrolment not accepted: {sent.describe()}")

    def study(self, until: float) -> None:
        """Answer cards until ``until`` (time.monotonic()); at least one, if one is due."""
        self.browser.phase = "study"
        while True:
            page = self.load("/study/", "GET /study/")
            form = page.form("/study/answer") if page.status == 200 else None
            if form is None:
                if page.status != 200 or not self.answers:
                    self.problems.append(f"no card to answer: {page.describe()}")
                return
            chosen = self.rng.choice(form.choices.get("chosen") or [""])
            fields = form.filled(chosen=chosen)
            if len(self.answers) % DOUBLE_CLICK_EVERY == 0:
                result, again = self.send_twice("/study/answer", fields, "POST /study/answer")
                if again.location != result.location:
                    self.problems.append(
                        f"a double click was answered twice: {result.describe()} and "
                        f"{again.describe()}"
                    )
            else:
                result = self.send("/study/answer", fields, "POST /study/answer")
            review = REVIEW_RE.fullmatch(result.location) if result.status == 302 else None
            if review is None:
                self.problems.append(f"answer not acknowledged: {result.describe()}")
                return
            self.answers[form.value("token") or ""] = int(review[1])
            shown = self.load(result.location, "GET /study/reviews/<id>")
            if shown.status != 200:
                self.problems.append(f"result page: {shown.describe()}")
                return
            if time.monotonic() >= until:
                return

    def load(self, path: str, label: str) -> Page:
        """GET a page; a busy page (reads normally never wait) is loaded again after a wait."""
        page = self.browser.get(path, label)
        met: list[Busy] = []
        for _ in range(MAX_SENDS):
            if page.status != 503:
                break
            met.append(Busy(label, page.headers.get("retry-after"), "", True))
            self._wait(page)
            page = self.browser.get(path, label)
        for busy in met:
            busy.outcome = page.status
        self.busy += met
        if page.status >= 500 or page.status == 0:
            self.problems.append(f"page failed: {page.describe()}")
        return page

    def send(self, action: str, fields: list[tuple[str, str]], label: str) -> Page:
        """POST a form; while the server is busy, do what its busy page says."""
        page = self.browser.post(action, fields, label)
        met: list[Busy] = []
        for _ in range(MAX_SENDS):
            if page.status != 503:
                break
            resend = page.form(action)
            back = BACK_TO_FORM_RE.search(page.text)
            busy = Busy(
                label,
                page.headers.get("retry-after"),
                "resend" if resend else ("form page" if back else ""),
                resend is not None and sorted(resend.fields) == sorted(fields),
            )
            met.append(busy)
            self._wait(page)
            if resend is not None:
                page = self.browser.post(action, resend.fields, f"{label} again")
            elif back is not None:  # a form with a password: fill it in again
                form = self.load(back[1], f"GET {back[1]} again").form(action)
                if form is None:
                    break
                typed = {k: v for k, v in fields if k != "csrf_token"}
                page = self.browser.post(action, form.filled(**typed), f"{label} again")
            else:
                break
        for busy in met:
            busy.outcome = page.status
        self.busy += met
        if page.status >= 500 or page.status == 0:
            self.problems.append(f"form failed: {page.describe()}")
        return page

    def send_twice(self, action: str, fields: list[tuple[str, str]], label: str) -> list[Page]:
        """POST the same form twice at the same moment, as an impatient double click does."""
        pages: list[Page] = []
        second = threading.Thread(target=lambda: pages.append(self.send(action, fields, label)))
        second.start()
        first = self.send(action, fields, label)
        second.join()
        return [first, *pages]

    def _wait(self, page: Page) -> None:
        asked = float(page.headers.get("retry-after") or 1)
        time.sleep(asked if self.retry_wait_s is None else min(asked, self.retry_wait_s))


# -- the class ------------------------------------------------------------------------------


@dataclass
class ClassRun:
    """What happened: every request, every student, and the phases' wall-clock seconds."""

    students: list[Student]
    log: RequestLog
    sign_up_s: float
    study_s: float

    def statuses(self, phase: str | None = None) -> Counter[int]:
        return Counter(r.status for r in self.log.requests if phase in (None, r.phase))

    def problems(self) -> list[str]:
        return [f"student {s.number}: {p}" for s in self.students for p in s.problems]

    def busy(self) -> list[Busy]:
        return [b for s in self.students for b in s.busy]


def run_class(
    base_url: str,
    students: int,
    study_seconds: float,
    at_the_signal: Callable[[str], None] | None = None,
    retry_wait_s: float | None = None,
    seed: int = 17,
) -> ClassRun:
    """Let ``students`` sign up at the same moment, enrol, and study for ``study_seconds``.

    Every student opens the sign-up page first; then, at one signal, all send it. After
    raising their new-card limit and enrolling, they wait for each other and study
    together. ``at_the_signal("sign-up" | "study")`` runs just before each signal.
    """
    log = RequestLog()
    rng = random.Random(seed)
    start_study_at = [0.0]

    def signal(phase: str) -> Callable[[], None]:
        def give() -> None:
            if at_the_signal is not None:
                at_the_signal(phase)
            if phase == "study":
                start_study_at[0] = time.monotonic()

        return give

    sign_up_together = threading.Barrier(students, action=signal("sign-up"), timeout=300)
    study_together = threading.Barrier(students, action=signal("study"), timeout=300)
    class_ = [
        Student(n, Browser(base_url, log), retry_wait_s, random.Random(rng.random()))
        for n in range(1, students + 1)
    ]

    def attend(student: Student) -> None:
        try:
            form = student.open_sign_up()
            sign_up_together.wait()
            if form is not None:
                student.sign_up(form)
            if student.signed_up:
                student.raise_new_card_limit()
                student.enroll()
            study_together.wait()
            if student.enrolled:
                student.study(until=start_study_at[0] + study_seconds)
        except Exception:
            # One student's crash is reported, and must not leave the others waiting.
            student.problems.append(traceback.format_exc())
            sign_up_together.abort()
            study_together.abort()

    threads = [
        threading.Thread(target=attend, args=(s,), name=f"student-{s.number}") for s in class_
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    began = min((r.started for r in log.requests if r.phase == "sign-up"), default=0.0)
    study_began = start_study_at[0]
    ended = max((r.started + r.ms / 1000 for r in log.requests), default=study_began)
    return ClassRun(class_, log, study_began - began, ended - study_began)


@dataclass
class Stored:
    """What the database holds after a run: accounts per e-mail, reviews per student."""

    accounts: Counter[str]
    reviews: dict[str, list[tuple[str, int]]]  # e-mail -> (card token, review id) each


def stored(env: dict[str, str]) -> Stored:
    """Read back the accounts and reviews the server stored."""
    app = create_app(environ=env)
    with app.app_context():
        try:
            emails = db.session.scalars(
                sa.select(User.email).where(User.role == Role.STUDENT.value)
            ).all()
            rows = db.session.execute(
                sa.select(User.email, ReviewLog.answer_token, ReviewLog.id).join(
                    ReviewLog, ReviewLog.user_id == User.id
                )
            ).all()
        finally:
            db.session.remove()
            db.engine.dispose()
    reviews: dict[str, list[tuple[str, int]]] = {}
    for email, token, review_id in rows:
        reviews.setdefault(email, []).append((token, review_id))
    return Stored(Counter(emails), reviews)
