"""A card's side as Anki's HTML: its visible text, trimmed ends, and the block qbank keeps."""

from __future__ import annotations

import html
import re

from qbank.importers.drafts import html_to_markdown

IMG_TAG = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
HTML_TAG = re.compile(r"<[^<>]*>")
_LEADING_SPACE = re.compile(r"(?:\s|&nbsp;|<br\s*/?>)*", re.IGNORECASE)
_TRAILING_BREAK = re.compile(r"(?:&nbsp;|<br\s{0,3}/?>)\Z", re.IGNORECASE)
_TRAILING_BREAK_LENGTH = len("<br   />")
_SPACES = re.compile(r"\s+")


def visible_text(side: str) -> str:
    text = HTML_TAG.sub(" ", side)
    return _SPACES.sub(" ", html.unescape(text).replace("\u200b", "")).strip()


def has_content(side: str) -> bool:
    return bool(visible_text(side)) or IMG_TAG.search(side) is not None


def trim(side: str) -> str:
    """Strip the spaces and line breaks Anki's templates leave at either end."""
    leading = _LEADING_SPACE.match(side)  # it matches, if only the empty string
    start = leading.end() if leading else 0
    end = len(side)
    while True:
        while end > start and side[end - 1].isspace():
            end -= 1
        # Look only at the end, step by step: a search per step would be quadratic.
        tail = _TRAILING_BREAK.search(side, max(start, end - _TRAILING_BREAK_LENGTH), end)
        if tail is None:
            return side[start:end]
        end = tail.start()


def html_block(side: str) -> str:
    """Wrap Anki's HTML so that Markdown passes it through untouched; "" stays empty."""
    if not has_content(side):
        return ""
    return html_to_markdown(side)
