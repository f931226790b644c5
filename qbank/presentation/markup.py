"""Question text: Markdown (which may hold HTML) rendered to HTML that is safe to show.

Everything faculty or an import file wrote passes through ``render`` on its way to a
page. The sanitizer keeps formatting (tables, lists, sub/superscript, images from our
own media store) and drops scripts, event handlers, styles, ``javascript:`` URLs and
frames, whatever the source.

Before sanitizing, tags that would nest too deep are shown as text (see
``_bound_nesting``): the browser-grade parser inside the sanitizer repairs HTML in work
that grows with the nesting, so a text of 200,000 nested tags would hold up every page
that shows it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import nh3
from markdown_it import MarkdownIt

MEDIA_URL = re.compile(r"^/media/[0-9a-f]{64}$")

ALLOWED_TAGS = {
    "p", "br", "hr", "div", "span", "blockquote", "pre", "code",
    "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "a", "img", "figure", "figcaption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images come only from our own media store: no tracking pixels, no foreign hosts.
    if tag == "img" and attribute == "src":
        return value if MEDIA_URL.match(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    attribute_filter=_keep_attribute,
    strip_comments=True,
)
_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

# Elements open at once; real question text stays far below. Past it, tags show as text.
MAX_DEPTH = 100
# Formatting elements (<b>, <a>, <font> ...) left open: an HTML parser opens them again in
# every block that follows, so each one left open can multiply the page.
MAX_OPEN_FORMATTING = 20

# A start or end tag as an HTML parser sees it: "<" and a letter. It also matches inside
# comments and attribute values, which only makes the count err on the safe side.
_TAG_OPEN = re.compile(r"<(/?)([A-Za-z][^\t\n\f\r />]*)")
_VOID = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
})  # fmt: skip
# Elements that the next one of their kind closes, and that cannot nest without a
# counted container between them (a list, a table).
_CLOSED_BY_NEXT = frozenset({
    "p", "li", "dd", "dt", "option", "tr", "td", "th", "thead", "tbody", "tfoot",
    "caption", "colgroup",
})  # fmt: skip
_FORMATTING = frozenset({
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
    "tt", "u",
})  # fmt: skip


def render(text: str) -> str:
    """Render Markdown (with any HTML in it) to sanitized HTML."""
    if not text:
        return ""
    return _render(text)


# A question's stem, options, rationales and explanation are rendered on every card and
# result page, for every student, and the HTML depends on the text alone.
@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return _cleaner.clean(_bound_nesting(_markdown.render(text)))


def sanitize(html: str) -> str:
    """Sanitize an HTML fragment with the same rules as ``render``."""
    return _cleaner.clean(_bound_nesting(html))


def _bound_nesting(html: str) -> str:
    """Turn the start tags past ``MAX_DEPTH`` (or past ``MAX_OPEN_FORMATTING``) into text.

    Counts open elements by name, in one pass: an end tag closes one of its name if any
    is open, as a parser would; elements a parser closes on its own stay counted, so the
    count errs high, never low. Text within the limits is returned unchanged.
    """
    open_by_name: Counter[str] = Counter()
    depth = formatting = 0
    cut: list[int] = []
    for match in _TAG_OPEN.finditer(html):
        name = match.group(2).lower()
        if name in _VOID or name in _CLOSED_BY_NEXT:
            continue
        is_formatting = name in _FORMATTING
        if match.group(1):  # an end tag
            if open_by_name[name]:
                open_by_name[name] -= 1
                depth -= 1
                formatting -= is_formatting
        elif depth >= MAX_DEPTH or (is_formatting and formatting >= MAX_OPEN_FORMATTING):
            cut.append(match.start())
        else:
            open_by_name[name] += 1
            depth += 1
            formatting += is_formatting
    if not cut:
        return html
    pieces, start = [], 0
    for at in cut:
        pieces += [html[start:at], "&lt;"]
        start = at + 1
    pieces.append(html[start:])
    return "".join(pieces)
