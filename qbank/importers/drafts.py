"""What every importer produces: question drafts and problems located in the source."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qbank.domain.answers import MAX_OPTIONS, MIN_OPTIONS, OPTION_KEYS
from qbank.domain.storable import replace_unstorable, unstorable_character
from qbank.models import QuestionKind

__all__ = ["MAX_OPTIONS", "MIN_OPTIONS", "OPTION_KEYS"]  # and the drafts below

# Drafts point at media files that came with the source as ``qbank-media:<name>``, in a
# Markdown image (``![alt](qbank-media:heart.png)``) or an HTML ``src``. The import
# service stores each file content-addressed and rewrites these references.
MEDIA_SCHEME = "qbank-media:"

# Bounds on what one upload may unpack to (zip bombs, huge embedded images).
MAX_MEDIA_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 20_000
MAX_COMPRESSION_RATIO = 200
# Bounds on what one question may hold, whatever the format: structure nested deeper
# than this is refused before it is read (a reader that recurses would crash on it), and
# a longer text would make every page that shows it slow.
MAX_NESTING = 100
MAX_TEXT_CHARS = 100_000


@dataclass
class OptionDraft:
    text: str
    correct: bool = False
    rationale: str = ""
    fixed: bool = False


@dataclass
class QuestionDraft:
    kind: QuestionKind
    stem: str
    options: list[OptionDraft] = field(default_factory=list)
    explanation: str = ""
    reference: str = ""
    tags: list[str] = field(default_factory=list)
    external_id: str | None = None
    location: str = ""  # where in the source file it came from, for messages


@dataclass(frozen=True)
class Problem:
    """An error (the file cannot be saved) or a warning, with where it is and what to do.

    ``location`` names the place in the source a person can find: "line 14", "row 7",
    "question 3 (Aortic stenosis)", "media file 12.png".
    """

    location: str
    message: str
    severity: str = "error"  # "error" blocks the import; "warning" does not

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass(frozen=True)
class Skipped:
    """An item the format allows but qbank does not import, and why."""

    location: str
    name: str
    reason: str


@dataclass
class ParseResult:
    title: str = ""
    description: str = ""
    drafts: list[QuestionDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)  # name -> bytes

    def error(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message))

    def warn(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message, severity="warning"))

    def skip(self, location: str, name: str, reason: str) -> None:
        self.skipped.append(Skipped(location, name, reason))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def too_deep(line: int) -> str:
    """The message for a file whose structure nests past ``MAX_NESTING`` at ``line``."""
    return (
        f"the file nests deeper than qbank reads: more than {MAX_NESTING} levels, at line "
        f"{line}. Remove the extra nesting, or export the file again."
    )


# A JSON string (escapes and all) or a bracket; brackets inside strings are not structure.
_JSON_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_nesting_line(text: str, limit: int = MAX_NESTING) -> int | None:
    """Return the line where JSON text first nests deeper than ``limit``, or None.

    One pass over strings and brackets, so that the JSON reader, which recurses, is only
    given what it can read.
    """
    depth = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif token in "]}":
            depth -= 1
    return None


def check_texts(result: ParseResult, source: str) -> None:
    """Report every text qbank cannot store: a character no column holds, or too long."""
    texts = [(source, "the set's title", result.title)]
    texts.append((source, "the set's description", result.description))
    for draft in result.drafts:
        texts += [(draft.location, name, text) for name, text in _texts_of(draft)]
    for location, name, text in texts:
        character = unstorable_character(text)
        if character:
            result.error(
                location,
                f"{name} contains a character qbank cannot store ({character}). Remove it "
                "and upload the file again.",
            )
        elif len(text) > MAX_TEXT_CHARS:
            result.error(
                location,
                f"{name} holds {len(text):,} characters; qbank takes at most "
                f"{MAX_TEXT_CHARS:,}. Shorten it.",
            )


def _texts_of(draft: QuestionDraft) -> list[tuple[str, str]]:
    flashcard = draft.kind == QuestionKind.FLASHCARD
    texts = [
        ("the front" if flashcard else "the question text", draft.stem),
        ("the back" if flashcard else "the explanation", draft.explanation),
        ("the reference", draft.reference),
        ("the external id", draft.external_id or ""),
    ]
    for key, option in zip(OPTION_KEYS, draft.options, strict=False):
        texts += [
            (f"option {key}", option.text),
            (f"the rationale of option {key}", option.rationale),
        ]
    texts += [(f'the tag "{replace_unstorable(tag)}"', tag) for tag in draft.tags]
    return texts


def check_draft(draft: QuestionDraft) -> list[Problem]:
    """Return what is wrong with a draft's shape, whatever format it came from."""
    where = draft.location
    problems: list[Problem] = []
    if not draft.stem.strip():
        problems.append(Problem(where, "the question text is empty. Write the stem."))
    correct = sum(o.correct for o in draft.options)
    texts = [o.text.strip().lower() for o in draft.options]
    if draft.kind == QuestionKind.FLASHCARD:
        if draft.options:
            problems.append(Problem(where, "a flashcard has no options. Remove them."))
        if not draft.explanation.strip():
            problems.append(Problem(where, "the back of the flashcard is empty. Write it."))
        return problems
    if any(not t for t in texts):
        problems.append(Problem(where, "an option has no text. Write it or remove it."))
    if len(set(texts)) != len(texts):
        problems.append(Problem(where, "two options have the same text. Make each different."))
    if draft.kind == QuestionKind.TRUE_FALSE and len(draft.options) != 2:
        problems.append(Problem(where, "a true/false question has exactly two options."))
    elif not MIN_OPTIONS <= len(draft.options) <= MAX_OPTIONS:
        problems.append(
            Problem(
                where,
                f"it has {len(draft.options)} option{'' if len(draft.options) == 1 else 's'}; "
                f"give between {MIN_OPTIONS} and "
                f"{MAX_OPTIONS}.",
            )
        )
    if correct == 0:
        problems.append(Problem(where, "no option is marked correct. Mark one as correct."))
    elif correct > 1 and draft.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE):
        problems.append(
            Problem(
                where,
                f"{correct} options are marked correct in a single-best-answer question. "
                "Mark only one, or make it a multiple-response question.",
            )
        )
    return problems


