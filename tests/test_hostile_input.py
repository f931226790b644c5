"""Hostile input gets a clear, located refusal: never a 500, never a traceback, nothing saved.

The forms are not listed here: the test signs in as users who may use every page, opens
every page the route table has, and posts every form it finds, one field at a time. A
new form is covered as soon as a page shows it, and a POST route that no page offers a
form for fails the test until one does.
"""

from __future__ import annotations

import base64
import html
import io
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from qbank.domain import practice as practice_rules
from qbank.extensions import db
from qbank.models import CardState, QuestionSet, Role, User
from qbank.services import (
    accounts,
    cohorts,
    enrollment,
    fsrs_tuning,
    imports,
    practice,
    reports,
    sessions,
    study,
)
from qbank.services.practice import assignments
from tests.anki_decks import BASIC, Deck, Note, build_apkg
from tests.bank_helpers import json_question, publish_set, qbank_json_file, tiny_png
from tests.support import csrf_token

NUL = "\x00"
UNSTORABLE = "contains a character qbank cannot store (NUL)"
QUOTED = re.compile(r"“([^”]*)”")


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to show that a refused request wrote nothing at all."""
    db.session.commit()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
        for table in db.metadata.sorted_tables
    }


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def no_traceback(text: str) -> bool:
    return "Traceback" not in text and 'File "' not in text


# --- the pages and their forms, as a browser finds them ---------------------------------


@dataclass
class PageForm:
    """A form on a page: where it posts, its fields with the values the page gave them."""

    client: FlaskClient
    page: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, value)
    labels: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name -> (text, for=)

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _, _ in self.fields))

    def data(self, poisoned: str) -> dict[str, Any]:
        """What the browser sends, with NUL written into the field ``poisoned``."""
        data: dict[str, Any] = {}
        for name, kind, value in self.fields:
            if name == poisoned:
                if kind == "file":
                    data[name] = (io.BytesIO(tiny_png()), f"scan{NUL}.png")
                else:
                    data[name] = f"x{NUL}y"
            elif kind in ("checkbox", "radio", "submit", "button", "file"):
                continue  # unchecked, not pressed, no file chosen
            else:
                data.setdefault(name, value)
        return data

    def has_files(self) -> bool:
        return any(kind == "file" for _, kind, _ in self.fields)


class FormCollector(HTMLParser):
    """The POST forms of a page with their fields, and the label of each field."""

    def __init__(self, client: FlaskClient, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.client, self.page = client, page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._ids: dict[str, str] = {}  # element id -> field name
        self._label_for: list[tuple[str | None, list[str], list[str]]] = []
        self._labels: list[tuple[str, str, bool]] = []  # (id or name, text, explicit)
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None  # the name of the <select> being read
        self._select_value: str | None = None
        # A group of checkboxes is named by its fieldset's legend: [legend text, names].
        self._fieldsets: list[tuple[list[str], list[str]]] = []
        self._in_legend = False
        self._group_labels: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset":
            self._fieldsets.append(([], []))
        elif tag == "legend":
            self._in_legend = True
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = PageForm(self.client, self.page, a.get("action") or self.page)
            self.forms.append(self._form)
        elif tag == "label":
            self._label_for.append((a.get("for"), [], []))
        elif (
            tag == "option"
            and self._select is not None
            and (self._select_value is None or "selected" in a)
        ):
            self._select_value = a.get("value", "")
        if self._form is None or "name" not in a:
            return
        name = a["name"]
        if "id" in a:
            self._ids[a["id"]] = name
        for _, _, inside in self._label_for:
            inside.append(name)
        if tag == "input" and self._fieldsets and (a.get("type") or "") == "checkbox":
            self._fieldsets[-1][1].append(name)
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" in a:
                self._form.fields.append((name, "text", a.get("value") or "y"))
            self._form.fields.append((name, kind, a.get("value") or ""))
        elif tag == "button":
            self._form.fields.append((name, "button", a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = (name, [])
        elif tag == "select":
            self._select, self._select_value = name, None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)
        for _, text, _ in self._label_for:
            text.append(data)
        if self._in_legend and self._fieldsets:
            self._fieldsets[-1][0].append(data)

    def handle_endtag(self, tag):
        if tag == "legend":
            self._in_legend = False
        elif tag == "fieldset" and self._fieldsets:
            legend, names = self._fieldsets.pop()
            for name in {n for n in names if names.count(n) > 1}:
                self._group_labels.append((name, " ".join("".join(legend).split())))
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea and self._form:
            name, text = self._textarea
            self._form.fields.append((name, "textarea", "".join(text)))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form:
            self._form.fields.append((self._select, "select", self._select_value or ""))
            self._select = None
        elif tag == "label" and self._label_for:
            target, text, inside = self._label_for.pop()
            words = " ".join("".join(text).split())
            if target:
                self._labels.append((target, words, True))
            elif inside:
                self._labels.append((inside[0], words, False))

    def close(self):
        super().close()
        for form in self.forms:
            names = set(form.names())
            for name, legend in self._group_labels:
                if name in names:
                    form.labels.setdefault(name, (legend, True))
            for key, text, explicit in self._labels:
                name = self._ids.get(key, key) if explicit else key
                if name in names:
                    form.labels.setdefault(name, (text, explicit))


@dataclass
class World:
    """One of everything a page can show a form for, with a user who may use each."""

    admin: User
    student: User
    examples: dict[str, Any]
    by_endpoint: dict[str, dict[str, Any]]


@pytest.fixture
def world(create_user, clock, monkeypatch) -> World:
    monkeypatch.setattr(fsrs_tuning, "MIN_REVIEWS", 0)  # so the settings page offers it
    monkeypatch.setattr(fsrs_tuning, "MIN_DAYS", 0)
    now = clock.now()
    admin = create_user(role=Role.ADMIN, email="admin@example.edu", display_name="Ada Admin")
    student = create_user(email="student@example.edu", display_name="Sam Student")
    question_set = publish_set(admin, now, 2, "Cardiology")
    questions = sorted(question_set.questions, key=lambda q: q.position)
    for user in (admin, student):
        enrollment.enroll(user, question_set, now)
    report = reports.report_question(student, questions[0].id, "typo", "", now)
    cohort = cohorts.create_cohort("Year 1", admin, "UTC", now)
    cohorts.add_member(cohort, student, now)
    cohorts.assign_set(cohort, question_set, admin, now)  # so its exam day can be set
    # A teacher who works with one cohort and could be given the other: the admin's page
    # for them offers both forms.
    teacher = create_user(role=Role.FACULTY, email="teacher@example.edu")
    cohorts.add_faculty(cohort, teacher, admin, now)
    cohorts.create_cohort("Year 2", admin, "UTC", now)
    upload = imports.stash_upload(
        admin, "set.json", qbank_json_file([json_question(1)]), None, None, "", now
    )
    reset = accounts.issue_reset_link(student, admin, now, timedelta(hours=24))
    # A review overdue since yesterday, so the backlog page offers to spread it.
    yesterday = study.today_for(admin, now).day - timedelta(days=1)
    db.session.add(
        CardState(
            user_id=admin.id,
            question_id=questions[1].id,
            state=2,
            stability=3.0,
            difficulty=5.0,
            due=now - timedelta(days=1),
            due_day=yesterday,
            last_review=now - timedelta(days=4),
            last_review_day=yesterday - timedelta(days=3),
            reps=2,
        )
    )
    # A second device, so Settings offers its logout forms.
    sessions.start_session(admin, now, timedelta(days=1), False, "Phone")
    # A practice block in progress, so its question and end pages show their forms.
    block = practice.build(admin, practice.Request(size=2), now, seed=1)
    # A block set for the cohort, so its report, withdraw and start forms show.
    assignment = assignments.assign(
        admin,
        cohort,
        assignments.Spec(
            title="Week 1",
            set_id=question_set.id,
            question_ids=tuple(q.id for q in questions[:2]),
            mode=practice_rules.Mode.TIMED,
            seconds_per_question=90,
            due_on=(now + timedelta(days=7)).date(),
        ),
        now,
    )
    db.session.commit()
    return World(
        admin=admin,
        student=student,
        examples={
            "set_id": question_set.id,
            "question_id": questions[0].id,
            "report_id": report.id,
            "cohort_id": cohort.id,
            "user_id": teacher.id,
            "review_id": 1,
            "token": upload.token,
            "code": cohort.join_code,
            "sha256": "a" * 64,
            "filename": "css/qbank.css",
            "fmt": "json",
            "block_id": block.id,
            "assignment_id": assignment.id,
            "position": 1,
        },
        by_endpoint={"auth.reset_password": {"token": reset.token}},
    )


def rules(app: Flask, method: str) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods]


def example_url(rule: Rule, world: World) -> str:
    values = {**world.examples, **world.by_endpoint.get(rule.endpoint, {})}
    missing = rule.arguments - values.keys()
    assert not missing, f"add an example value for {sorted(missing)} of {rule.rule}"
    return url_for(rule.endpoint, _external=False, **{n: values[n] for n in rule.arguments})


def forms_on_every_page(app: Flask, clients: Iterable[FlaskClient], world: World):
    """Each distinct form of the app once: by the route it posts to and its field names."""
    found: dict[tuple[str, frozenset[str]], PageForm] = {}
    adapter = app.url_map.bind("qbank.test")
    for client in clients:
        for rule in rules(app, "GET"):
            page = example_url(rule, world)
            response = client.get(page)
            if "text/html" not in response.content_type:
                continue
            collector = FormCollector(client, page)
            collector.feed(response.get_data(as_text=True))
            collector.close()
            for form in collector.forms:
                form.action = urlsplit(form.action).path or page
                posted_to, _ = adapter.match(form.action, method="POST", return_rule=True)
                found.setdefault((posted_to.rule, frozenset(form.names())), form)
    return found


@pytest.fixture
def browsers(app, client, auth, world) -> list[FlaskClient]:
    """A visitor who is not signed in, and the admin, who may use every other page."""
    auth.login(world.admin.email)
    return [app.test_client(), client]


def test_every_post_route_has_a_form_on_some_page(app, world, browsers):
    forms = forms_on_every_page(app, browsers, world)
    offered = {rule for rule, _ in forms}
    assert offered == {rule.rule for rule in rules(app, "POST")}


def test_nul_in_any_field_of_any_form_is_refused_by_name_and_saves_nothing(app, world, browsers):
    failures = []
    for (rule, _), form in sorted(forms_on_every_page(app, browsers, world).items()):
        for name in form.names():
            before = snapshot()
            response = form.client.post(
                form.action,
                data=form.data(name),
                content_type="multipart/form-data" if form.has_files() else None,
            )
            text = page_text(response)
            after = snapshot()
            case = f"{rule} [{name}]"
            if response.status_code != 400:
                failures.append(f"{case}: status {response.status_code}")
            if changed_tables(before, after):
                failures.append(f"{case}: wrote to {changed_tables(before, after)}")
            if name == "csrf_token":  # the form's own check refuses it first
                continue
            named = QUOTED.findall(text)
            label, explicit = form.labels.get(name, (name, True))
            if UNSTORABLE not in text:
                failures.append(f"{case}: no message about the character")
            elif explicit and label not in named:
                failures.append(f"{case}: does not name “{label}” (names {named})")
            elif not explicit and not any(label in n or n == name for n in named):
                failures.append(f"{case}: does not name “{label}” or “{name}” (names {named})")
    assert failures == []


def test_nul_in_a_query_string_is_refused_on_every_page(app, world, browsers):
    failures = []
    for client in browsers:
        for rule in rules(app, "GET"):
            page = example_url(rule, world)
            for query in ("q=a%00b", "a%00b=1"):
                before = snapshot()
                response = client.get(f"{page}?{query}")
                text = page_text(response)
                if response.status_code != 400 or UNSTORABLE not in text:
                    failures.append(f"{page}?{query}: {response.status_code}")
                elif query.startswith("q=") and "“q”" not in text:
                    failures.append(f"{page}?{query}: does not name “q”")
                if changed_tables(before, snapshot()):
                    failures.append(f"{page}?{query}: wrote to the database")
    assert failures == []


def any_csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, from a page it may open."""
    signed_in = client.get("/dashboard").status_code == 200
    return csrf_token(client, "/dashboard" if signed_in else "/login")


