"""Anki packages built for tests: note types, notes and decks, written as an .apkg."""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0" + bytes(16)
BASIC_BACK = "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"


_ids = itertools.count(1_700_000_000_000)


def note_type(
    name: str, fields: list[str], templates: list[tuple[str, str, str]], *, cloze: bool = False
) -> dict[str, Any]:
    """A note type as Anki's ``col.models`` JSON holds it: fields, and (name, qfmt, afmt)."""
    return {
        "id": next(_ids),
        "name": name,
        "type": 1 if cloze else 0,
        "flds": [{"name": f, "ord": i} for i, f in enumerate(fields)],
        "tmpls": [
            {"name": n, "qfmt": q, "afmt": a, "ord": i} for i, (n, q, a) in enumerate(templates)
        ],
    }


BASIC = note_type("Basic", ["Front", "Back"], [("Card 1", "{{Front}}", BASIC_BACK)])
REVERSED = note_type(
    "Basic (and reversed card)",
    ["Front", "Back"],
    [
        ("Card 1", "{{Front}}", BASIC_BACK),
        ("Card 2", "{{Back}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Front}}"),
    ],
)
CLOZE = note_type(
    "Cloze", ["Text", "Extra"], [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Extra}}")],
    cloze=True,
)  # fmt: skip


@dataclass
class Note:
    type: dict[str, Any]
    fields: list[str]
    tags: str = ""
    guid: str = field(default_factory=lambda: f"guid{next(_ids)}")
    deck: int = 1


@dataclass
class Deck:
    """What goes into a built .apkg; every part can be replaced to make it broken."""

    notes: list[Note]
    media: dict[str, bytes] = field(default_factory=dict)  # real name -> bytes
    decks: dict[int, str] = field(default_factory=lambda: {1: "Default"})
    collection_name: str = "collection.anki2"
    collection: bytes | None = None  # instead of building one
    models: str | None = None  # the note types' JSON, instead of the notes' own
    media_map: Any = None  # instead of numbering ``media``
    members: dict[str, bytes] = field(default_factory=dict)  # more files in the zip


def build_collection(deck: Deck, path: Path) -> bytes:
    """Write the deck's collection as SQLite at ``path`` and return its bytes."""
    types = {str(n.type["id"]): n.type for n in deck.notes}
    decks = {str(i): {"id": i, "name": name, "desc": ""} for i, name in deck.decks.items()}
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            """
            CREATE TABLE col (id integer primary key, crt integer not null,
                mod integer not null, scm integer not null, ver integer not null,
                dty integer not null, usn integer not null, ls integer not null,
                conf text not null, models text not null, decks text not null,
                dconf text not null, tags text not null);
            CREATE TABLE notes (id integer primary key, guid text not null,
                mid integer not null, mod integer not null, usn integer not null,
                tags text not null, flds text not null, sfld integer not null,
                csum integer not null, flags integer not null, data text not null);
            CREATE TABLE cards (id integer primary key, nid integer not null,
                did integer not null, ord integer not null, mod integer not null,
                usn integer not null, type integer not null, queue integer not null,
                due integer not null, ivl integer not null, factor integer not null,
                reps integer not null, lapses integer not null, left integer not null,
                odue integer not null, odid integer not null, flags integer not null,
                data text not null);
            """
        )
        db.execute(
            "INSERT INTO col VALUES (1, 0, 0, 0, 11, 0, 0, 0, '{}', ?, ?, '{}', '{}')",
            (deck.models if deck.models is not None else json.dumps(types), json.dumps(decks)),
        )
        for note in deck.notes:
            note_id = next(_ids)
            db.execute(
                "INSERT INTO notes VALUES (?, ?, ?, 0, 0, ?, ?, '', 0, 0, '')",
                (note_id, note.guid, note.type["id"], f" {note.tags} ", "\x1f".join(note.fields)),
            )
            db.execute(
                "INSERT INTO cards VALUES (?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '')",
                (next(_ids), note_id, note.deck),
            )
        db.commit()
    return path.read_bytes()


def build_apkg(deck: Deck, collection_path: Path) -> bytes:
    """Write a Deck as an .apkg in Anki's old (schema 11) layout; the collection goes to a path."""
    collection = deck.collection
    if collection is None:
        collection = build_collection(deck, collection_path)
    media_map = deck.media_map
    numbered = {str(i): (name, data) for i, (name, data) in enumerate(deck.media.items())}
    if media_map is None:
        media_map = {number: name for number, (name, _) in numbered.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(deck.collection_name, collection)
        for number, (_, data) in numbered.items():
            package.writestr(number, data)
        package.writestr("media", json.dumps(media_map))
        for name, data in deck.members.items():
            package.writestr(name, data)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()