_BLANK_LINES = re.compile(r"\n(?:[ \t\r]*\n)+")
# Tags that open a CommonMark HTML block (type 6) when a text starts with them.
_HTML_BLOCK_START = re.compile(
    r"<(?:p|div|table|ul|ol|li|dl|h[1-6]|blockquote|figure|section|article|hr|center)"
    r"[\s/>]",
    re.IGNORECASE,
)


def html_to_markdown(html: str) -> str:
    """Wrap HTML so that Markdown passes it through as it is.

    An HTML block in Markdown runs to the next blank line, and indented lines after a
    blank one would become code; one ``<div>`` with no blank lines inside avoids both.
    """
    html = html.strip()
    if not html:
        return ""
    if _HTML_BLOCK_START.match(html) and not _BLANK_LINES.search(html):
        return html  # already one HTML block: Markdown leaves it alone
    return f"<div>{_BLANK_LINES.sub(chr(10), html)}</div>"


_MARKDOWN_SPECIALS = set("\\`*_[]<>#|~&!+-")


def plain_to_markdown(text: str) -> str:
    """Escape plain text so that Markdown shows it literally, line breaks included."""
    escaped = "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)
    # "1. " or "2) " at the start of a line would begin a numbered list.
    lines = [
        re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", line)
        for line in escaped.replace("\r\n", "\n").split("\n")
    ]
    # A single newline in plain text is a line break; a blank line stays a paragraph break.
    out = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        out.append(line + "\\" if nxt and line else line)
    return "\n".join(out)
