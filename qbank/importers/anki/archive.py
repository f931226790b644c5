"""The .apkg zip, judged by its directory first, then read within the limits."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass

from qbank.importers.anki.messages import EXPORT_AGAIN, megabytes, shorten
from qbank.importers.drafts import MAX_ARCHIVE_MEMBERS, MAX_COMPRESSION_RATIO, MAX_UNPACKED_BYTES

ZIP_SIGNATURE = b"PK\x03\x04"
OLDEST_COLLECTION = "collection.anki2"
LEGACY_COLLECTION = "collection.anki21"  # Anki 2.1's "Support older Anki versions"
ZSTD_COLLECTION = "collection.anki21b"
MEDIA_MAP = "media"
READ_CHUNK = 1024 * 1024
# The compression ratio only tells on large members: a few KB of blank SQLite pages
# compress far better than 200 to 1 and harm no one.
RATIO_CHECKED_FROM = 1024 * 1024

# What zipfile raises on a damaged, encrypted or unsupported archive.
ZIP_ERRORS = (
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


class Unreadable(Exception):
    """A member of the package that cannot be read; the message says why."""


@dataclass
class Archive:
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
        except ZIP_ERRORS:
            raise Unreadable(f"it is damaged. {EXPORT_AGAIN}") from None
        self.budget -= size
        return b"".join(chunks)


def member_count_bound(data: bytes) -> int:
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


def too_many_members(count: int) -> str:
    return (
        f"the package holds {count:,} files; qbank opens at most {MAX_ARCHIVE_MEMBERS:,}. "
        "Export a smaller deck."
    )


def archive_refusal(package: zipfile.ZipFile) -> str:
    """Say why the package must not be unpacked, judging by what its directory declares."""
    members = package.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        return too_many_members(len(members))
    total = sum(info.file_size for info in members)
    if total > MAX_UNPACKED_BYTES:
        return (
            f"the package would unpack to {megabytes(total)}; qbank unpacks at most "
            f"{megabytes(MAX_UNPACKED_BYTES)}. Export a smaller deck, or one without sound "
            "and video."
        )
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            return (
                f'"{shorten(info.filename)}" in the package is compressed {ratio:,.0f} to 1, '
                f"as zip bombs are (real decks stay under {MAX_COMPRESSION_RATIO} to 1), so "
                f"qbank will not unpack it. {EXPORT_AGAIN}"
            )
    return ""
