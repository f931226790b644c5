"""Characters no database column can hold, whatever the engine.

PostgreSQL text cannot hold NUL (SQLite can, which hides the problem until production),
and a lone UTF-16 surrogate, which a JSON file can spell as ``\\ud800``, is no character
at all: it cannot be encoded to be stored or sent.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(text: str) -> str | None:
    """Name the first character of ``text`` that cannot be stored ("NUL", "U+D800"), if any."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    character = found.group()
    return "NUL" if character == "\x00" else f"U+{ord(character):04X}"


def replace_unstorable(text: str) -> str:
    """Put U+FFFD, the replacement character, where ``text`` holds one that cannot be stored."""
    return _UNSTORABLE.sub("\ufffd", text)
