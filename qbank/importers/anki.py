"""Anki deck packages (.apkg): every note becomes one flashcard.

An .apkg is a zip holding the collection as SQLite (``collection.anki2``, or
``collection.anki21`` from Anki 2.1: the same tables) and the deck's media, stored as
members "0", "1", ... with a JSON map ``media`` from those numbers to the real names.
Newer Anki writes ``collection.anki21b``, compressed with zstd, which the standard
library cannot read: the user is asked to export again with "Support older Anki
versions" ticked.

Where Anki and qbank differ, this importer decides:

- One flashcard per note, from its first card type. The front is that card's question;
  the back is its answer after Anki's ``<hr id=answer>`` marker, so it does not repeat
  the front. A cloze note's front hides its lowest cloze number, as Anki's first card
  does. Other card types and clozes are listed as skipped, once per note type.
- A note Anki makes no card from (an empty front, a cloze note without a cloze) is
  skipped, and so is one whose front or back holds nothing but sound or missing images.
- Each side is Anki's HTML in one ``<div>`` block, so that Markdown passes it through
  as Anki showed it instead of reading ``*`` or ``#`` in it. Sanitizing is for display.
- Media: only the images cards show are kept, judged by their bytes, not their names.
  A shown image that is not one (an SVG, an HTML page named .png) is an error, because
  the card would lose it; an image missing from the package is a warning, because Anki
  shows that card without it too. Sound and all other files are left out, with one
  warning naming them.
- Title: the deck that holds every card, unless that is Default. When the cards come
  from several decks, each note is also tagged with its deck's full name
  ("Cardiology::Valves"), so the deck tree survives as qbank's tag tree.
- The zip is judged by its directory before anything is unpacked (member count, sizes,
  compression ratio), and every read stops at its limit whatever sizes it claims.
  Nothing is written to disk under a name from the package: the collection is copied to
  a temporary file, because sqlite3 needs a path, and opened read-only.
"""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from qbank.domain.media import image_refusal
from qbank.importers.drafts import (
    MAX_ARCHIVE_MEMBERS,
    MAX_COMPRESSION_RATIO,
    MAX_MEDIA_FILE_BYTES,
    MAX_NESTING,
    MAX_UNPACKED_BYTES,
    MEDIA_SCHEME,
    ParseResult,
    QuestionDraft,
    check_draft,
    html_to_markdown,
    json_nesting_line,
)
from qbank.models import QuestionKind, Tag

FORMAT = "anki"
LABEL = "Anki deck (.apkg)"

ZIP_SIGNATURE = b"PK\x03\x04"
OLDEST_COLLECTION = "collection.anki2"
LEGACY_COLLECTION = "collection.anki21"  # Anki 2.1's "Support older Anki versions"
ZSTD_COLLECTION = "collection.anki21b"
MEDIA_MAP = "media"
FIELD_SEPARATOR = "\x1f"
DEFAULT_DECK = "Default"
EXPORT_AGAIN = "Export the deck from Anki again."
NOT_ANKI = f"the collection inside the package is not an Anki database. {EXPORT_AGAIN}"
NEWER_ANKI = (
    "this package is in the format of newer Anki versions, which qbank cannot read. "
    'Export it again with "Support older Anki versions" ticked.'
)
NAME_IN_LOCATION = 60
NAMES_IN_MESSAGE = 10
MAX_TEMPLATE_NESTING = 50  # sections or clozes inside one another; real decks use two or three
MAX_TAG_LENGTH = Tag.__table__.c.name.type.length
READ_CHUNK = 1024 * 1024
# The compression ratio only tells on large members: a few KB of blank SQLite pages
# compress far better than 200 to 1 and harm no one.
RATIO_CHECKED_FROM = 1024 * 1024

# What zipfile raises on a damaged, encrypted or unsupported archive.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
)
_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"
_END_OF_CENTRAL_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"

