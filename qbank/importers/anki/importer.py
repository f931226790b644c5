"""The importer's face: tell an Anki package from other uploads, and read one in order."""

from __future__ import annotations

import io
import zipfile

from qbank.importers.anki.archive import (
    LEGACY_COLLECTION,
    OLDEST_COLLECTION,
    ZIP_ERRORS,
    ZIP_SIGNATURE,
    ZSTD_COLLECTION,
    Archive,
    Unreadable,
    archive_refusal,
    member_count_bound,
    too_many_members,
)
from qbank.importers.anki.collection import read_collection
from qbank.importers.anki.media import Media, media_names
from qbank.importers.anki.messages import EXPORT_AGAIN, NEWER_ANKI
from qbank.importers.anki.notes import read_notes
from qbank.importers.drafts import MAX_ARCHIVE_MEMBERS, MAX_UNPACKED_BYTES, ParseResult

FORMAT = "anki"
LABEL = "Anki deck (.apkg)"


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
    members = member_count_bound(data)
    if members > MAX_ARCHIVE_MEMBERS:
        result.error(source, too_many_members(members))
        return result
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS:
        result.error(source, f"the package is damaged and cannot be opened. {EXPORT_AGAIN}")
        return result
    with package:
        refusal = archive_refusal(package)
        if refusal:
            result.error(source, refusal)
            return result
        _read_package(Archive(package), source, result)
    return result


def _read_package(archive: Archive, source: str, result: ParseResult) -> None:
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
    except Unreadable as exc:
        result.error(where, str(exc))
        return
    if blob is None:
        result.error(where, f"it unpacks to more than it claims. {EXPORT_AGAIN}")
        return
    collection = read_collection(blob, source, result)
    if collection is None:
        return
    media = Media(archive, media_names(archive, result), result)
    read_notes(collection, media, source, result)
    media.report_left_out()
