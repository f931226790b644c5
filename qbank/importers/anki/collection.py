"""The collection, Anki's SQLite database: its notes, decks and note types."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from qbank.importers.anki.messages import EXPORT_AGAIN, NEWER_ANKI, NOT_ANKI
from qbank.importers.anki.templates import Node, parse_template
from qbank.importers.drafts import MAX_NESTING, ParseResult, json_nesting_line

FIELD_SEPARATOR = "\x1f"


@dataclass
class NoteType:
    name: str
    fields: list[str]
    card: str  # the first card type, the one qbank imports
    front: list[Node]
    back: list[Node]
    cloze: bool
    other_cards: list[str]
    problems: set[str] = field(default_factory=set)
    several_clozes: int = 0  # notes whose clozes after the first are not imported
    used: bool = False


@dataclass
class Note:
    guid: str
    type_id: str
    tags: list[str]
    fields: list[str]
    deck: str = ""


@dataclass
class Deck:
    name: str
    description: str


@dataclass
class Collection:
    note_types: dict[str, NoteType]
    decks: dict[int, Deck]
    notes: list[Note]


def read_collection(blob: bytes, source: str, result: ParseResult) -> Collection | None:
    with tempfile.TemporaryDirectory(prefix="qbank-anki-") as folder:
        path = Path(folder) / "collection.sqlite"
        path.write_bytes(blob)
        try:
            uri = f"{path.as_uri()}?mode=ro&immutable=1"
            with closing(sqlite3.connect(uri, uri=True)) as db:
                # No value can be longer than the file, unless the schema computes it.
                db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(len(blob), 1_000_000))
                db.text_factory = _text
                return _query_collection(db, source, result)
        except (sqlite3.Error, UnicodeDecodeError):  # a damaged schema can give either
            result.error(source, NOT_ANKI)
            return None


def _query_collection(
    db: sqlite3.Connection, source: str, result: ParseResult
) -> Collection | None:
    tables = dict(db.execute("SELECT name, type FROM sqlite_master"))
    if tables.get("col") != "table" or tables.get("notes") != "table":
        result.error(source, NOT_ANKI)
        return None
    row = db.execute("SELECT models, decks FROM col").fetchone()
    if row and (
        nests_too_deep(row[0], f"{source}, note types", "the deck's note types nest", result)
        or nests_too_deep(row[1], f"{source}, decks", "the list of decks nests", result)
    ):
        return None
    models = read_json(row[0]) if row else None
    if row and not models and "notetypes" in tables:
        result.error(source, NEWER_ANKI)
        return None
    if not isinstance(models, dict):
        result.error(source, f"the deck's note types cannot be read. {EXPORT_AGAIN}")
        return None
    decks = _decks(read_json(row[1]))
    note_decks: dict[int, str] = {}
    if tables.get("cards") == "table":
        for note_id, deck_id in db.execute("SELECT nid, did FROM cards ORDER BY nid, ord"):
            deck = decks.get(deck_id)
            note_decks.setdefault(note_id, deck.name if deck else "")
    notes = [
        Note(
            guid=_text(guid).strip(),
            type_id=_text(type_id),
            tags=list(dict.fromkeys(_text(tags).split())),
            fields=_text(fields).split(FIELD_SEPARATOR),
            deck=note_decks.get(note_id, ""),
        )
        for note_id, guid, type_id, tags, fields in db.execute(
            "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
        )
    ]
    note_types = {str(key): _note_type(model) for key, model in models.items()}
    return Collection(
        note_types={key: t for key, t in note_types.items() if t is not None},
        decks=decks,
        notes=notes,
    )


def nests_too_deep(value: object, where: str, what: str, result: ParseResult) -> bool:
    """Report a JSON column nested too deep for the JSON reader, which recurses."""
    line = json_nesting_line(_text(value))
    if line is None:
        return False
    result.error(
        where,
        f"{what} deeper than qbank reads: more than {MAX_NESTING} levels, at line {line} of "
        f"their JSON. {EXPORT_AGAIN}",
    )
    return True


def read_json(value: object) -> object:
    try:
        return json.loads(_text(value))
    except (ValueError, RecursionError):
        return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _decks(decks: object) -> dict[int, Deck]:
    if not isinstance(decks, dict):
        return {}
    found = {}
    for key, deck in decks.items():
        if isinstance(deck, dict) and isinstance(deck.get("name"), str) and _is_deck_id(key):
            found[int(key)] = Deck(deck["name"], _text(deck.get("desc")))
    return found


def _is_deck_id(key: str) -> bool:
    # Anki's ids are 64-bit, so at most 19 ASCII digits. int() refuses "²", which isdigit
    # passes, and numbers of more than 4,300 digits.
    return key.isascii() and key.isdigit() and len(key) <= 19


def _note_type(model: object) -> NoteType | None:
    """Read one note type from Anki's JSON; None if it is not the shape Anki writes."""
    if not isinstance(model, dict):
        return None
    fields = _by_order(model.get("flds"))
    templates = _by_order(model.get("tmpls"))
    names = [name for f in fields if isinstance(name := f.get("name"), str)]
    if not templates or len(names) != len(fields):
        return None
    first = templates[0]
    front, back = first.get("qfmt"), first.get("afmt")
    if not isinstance(front, str) or not isinstance(back, str):
        return None
    problems: set[str] = set()
    return NoteType(
        name=_text(model.get("name")) or "unnamed",
        fields=names,
        card=_text(first.get("name")),
        front=parse_template(front, problems),
        back=parse_template(back, problems),
        cloze=model.get("type") == 1,
        other_cards=[_text(t.get("name")) for t in templates[1:]],
        problems=problems,
    )


def _by_order(items: object) -> list[dict[str, object]]:
    if not isinstance(items, list):
        return []
    found = [item for item in items if isinstance(item, dict)]
    return sorted(found, key=_order)


def _order(item: dict[str, object]) -> int:
    order = item.get("ord")
    return order if isinstance(order, int) else 0