def test_nul_in_a_path_parameter_is_refused(app, world, browsers):
    failures = []
    checked = 0
    for client in browsers:
        for rule in app.url_map.iter_rules():
            text_arguments = [
                name
                for name, converter in rule._converters.items()
                if type(converter).__name__ in ("UnicodeConverter", "PathConverter")
            ]
            for argument in text_arguments:
                values = {**world.examples, **world.by_endpoint.get(rule.endpoint, {})}
                length = len(values[argument])
                values[argument] = ("a" * length)[: max(length - 1, 1)] + NUL
                url = url_for(
                    rule.endpoint, _external=False, **{k: values[k] for k in rule.arguments}
                )
                method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
                data = {"csrf_token": any_csrf_token(client)} if method == "POST" else None
                before = snapshot()
                response = client.open(url, method=method, data=data)
                checked += 1
                text = page_text(response)
                if response.status_code != 400 or "qbank cannot store (NUL)" not in text:
                    failures.append(f"{method} {url}: {response.status_code}")
                if changed_tables(before, snapshot()):
                    failures.append(f"{method} {url}: wrote to the database")
    assert checked >= 8  # /reset, /sets/import, /cohorts/join, /media, /static, twice
    assert failures == []


def test_nul_in_the_login_email_gets_a_400_naming_the_field(client):
    response = client.post(
        "/login",
        data={
            "email": f"ana{NUL}@example.edu",
            "password": "whatever it is",
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 400
    assert (
        "The field “E-mail” contains a character qbank cannot store (NUL). Remove it and send "
        "the form again." in page_text(response)
    )


def test_nul_in_an_option_of_the_question_form_names_that_option(client, auth, world):
    auth.login(world.admin.email)
    page = f"/sets/{world.examples['set_id']}/questions/new"
    before = snapshot()
    response = auth.post(
        page,
        {"kind": "single", "stem": "Stem", "options-0-text": "A", "options-1-text": f"B{NUL}"},
    )
    assert response.status_code == 400
    assert "The field “Option B” contains a character" in page_text(response)
    assert snapshot() == before


# --- question files -----------------------------------------------------------------------

CSV_HEADER = "kind,stem,option_a,option_b,answer\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
DEEP = 200_000


def moodle_file(text: str = "Which valve?", files: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Valve</text></name>
    <questiontext format="html"><text>{text}</text>{files}</questiontext>
    <answer fraction="100"><text>Aortic</text></answer>
    <answer fraction="0"><text>Mitral</text></answer>
  </question>
</quiz>
""".encode()


def moodle_image(name: str, data: bytes) -> bytes:
    text = f'&lt;p&gt;See &lt;img src="@@PLUGINFILE@@/{name}"&gt;&lt;/p&gt;'
    encoded = base64.b64encode(data).decode()
    return moodle_file(text, f'<file name="{name}" path="/" encoding="base64">{encoded}</file>')


def anki_file(folder: Path, front: str = "Which valve?", **deck: Any) -> bytes:
    return build_apkg(Deck([Note(BASIC, [front, "Aortic"])], **deck), folder / "c.anki2")


def deep_json() -> bytes:
    head = '{"format": "qbank", "version": 1,\n"questions": [\n{"stem": "Deep", "tags": '
    return (head + "[" * DEEP + "]" * DEEP + "}]}").encode()


# name: (file name, its bytes from a scratch folder, what the report must say)
HOSTILE_FILES: dict[str, tuple[str, Callable[[Path], bytes], list[str]]] = {
    "NUL in a CSV cell": (
        "nul.csv",
        lambda _: (CSV_HEADER + f"single,Which valve?,Aortic,Mitral{NUL},A\n").encode(),
        ["row 2", "option B contains a character qbank cannot store (NUL)"],
    ),
    "NUL in a JSON string": (
        "nul.json",
        lambda _: qbank_json_file([json_question(1, explanation=f"Because{NUL}.")]),
        ["question 1", "the explanation contains a character qbank cannot store (NUL)"],
    ),
    "a lone surrogate in a JSON string": (
        "surrogate.json",
        lambda _: qbank_json_file([json_question(1, stem="Which \ud800 valve?")]),
        ["question 1", "cannot store (U+D800)"],
    ),
    "NUL in a Moodle XML text": (
        "nul.xml",
        lambda _: moodle_file(f"Which{NUL} valve?"),
        ["line 5", "NUL"],
    ),
    "a NUL reference in a Moodle XML text": (
        "nul-reference.xml",
        lambda _: moodle_file("Which&#0; valve?"),
        ["line 5", "NUL"],
    ),
    "NUL in a GIFT question": (
        "nul.gift",
        lambda _: f"::Valve:: Which{NUL} valve? {{=Aortic ~Mitral}}\n".encode(),
        ["line 1", "the question text contains a character qbank cannot store (NUL)"],
    ),
    "NUL in an Anki note": (
        "nul.apkg",
        lambda folder: anki_file(folder, front=f"Which{NUL} valve?"),
        ["note 1", "the front contains a character qbank cannot store (NUL)"],
    ),
    "200,000-deep qbank JSON": (
        "deep.json",
        lambda _: deep_json(),
        ["nests deeper than qbank reads: more than 100 levels, at line 3"],
    ),
    "200,000-deep Moodle XML": (
        "deep.xml",
        lambda _: moodle_file("<div>" * DEEP + "x" + "</div>" * DEEP),
        ["nests deeper than qbank reads: more than 100 levels, at line 5"],
    ),
    "200,000 braces in GIFT": (
        "deep.gift",
        lambda _: ("::Braces:: Which? " + "{" * DEEP + "=A ~B" + "}" * DEEP).encode(),
        ["line 1", "are not closed before the next {"],
    ),
    "200,000-deep JSON in an Anki package": (
        "deep.apkg",
        lambda folder: anki_file(folder, models="[" * DEEP + "]" * DEEP),
        ["note types", "nest deeper than qbank reads: more than 100 levels, at line 1"],
    ),
    "a 200,000-character stem in qbank JSON": (
        "long.json",
        lambda _: qbank_json_file([json_question(1, stem="*a* " * 50_000)]),
        ["question 1", "the question text holds 200,000 characters; qbank takes at most 100,000"],
    ),
    "an SVG as qbank JSON media": (
        "svg.json",
        lambda _: qbank_json_file(
            [json_question(1, stem="See ![x](qbank-media:logo.png)")],
            media={"logo.png": SVG},
        ),
        ["media file logo.png", "it is an SVG image"],
    ),
    "an HTML page posing as a PNG in qbank JSON": (
        "html.json",
        lambda _: qbank_json_file(
            [json_question(1, stem="See ![x](qbank-media:heart.png)")],
            media={"heart.png": HTML_PAGE},
        ),
        ["media file heart.png", "it is an HTML page"],
    ),
    "an HTML page posing as a PNG in Moodle XML": (
        "html.xml",
        lambda _: moodle_image("heart.png", HTML_PAGE),
        ['media file "heart.png"', "it is an HTML page"],
    ),
    "an SVG in Moodle XML": (
        "svg.xml",
        lambda _: moodle_image("logo.svg", SVG),
        ['media file "logo.svg"', "SVG"],
    ),
    "an HTML page posing as a PNG in an Anki package": (
        "html.apkg",
        lambda folder: anki_file(
            folder, front='<img src="heart.png">', media={"heart.png": HTML_PAGE}
        ),
        ["media file 0 (heart.png)", "it is an HTML page"],
    ),
}


@pytest.fixture
def faculty(create_user) -> User:
    return create_user(role=Role.FACULTY, email="fac@example.edu", display_name="Dr Fac")


def upload(client: FlaskClient, data: bytes, filename: str):
    response = client.post(
        "/sets/import",
        data={
            "file": (io.BytesIO(data), filename),
            "csrf_token": csrf_token(client, "/sets/import"),
            "format": "",
            "target": "0",
        },
        content_type="multipart/form-data",
    )
    # The test client spools a large body to a temporary file that it leaves open.
    response.request.input_stream.close()
    return response


@pytest.mark.parametrize("case", HOSTILE_FILES)
def test_hostile_file_gets_a_located_report_and_confirming_saves_nothing(
    client, auth, faculty, tmp_path, case
):
    filename, make, expected = HOSTILE_FILES[case]
    auth.login(faculty.email)
    before = snapshot()
    started = time.perf_counter()
    report_url = upload(client, make(tmp_path), filename).headers["Location"]
    report = client.get(report_url)
    text = page_text(report)
    assert report.status_code == 200
    errors = text[text.index("to fix — nothing was saved") : text.index("Fix the file")]
    for words in expected:
        assert words in errors
    assert "Import 1 question" not in text  # no confirm button
    confirmed = client.post(report_url, data={"csrf_token": csrf_token(client, report_url)})
    assert confirmed.status_code == 200
    assert time.perf_counter() - started < 30  # bounded work, however deep the file
    assert changed_tables(before, snapshot()) == ["import_uploads"]  # the upload waits


@pytest.mark.parametrize("case", HOSTILE_FILES)
def test_hostile_file_gets_a_located_message_from_the_cli_and_no_traceback(
    runner, faculty, tmp_path, case
):
    filename, make, expected = HOSTILE_FILES[case]
    path = tmp_path / filename
    path.write_bytes(make(tmp_path))
    before = snapshot()
    result = runner.invoke(args=["import", str(path), "--set", "Hostile", "--owner", faculty.email])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exc_info
    assert no_traceback(result.output)
    for words in expected:
        assert words in result.output
    assert "nothing was saved" in result.output
    assert changed_tables(before, snapshot()) == []


def test_deeply_nested_question_text_imports_and_every_page_showing_it_renders(
    client, auth, faculty, create_user
):
    deep_html = "<div>" * 8_000 + "deep html" + "</div>" * 8_000
    deep_quotes = "> " * 40_000 + "deep quote"
    deep_list = "- " * 40_000 + "deep list"
    rows = [f'single,"{text}",Aortic,Mitral,A' for text in (deep_html, deep_quotes, deep_list)]
    auth.login(faculty.email)
    report_url = upload(client, (CSV_HEADER + "\n".join(rows) + "\n").encode(), "deep.csv")
    report_url = report_url.headers["Location"]
    report = client.get(report_url)
    assert report.status_code == 200 and "deep html" in page_text(report)
    saved = client.post(report_url, data={"csrf_token": csrf_token(client, report_url)})
    set_url = saved.headers["Location"]
    question_set = db.session.get(QuestionSet, int(set_url.rstrip("/").rsplit("/", 1)[1]))
    pages = [set_url] + [f"{set_url}/questions/{q.id}" for q in question_set.questions]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    shown = client.get(pages[1]).get_data(as_text=True)  # the one with the nested <div>s
    assert "deep html" in shown and shown.count("<div>") < 200
