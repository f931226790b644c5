"""The package's media: which images the cards show, kept by their bytes; the rest left out."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from qbank.domain.media import image_refusal
from qbank.importers.anki.archive import MEDIA_MAP, Archive, Unreadable
from qbank.importers.anki.collection import nests_too_deep, read_json
from qbank.importers.anki.messages import EXPORT_AGAIN, count, megabytes, shorten
from qbank.importers.anki.sides import IMG_TAG
from qbank.importers.drafts import MAX_MEDIA_FILE_BYTES, MEDIA_SCHEME, ParseResult

NAMES_IN_MESSAGE = 10
_SOUND = re.compile(r"\[sound:([^\[\]]*)\]")
_IMG_SRC = re.compile(r"""(\bsrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_URL_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:|//", re.IGNORECASE)


def media_names(archive: Archive, result: ParseResult) -> dict[str, str]:
    """Map each media file's real name to its member in the zip; refuse unsafe names."""
    info = archive.member(MEDIA_MAP)
    if info is None:
        return {}
    unreadable = f"the package's list of media files cannot be read. {EXPORT_AGAIN}"
    try:
        raw = archive.read(info, MAX_MEDIA_FILE_BYTES)
    except Unreadable:
        raw = None
    if raw is not None and nests_too_deep(
        raw, MEDIA_MAP, "the package's list of media files nests", result
    ):
        return {}
    mapping = read_json(raw) if raw is not None else None
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
                f"media file {member} ({shorten(name)})",
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
class Media:
    """The package's media files; an image is read when a card first shows it."""

    archive: Archive
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

        return IMG_TAG.sub(point, _SOUND.sub(drop_sound, side))

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
        where = f"media file {member} ({shorten(name)})"
        too_large = (
            f"it is larger than {megabytes(MAX_MEDIA_FILE_BYTES)}, the most qbank keeps for "
            "one image. Make it smaller in Anki and export again."
        )
        if info.file_size > MAX_MEDIA_FILE_BYTES:
            self.result.error(where, too_large)
            return False
        try:
            data = self.archive.read(info, MAX_MEDIA_FILE_BYTES)
        except Unreadable as exc:
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
        listed = ", ".join(shorten(n) for n in names[:NAMES_IN_MESSAGE])
        if len(names) > NAMES_IN_MESSAGE:
            listed += f" and {len(names) - NAMES_IN_MESSAGE} more"
        self.result.warn(
            MEDIA_MAP,
            f"qbank left out {count(len(names), 'media file')}: {listed}. It keeps only the "
            "images cards show (PNG, JPEG, GIF or WebP), not sound, video or other files.",
        )