_HANDLEBARS = re.compile(r"\{\{([^{}]*)\}\}")
_CLOZE_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}")
# Anki's test for an empty field: nothing but whitespace and line breaks.
_EMPTY_FIELD = re.compile(r"(?:\s|</?(?:br|div)\s?/?>)*", re.IGNORECASE)
_ANSWER_MARKER = re.compile(r"<hr\s+id\s*=\s*[\"']?answer[\"']?\s*/?>", re.IGNORECASE)
_SOUND = re.compile(r"\[sound:([^\[\]]*)\]")
_IMG_TAG = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_IMG_SRC = re.compile(r"""(\bsrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_URL_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:|//", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]*>")
_LEADING_SPACE = re.compile(r"(?:\s|&nbsp;|<br\s*/?>)*", re.IGNORECASE)
_TRAILING_BREAK = re.compile(r"(?:&nbsp;|<br\s{0,3}/?>)\Z", re.IGNORECASE)
_TRAILING_BREAK_LENGTH = len("<br   />")
_SPACES = re.compile(r"\s+")


# --- the package ----------------------------------------------------------------------


def sniff(data: bytes, filename: str) -> bool:
    """Tell whether the bytes are a zip holding an Anki collection."""
    return data.startswith(ZIP_SIGNATURE) and b"collection.anki2" in data


def parse(data: bytes, source: str = "file") -> ParseResult:
    """Turn an Anki .apkg into flashcard drafts, images and located problems."""
    result = ParseResult()
    if not data:
        result.error(source, "the file is empty. Export the deck from Anki as an .apkg file.")
        return result
    if not data.startswith(ZIP_SIGNATURE):
        result.error(
            source,
            "this is not an Anki package (.apkg). In Anki, choose File > Export, "
            'then "Anki Deck Package".',
        )
        return result
    members = _member_count_bound(data)
    if members > MAX_ARCHIVE_MEMBERS:
        result.error(source, _too_many_members(members))
        return result
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        result.error(source, f"the package is damaged and cannot be opened. {EXPORT_AGAIN}")
        return result
    with package:
        refusal = _archive_refusal(package)
        if refusal:
            result.error(source, refusal)
            return result
        _read_package(_Archive(package), source, result)
    return result


class _Unreadable(Exception):
    """A member of the package that cannot be read; the message says why."""


@dataclass
class _Archive:
    """The package's zip, read member by member and never past the limits."""

    package: zipfile.ZipFile
    budget: int = MAX_UNPACKED_BYTES

    def member(self, name: str) -> zipfile.ZipInfo | None:
        try:
            return self.package.getinfo(name)
        except KeyError:
            return None

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes | None:
        """Return the member's bytes, or None when it unpacks to more than ``limit``."""
        limit = min(limit, self.budget)
        chunks = []
        size = 0
        try:
            with self.package.open(info) as member:
                # Read in chunks and count: a zip's declared sizes may lie.
                while chunk := member.read(READ_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        return None
                    chunks.append(chunk)
        except _ZIP_ERRORS:
            raise _Unreadable(f"it is damaged. {EXPORT_AGAIN}") from None
        self.budget -= size
        return b"".join(chunks)


def _member_count_bound(data: bytes) -> int:
    """Count the zip's entries from its raw directory, before zipfile builds one per entry.

    Counts entry signatures in the central directory that the end record points at, or in
    everything before it for zip64; an over-count only refuses a file that is hostile anyway.
    """
    end = data.rfind(_END_OF_CENTRAL_DIRECTORY, max(0, len(data) - 22 - 0xFFFF))
    if end < 0:
        return 0  # not a zip zipfile can open; it will say so
    directory_size = int.from_bytes(data[end + 12 : end + 16], "little")
    zip64 = data[max(0, end - 20) : end - 16] == _ZIP64_LOCATOR
    start = 0 if zip64 else max(0, end - directory_size)
    return data.count(_CENTRAL_DIRECTORY_ENTRY, start, end)


def _too_many_members(count: int) -> str:
    return (
        f"the package holds {count:,} files; qbank opens at most {MAX_ARCHIVE_MEMBERS:,}. "
        "Export a smaller deck."
    )


def _archive_refusal(package: zipfile.ZipFile) -> str:
    """Say why the package must not be unpacked, judging by what its directory declares."""
    members = package.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        return _too_many_members(len(members))
    total = sum(info.file_size for info in members)
    if total > MAX_UNPACKED_BYTES:
        return (
            f"the package would unpack to {_megabytes(total)}; qbank unpacks at most "
            f"{_megabytes(MAX_UNPACKED_BYTES)}. Export a smaller deck, or one without sound "
            "and video."
        )
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            return (
                f'"{_shorten(info.filename)}" in the package is compressed {ratio:,.0f} to 1, '
                f"as zip bombs are (real decks stay under {MAX_COMPRESSION_RATIO} to 1), so "
                f"qbank will not unpack it. {EXPORT_AGAIN}"
            )
    return ""


def _read_package(archive: _Archive, source: str, result: ParseResult) -> None:
    info = archive.member(LEGACY_COLLECTION)
    if info is None and archive.member(ZSTD_COLLECTION) is not None:
        # Beside it, newer Anki writes a collection.anki2 that only says "update Anki".
        result.error(source, NEWER_ANKI)
        return
    if info is None:
        info = archive.member(OLDEST_COLLECTION)
    if info is None:
        result.error(
            source,
            "this zip holds no Anki collection. In Anki, choose File > Export, then "
            '"Anki Deck Package".',
        )
        return
    where = f"{source}, {info.filename}"
    try:
        blob = archive.read(info, MAX_UNPACKED_BYTES)
    except _Unreadable as exc:
        result.error(where, str(exc))
        return
    if blob is None:
        result.error(where, f"it unpacks to more than it claims. {EXPORT_AGAIN}")
        return
    collection = _read_collection(blob, source, result)
    if collection is None:
        return
    media = _Media(archive, _media_names(archive, result), result)
    _read_notes(collection, media, source, result)
    media.report_left_out()


# --- the collection ---------------------------------------------------------------------


@dataclass
class _NoteType:
    name: str
    fields: list[str]
    card: str  # the first card type, the one qbank imports
    front: list[_Node]
    back: list[_Node]
    cloze: bool
    other_cards: list[str]
    problems: set[str] = field(default_factory=set)
    several_clozes: int = 0  # notes whose clozes after the first are not imported
    used: bool = False


@dataclass
class _Note:
    guid: str
    type_id: str
    tags: list[str]
    fields: list[str]
    deck: str = ""


@dataclass
class _Deck:
    name: str
    description: str


@dataclass
class _Collection:
    note_types: dict[str, _NoteType]
    decks: dict[int, _Deck]
    notes: list[_Note]


def _read_collection(blob: bytes, source: str, result: ParseResult) -> _Collection | None:
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
) -> _Collection | None:
    tables = dict(db.execute("SELECT name, type FROM sqlite_master"))
    if tables.get("col") != "table" or tables.get("notes") != "table":
        result.error(source, NOT_ANKI)
        return None
    row = db.execute("SELECT models, decks FROM col").fetchone()
    if row and (
        _nests_too_deep(row[0], f"{source}, note types", "the deck's note types nest", result)
        or _nests_too_deep(row[1], f"{source}, decks", "the list of decks nests", result)
    ):
        return None
    models = _json(row[0]) if row else None
    if row and not models and "notetypes" in tables:
        result.error(source, NEWER_ANKI)
        return None
    if not isinstance(models, dict):
        result.error(source, f"the deck's note types cannot be read. {EXPORT_AGAIN}")
        return None
    decks = _decks(_json(row[1]))
    note_decks: dict[int, str] = {}
    if tables.get("cards") == "table":
        for note_id, deck_id in db.execute("SELECT nid, did FROM cards ORDER BY nid, ord"):
            deck = decks.get(deck_id)
            note_decks.setdefault(note_id, deck.name if deck else "")
    notes = [
        _Note(
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
    return _Collection(
        note_types={key: t for key, t in note_types.items() if t is not None},
        decks=decks,
        notes=notes,
    )


def _nests_too_deep(value: object, where: str, what: str, result: ParseResult) -> bool:
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


def _json(value: object) -> object:
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


def _decks(decks: object) -> dict[int, _Deck]:
    if not isinstance(decks, dict):
        return {}
    found = {}
    for key, deck in decks.items():
        if isinstance(deck, dict) and isinstance(deck.get("name"), str) and key.isdigit():
            found[int(key)] = _Deck(deck["name"], _text(deck.get("desc")))
    return found


def _note_type(model: object) -> _NoteType | None:
    """Read one note type from Anki's JSON; None if it is not the shape Anki writes."""
    if not isinstance(model, dict):
        return None
    fields = _by_order(model.get("flds"))
    templates = _by_order(model.get("tmpls"))
    names = [f.get("name") for f in fields]
    if not templates or not all(isinstance(n, str) for n in names):
        return None
    first = templates[0]
    if not isinstance(first.get("qfmt"), str) or not isinstance(first.get("afmt"), str):
        return None
    problems: set[str] = set()
    return _NoteType(
        name=_text(model.get("name")) or "unnamed",
        fields=names,
        card=_text(first.get("name")),
        front=_parse_template(first["qfmt"], problems),
        back=_parse_template(first["afmt"], problems),
        cloze=model.get("type") == 1,
        other_cards=[_text(t.get("name")) for t in templates[1:]],
        problems=problems,
    )


def _by_order(items: object) -> list[dict]:
    if not isinstance(items, list):
        return []
    found = [item for item in items if isinstance(item, dict)]
    return sorted(found, key=lambda item: item["ord"] if isinstance(item.get("ord"), int) else 0)


# --- Anki's template language ------------------------------------------------------------


@dataclass(frozen=True)
class _Replacement:
    field: str
    filters: tuple[str, ...]  # in the order they apply: the one next to the field first


@dataclass
class _Section:
    field: str
    inverted: bool  # {{^Field}}: shown when the field is empty
    children: list[_Node]


_Node = str | _Replacement | _Section


def _parse_template(template: str, problems: set[str]) -> list[_Node]:
    """Parse ``{{Field}}``, ``{{filter:Field}}`` and ``{{#Field}}...{{/Field}}`` sections."""
    root: list[_Node] = []
    open_sections: list[_Section] = []
    position = 0
    for match in _HANDLEBARS.finditer(template):
        current = open_sections[-1].children if open_sections else root
        current.append(template[position : match.start()])
        position = match.end()
        tag = match.group(1).strip()
        if tag[:1] in ("#", "^") and len(open_sections) < MAX_TEMPLATE_NESTING:
            section = _Section(tag[1:].strip(), tag[0] == "^", [])
            current.append(section)
            open_sections.append(section)
        elif tag[:1] == "/":
            name = tag[1:].strip()
            if open_sections and open_sections[-1].field == name:
                open_sections.pop()
            else:
                problems.add(f"{{{{/{name}}}}} closes no open section; qbank ignored it.")
        elif tag[:1] not in ("#", "^", "!", "=", ""):
            *filters, name = tag.split(":")
            current.append(_Replacement(name.strip(), tuple(f.strip() for f in reversed(filters))))
    (open_sections[-1].children if open_sections else root).append(template[position:])
    for section in open_sections:
        problems.add(f"{{{{#{section.field}}}}} is never closed; qbank closed it at the end.")
    return root


@dataclass(frozen=True)
class _Card:
    """What a template is rendered with: one side of the note's first card."""

    fields: dict[str, str]
    cloze: int | None  # the cloze number this card hides
    answer: bool
    problems: set[str]


def _render(nodes: list[_Node], card: _Card) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, _Section):
            empty = _EMPTY_FIELD.fullmatch(_field(node.field, card)) is not None
            if empty == node.inverted:
                parts.append(_render(node.children, card))
        else:
            parts.append(_replace(node, card))
    return "".join(parts)


def _field(name: str, card: _Card) -> str:
    if name not in card.fields:
        card.problems.add(
            f'its card uses the field "{name}", which the note type does not have; '
            "qbank left it out."
        )
        return ""
    return card.fields[name]


def _replace(node: _Replacement, card: _Card) -> str:
    filters = [f.split(" ", 1)[0] for f in node.filters if f]
    if "type" in filters or "tts" in filters:
        return ""  # a box to type the answer in, or speech: nothing to show
    value = _field(node.field, card)
    for name in filters:
        if name == "text":
            value = _HTML_TAG.sub("", value)
        elif name == "cloze":
            value = _render_clozes(_parse_clozes(value), card.cloze, card.answer)
        elif name != "hint":  # a hint is shown as it is
            card.problems.add(
                f'qbank does not know the filter "{name}"; the field {node.field} is shown '
                "without it."
            )
    return value


@dataclass
class _Cloze:
    number: int
    children: list[str | _Cloze]
    hint: str = ""


def _parse_clozes(text: str) -> list[str | _Cloze]:
    """Parse ``{{c1::answer::hint}}`` deletions, which may nest; the rest stays text."""
    root: list[str | _Cloze] = []
    open_clozes: list[_Cloze] = []
    position = 0
    for match in _CLOZE_TOKEN.finditer(text):
        current = open_clozes[-1].children if open_clozes else root
        current.append(text[position : match.start()])
        position = match.end()
        if match.group(1) is not None and len(open_clozes) < MAX_TEMPLATE_NESTING:
            open_clozes.append(_Cloze(int(match.group(1)), []))
        elif match.group(1) is None and open_clozes:
            cloze = open_clozes.pop()
            last = cloze.children[-1] if cloze.children else ""
            if isinstance(last, str) and "::" in last:
                cloze.children[-1], cloze.hint = last.split("::", 1)
            (open_clozes[-1].children if open_clozes else root).append(cloze)
        else:
            current.append(match.group(0))
    (open_clozes[-1].children if open_clozes else root).append(text[position:])
    while open_clozes:  # never closed: it was text after all
        cloze = open_clozes.pop()
        parent = open_clozes[-1].children if open_clozes else root
        parent += [f"{{{{c{cloze.number}::", *cloze.children]
    return root


def _render_clozes(nodes: list[str | _Cloze], active: int | None, answer: bool) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.number != active:
            parts.append(_render_clozes(node.children, active, answer))
        elif answer:
            parts.append(f"<b>{_render_clozes(node.children, active, answer)}</b>")
        else:
            parts.append(f"<b>[{node.hint or '...'}]</b>")
    return "".join(parts)


def _cloze_numbers(nodes: list[str | _Cloze]) -> set[int]:
    numbers = set()
    for node in nodes:
        if isinstance(node, _Cloze):
            numbers |= {node.number} | _cloze_numbers(node.children)
    return numbers - {0}


# --- notes to drafts ----------------------------------------------------------------------


def _read_notes(collection: _Collection, media: _Media, source: str, result: ParseResult) -> None:
    if not collection.notes:
        result.error(source, "the deck has no notes. Check that you exported the right deck.")
        return
    deck_names = sorted({n.deck for n in collection.notes if n.deck})
    common = _common_deck(deck_names)
    if common and common != DEFAULT_DECK:
        result.title = common
        deck = next((d for d in collection.decks.values() if d.name == common), None)
        result.description = _html_block(_trim(deck.description)) if deck else ""
    tag_decks = len(deck_names) > 1
    seen_ids: dict[str, int] = {}
    for number, note in enumerate(collection.notes, start=1):
        where = _location(number, note.fields[0])
        note_type = collection.note_types.get(note.type_id)
        if note_type is None:
            result.error(
                where, f"its note type is missing from the package or damaged. {EXPORT_AGAIN}"
            )
            continue
        note_type.used = True
        draft = _draft(note, note_type, where, media, result)
        if draft is None:
            continue
        if tag_decks and note.deck and note.deck != DEFAULT_DECK:
            draft.tags.append(note.deck)
        draft.tags = _tags(draft.tags, where, result)
        if draft.external_id in seen_ids:
            result.error(
                where,
                f"it has the same Anki id as note {seen_ids[draft.external_id]}, so a later "
                "import could not tell them apart. Delete or recreate one of them in Anki, "
                "then export again.",
            )
        elif draft.external_id:
            seen_ids[draft.external_id] = number
        result.problems.extend(check_draft(draft))
        result.drafts.append(draft)
    _report_note_types(collection.note_types.values(), result)
    if not result.drafts and not result.errors:
        result.error(source, "none of the notes can be imported; the skipped list says why.")


def _draft(
    note: _Note, note_type: _NoteType, where: str, media: _Media, result: ParseResult
) -> QuestionDraft | None:
    """Render the note's first card into a draft, or skip the note and say why."""
    label = _label(note.fields[0]) or where
    numbers = set().union(*(_cloze_numbers(_parse_clozes(f)) for f in note.fields))
    if note_type.cloze and not numbers:
        result.skip(where, label, "it has no cloze such as {{c1::...}}, so Anki makes no card.")
        return None
    if note_type.cloze and len(numbers) > 1:
        note_type.several_clozes += 1
    values = note.fields + [""] * (len(note_type.fields) - len(note.fields))
    fields = {
        "Tags": " ".join(note.tags),
        "Type": note_type.name,
        "Deck": note.deck,
        "Subdeck": note.deck.rsplit("::", 1)[-1],
        "Card": note_type.card,
        "CardFlag": "",
        "FrontSide": "",  # the back leaves the front out; see _answer
    } | dict(zip(note_type.fields, values, strict=False))
    active = min(numbers) if numbers else None
    front = _trim(_render(note_type.front, _Card(fields, active, False, note_type.problems)))
    if not _has_content(front):
        result.skip(where, label, "its front is empty, so Anki makes no card from it.")
        return None
    back = _render(note_type.back, _Card(fields, active, True, note_type.problems))
    back = _trim(_answer(back, front))
    missing: set[str] = set()
    shown_front = _trim(media.attach(front, missing))
    shown_back = _trim(media.attach(back, missing))
    for src in sorted(missing):
        result.warn(
            where,
            f'it shows the image "{_shorten(src)}", which is not in the package, so qbank '
            "left it out. Add the image to the note in Anki and export again.",
        )
    for side, before, after in (("front", front, shown_front), ("back", back, shown_back)):
        if _has_content(before) and not _has_content(after):
            result.skip(
                where,
                label,
                f"its {side} holds only sound or images missing from the package, which qbank "
                "cannot show.",
            )
            return None
    return QuestionDraft(
        kind=QuestionKind.FLASHCARD,
        stem=_html_block(shown_front),
        explanation=_html_block(shown_back),
        tags=list(note.tags),
        external_id=note.guid or None,
        location=where,
    )


def _answer(back: str, front: str) -> str:
    """Keep what the back adds to the front: what follows Anki's ``<hr id=answer>``."""
    marker = _ANSWER_MARKER.search(back)
    if marker is None:
        return back
    before = _visible_text(back[: marker.start()])
    # Above the marker is {{FrontSide}} (rendered empty here) or the front's fields again.
    if before in _visible_text(front):
        return back[marker.end() :]
    return back


def _report_note_types(note_types: Iterable[_NoteType], result: ParseResult) -> None:
    for note_type in note_types:
        if not note_type.used:
            continue
        where = f'note type "{note_type.name}"'
        for problem in sorted(note_type.problems):
            result.warn(where, problem)
        if note_type.other_cards and not note_type.cloze:
            result.skip(
                where,
                ", ".join(note_type.other_cards),
                f"qbank makes one flashcard per note, from its first card type "
                f'("{note_type.card}").',
            )
        if note_type.several_clozes:
            result.skip(
                where,
                "clozes after the first",
                f"qbank makes one flashcard per note, hiding its first cloze; in "
                f"{_count(note_type.several_clozes, 'note')} the other clozes show filled in.",
            )


def _tags(tags: list[str], where: str, result: ParseResult) -> list[str]:
    kept = []
    for tag in dict.fromkeys(tags):
        if len(tag) > MAX_TAG_LENGTH:
            result.warn(
                where,
                f'the tag "{_shorten(tag)}" is longer than {MAX_TAG_LENGTH} characters, so '
                "qbank left it out. Shorten it in Anki and export again.",
            )
        else:
            kept.append(tag)
    return kept


def _common_deck(names: list[str]) -> str:
    """The deepest deck that holds all of ``names``: "A::B" for "A::B::C" and "A::B"."""
    if not names:
        return ""
    common = names[0].split("::")
    for name in names[1:]:
        parts = name.split("::")
        length = 0
        while length < min(len(common), len(parts)) and common[length] == parts[length]:
            length += 1
        common = common[:length]
    return "::".join(common)


# --- media ------------------------------------------------------------------------------


def _media_names(archive: _Archive, result: ParseResult) -> dict[str, str]:
    """Map each media file's real name to its member in the zip; refuse unsafe names."""
    info = archive.member(MEDIA_MAP)
    if info is None:
        return {}
    unreadable = f"the package's list of media files cannot be read. {EXPORT_AGAIN}"
    try:
        raw = archive.read(info, MAX_MEDIA_FILE_BYTES)
    except _Unreadable:
        raw = None
    if raw is not None and _nests_too_deep(
        raw, MEDIA_MAP, "the package's list of media files nests", result
    ):
        return {}
    mapping = _json(raw) if raw is not None else None
    if not isinstance(mapping, dict):
        result.error(MEDIA_MAP, unreadable)
        return {}
    names = {}
    for member, name in mapping.items():
        if not isinstance(name, str):
            result.error(f"media file {member}", f"its name is not text. {EXPORT_AGAIN}")
            continue
        if _is_unsafe_name(name):
            result.error(
                f"media file {member} ({_shorten(name)})",
                "its name could reach outside the deck's media folder (it holds /, \\ or .., "
                "or names a drive). Rename the file in Anki and export again.",
            )
            continue
        names[name] = member
    return names


def _is_unsafe_name(name: str) -> bool:
    return (
        not name
        or "/" in name
        or "\\" in name
        or ".." in name
        or name[1:2] == ":"
        or any(ord(c) < 32 for c in name)
    )


@dataclass
class _Media:
    """The package's media files; an image is read when a card first shows it."""

    archive: _Archive
    members: dict[str, str]  # real name -> member of the zip
    result: ParseResult
    images: dict[str, bool | None] = field(default_factory=dict)  # None: not in the package
    sounds: set[str] = field(default_factory=set)

    def attach(self, side: str, missing: set[str]) -> str:
        """Point the side's images at their media, drop its sound; add absent images to missing."""

        def drop_sound(match: re.Match[str]) -> str:
            self.sounds.add(match.group(1).strip())
            return ""

        def point(match: re.Match[str]) -> str:
            tag = match.group(0)
            src = _IMG_SRC.search(tag)
            if src is None:
                return tag
            value = next(v for v in src.group(2, 3, 4) if v is not None)
            name = self._name(value)
            kept = self._keep_image(name) if name is not None else None
            if kept is None:
                missing.add(value)
            if not kept:
                return ""
            return f'{tag[: src.start()]}{src.group(1)}"{MEDIA_SCHEME}{name}"{tag[src.end() :]}'

        return _IMG_TAG.sub(point, _SOUND.sub(drop_sound, side))

    def _name(self, src: str) -> str | None:
        name = html.unescape(src).strip()
        if _URL_SCHEME.match(name):
            return None  # from the web or inline: not a file of the deck
        return next((n for n in (name, unquote(name)) if n in self.members), None)

    def _keep_image(self, name: str) -> bool | None:
        if name not in self.images:
            self.images[name] = self._load(name)
        return self.images[name]

    def _load(self, name: str) -> bool | None:
        member = self.members[name]
        info = self.archive.member(member)
        if info is None:
            return None
        where = f"media file {member} ({_shorten(name)})"
        too_large = (
            f"it is larger than {_megabytes(MAX_MEDIA_FILE_BYTES)}, the most qbank keeps for "
            "one image. Make it smaller in Anki and export again."
        )
        if info.file_size > MAX_MEDIA_FILE_BYTES:
            self.result.error(where, too_large)
            return False
        try:
            data = self.archive.read(info, MAX_MEDIA_FILE_BYTES)
        except _Unreadable as exc:
            self.result.error(where, str(exc))
            return False
        if data is None:
            self.result.error(where, too_large)
            return False
        refusal = image_refusal(data)
        if refusal is not None:
            self.result.error(
                where,
                f"a card shows it as an image, but {refusal}. Replace it with a PNG in Anki "
                "and export again.",
            )
            return False
        self.result.media[name] = data
        return True

    def report_left_out(self) -> None:
        """Warn once about the sound and other files that were not kept."""
        names = sorted((self.members.keys() - self.images.keys()) | (self.sounds - {""}))
        if not names:
            return
        listed = ", ".join(_shorten(n) for n in names[:NAMES_IN_MESSAGE])
        if len(names) > NAMES_IN_MESSAGE:
            listed += f" and {len(names) - NAMES_IN_MESSAGE} more"
        self.result.warn(
            MEDIA_MAP,
            f"qbank left out {_count(len(names), 'media file')}: {listed}. It keeps only the "
            "images cards show (PNG, JPEG, GIF or WebP), not sound, video or other files.",
        )


# --- text -------------------------------------------------------------------------------


def _visible_text(side: str) -> str:
    text = _HTML_TAG.sub(" ", side)
    return _SPACES.sub(" ", html.unescape(text).replace("\u200b", "")).strip()


def _has_content(side: str) -> bool:
    return bool(_visible_text(side)) or _IMG_TAG.search(side) is not None


def _trim(side: str) -> str:
    """Strip the spaces and line breaks Anki's templates leave at either end."""
    start = _LEADING_SPACE.match(side).end()  # it matches, if only the empty string
    end = len(side)
    while True:
        while end > start and side[end - 1].isspace():
            end -= 1
        # Look only at the end, step by step: a search per step would be quadratic.
        tail = _TRAILING_BREAK.search(side, max(start, end - _TRAILING_BREAK_LENGTH), end)
        if tail is None:
            return side[start:end]
        end = tail.start()


def _html_block(side: str) -> str:
    """Wrap Anki's HTML so that Markdown passes it through untouched; "" stays empty."""
    if not _has_content(side):
        return ""
    return html_to_markdown(side)


def _label(first_field: str) -> str:
    return _shorten(_visible_text(_render_clozes(_parse_clozes(first_field), None, True)))


def _location(number: int, first_field: str) -> str:
    label = _label(first_field)
    return f'note {number} ("{label}")' if label else f"note {number}"


def _shorten(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= NAME_IN_LOCATION else text[: NAME_IN_LOCATION - 1] + "…"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
