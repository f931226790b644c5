"""Question text: Markdown (which may hold HTML) rendered to HTML that is safe to show.

Everything faculty or an import file wrote passes through ``render`` on its way to a
page. The sanitizer keeps formatting (tables, lists, sub/superscript, images from our
own media store) and drops scripts, event handlers, styles, ``javascript:`` URLs and
frames, whatever the source.
"""

from __future__ import annotations

import functools
import re

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


def render(text: str) -> str:
    """Render Markdown (with any HTML in it) to sanitized HTML."""
    if not text:
        return ""
    return _render(text)


# A question's stem, options, rationales and explanation are rendered on every card and
# result page, for every student, and the HTML depends on the text alone.
@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return _cleaner.clean(_markdown.render(text))


def sanitize(html: str) -> str:
    """Sanitize an HTML fragment with the same rules as ``render``."""
    return _cleaner.clean(html)
