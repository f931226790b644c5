"""Hostile input gets a clear, located refusal: never a 500, never a traceback, nothing saved.

The forms are not listed here: the test signs in as users who may use every page, opens
every page the route table has, and posts every form it finds, one field at a time. A
new form is covered as soon as a page shows it, and a POST route that no page offers a
form for fails the test until one does.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from qbank.extensions import db
from qbank.models import Role, User, Visibility
from qbank.services import accounts, cohorts, enrollment, fsrs_tuning, imports, study
from qbank.services import question_bank as bank
from tests.bank_helpers import json_question, qbank_json_file, sba, tiny_png
from tests.conftest import csrf_token

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

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
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

    def handle_endtag(self, tag):
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
    now = clock.now()
    admin = create_user(role=Role.ADMIN, email="admin@example.edu", display_name="Ada Admin")
    student = create_user(email="student@example.edu", display_name="Sam Student")
    question_set = bank.create_set(admin, "Cardiology", "", now)
    questions = [bank.save_question(question_set, sba(n), admin, now)[0] for n in range(2)]
    bank.update_set(question_set, "Cardiology", "", Visibility.PUBLIC, [], now)
    bank.publish_set(question_set, True, now)
    for user in (admin, student):
        enrollment.enroll(user, question_set, now)
    report = study.report_question(student, questions[0].id, "typo", "", now)
    cohort = cohorts.create_cohort("Year 1", admin, "UTC", now)
    cohorts.add_member(cohort, student, now)
    upload = imports.stash_upload(
        admin, "set.json", qbank_json_file([json_question(1)]), None, None, "", now
    )
    reset = accounts.issue_reset_link(student, admin, now, timedelta(hours=24))
    db.session.commit()
    return World(
        admin=admin,
        student=student,
        examples={
            "set_id": question_set.id,
            "question_id": questions[0].id,
            "report_id": report.id,
            "cohort_id": cohort.id,
            "user_id": student.id,
            "review_id": 1,
            "token": upload.token,
            "code": cohort.join_code,
            "sha256": "a" * 64,
            "filename": "css/qbank.css",
            "fmt": "json",
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
