"""Refuse a request that holds a character qbank cannot store, before any view reads it.

One check for every input a browser sends: the address (path and query string), form
fields and the names of uploaded files. The content of uploaded question files is the
importers' to check, with a location in the file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from qbank.domain.storable import replace_unstorable, unstorable_character
from qbank.views.errors import render_error

IN_PATH = (
    "The address contains a character qbank cannot store ({character}). Check the link and "
    "open it again."
)
IN_QUERY = (
    "The address contains a character qbank cannot store ({character}), in “{name}”. "
    "Remove it and load the page again."
)
IN_FIELD = (
    "The field “{label}” contains a character qbank cannot store ({character}). Remove it "
    "and send the form again."
)
IN_FILE_NAME = (
    "The name of the file chosen for “{label}” contains a character qbank cannot store "
    "({character}). Rename the file and send the form again."
)


def register(app: Flask) -> None:
    app.before_request(refuse_unstorable_input)


def refuse_unstorable_input() -> ResponseReturnValue | None:
    """Answer 400, saying where, if any part of the request cannot be stored."""
    message = _where_unstorable()
    return None if message is None else render_error(400, message)


def _where_unstorable() -> str | None:
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and (character := unstorable_character(value)):
            return IN_PATH.format(character=character)
    for name, value in request.args.items(multi=True):
        if character := unstorable_character(name + value):
            return IN_QUERY.format(character=character, name=replace_unstorable(name))
    for name, value in request.form.items(multi=True):
        if character := unstorable_character(name + value):
            return IN_FIELD.format(character=character, label=_label(name))
    for name, upload in request.files.items(multi=True):
        if character := unstorable_character(name + (upload.filename or "")):
            return IN_FILE_NAME.format(character=character, label=_label(name))
    return None


def _label(name: str) -> str:
    """The label of the posted field ``name``, from the form the view's module defines.

    The form is the smallest one of that module that has every field posted. A field the
    page shows no label for (a hidden input, a radio button outside any form) is named as
    it was sent.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    module = sys.modules.get(getattr(view, "__module__", ""))
    posted = (set(request.form) | set(request.files)) - {"csrf_token"}
    matching = []
    for form_class in _form_classes(vars(module).values() if module else ()):
        form = form_class(formdata=None, meta={"csrf": False})
        fields = {field.name: field for field in _fields(form)}
        if posted <= fields.keys():
            matching.append(fields)
    field = min(matching, key=len, default={}).get(name)
    if field is None or getattr(field.widget, "input_type", None) == "hidden":
        return replace_unstorable(name)
    return field.label.text


def _form_classes(names: Iterable[object]) -> Iterator[type[FlaskForm]]:
    for value in names:
        if isinstance(value, type) and issubclass(value, FlaskForm) and value is not FlaskForm:
            yield value


def _fields(fields: Iterable[Field]) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _fields(field)
        else:
            yield field
