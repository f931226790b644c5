"""GIFT, Moodle's plain-text quiz format: its multiple choice and true/false questions.

The syntax is Moodle's (docs.moodle.org/en/GIFT_format and question/format/gift/format.php):
questions are separated by blank lines, a line starting with ``//`` is a comment,
``::Title::`` names a question and its answers sit in ``{ }``. Where Moodle's importer
and other GIFT readers disagree, this one does what Moodle does, except where noted.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from qbank.importers.drafts import (
    OptionDraft,
    ParseResult,
    QuestionDraft,
    check_draft,
    html_to_markdown,
    plain_to_markdown,
)
from qbank.models import QuestionKind

FORMAT = "gift"
LABEL = "GIFT (Moodle)"

# A missing-word question ("Grant is {~buried =entombed} in Grant's tomb.") keeps the
# sentence, with this blank where its answers were, as Moodle shows it.
BLANK = "_____"
NOT_GRADED = "questions are not supported: qbank grades choices only."
SKIP_REASONS = {
    "essay": "essay " + NOT_GRADED,
    "short answer": "short answer " + NOT_GRADED,
    "numerical": "numerical " + NOT_GRADED,
    "matching": "matching " + NOT_GRADED,
    "description": "a description without answers is not a question, so it is left out.",
}

_SNIFF = re.compile(
    r"^[ \t]*(?:::[^\n]+?::|\$CATEGORY:)|\{\s*(?:[=~]|(?:T|F|TRUE|FALSE)\s*[#}])",
    re.MULTILINE,
)

# A backslash escapes the control characters, and "\n" is a line break. Any other
# backslash is an ordinary character, as it is to Moodle.
_ESCAPES = {"\\": "\\", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "n": "\n"}
_TOKEN = re.compile(r"\\[\\~=#{}:n]|::|[{}~=#]|[^\\{}~=#:]+|[\\:]")
_TEXT = "text"

_FORMAT_MARKER = re.compile(r"\s*\[(html|markdown|plain|moodle)\]")
# Moodle's default format ("moodle", its auto-format) is HTML in which line breaks count.
# A field that holds markup was written to be shown as HTML, so it is kept as HTML and
# sanitized when displayed, like [html]. A field without markup shows literally in Moodle,
# so it is escaped like [plain]: "2*3*4" or "_____" must not turn into Markdown emphasis.
_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_WEIGHT_LIKE = re.compile(r"\s*%[^%\s]*%")
_ID = re.compile(r"\[id:((?:\\\]|[^\]])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]])+)\]")
_MOODLE_CONTEXT = re.compile(r"\$\w+\$")  # $course$, $system$, $module$ ...
_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # "//" is a slash within a name
_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")


def sniff(data: bytes, filename: str) -> bool:
    """Tell whether an upload looks like GIFT, from its name or its first few kilobytes."""
    if filename.lower().endswith(".gift"):
        return True
    return bool(_SNIFF.search(data[:4096].decode("utf-8", errors="ignore")))


def parse(data: bytes, source: str = "file") -> ParseResult:
    """Turn a GIFT file into drafts of its choice questions, skipping the other kinds."""
    result = ParseResult()
    text = _decode(data, source, result)
    if text is None:
        return result
    category_tags: list[str] = []
    id_locations: dict[str, str] = {}
    for block in _blocks(text):
        if block.category is not None:
            category_tags = _category_tags(block.category)
        if not block.lines:
            continue
        draft = _read_question(block, result)
        if draft is None:
            continue
        draft.tags = list(dict.fromkeys(category_tags + block.tags))
        if draft.external_id:
            if draft.external_id in id_locations:
                result.error(
                    draft.location,
                    f'the id "{draft.external_id}" is also used at '
                    f"{id_locations[draft.external_id]}. Make each id unique.",
                )
            id_locations.setdefault(draft.external_id, draft.location)
        result.problems.extend(check_draft(draft))
        result.drafts.append(draft)
    if not result.drafts and not result.errors:
        if result.skipped:
            result.error(
                source,
                "none of its questions can be imported: qbank imports multiple choice and "
                "true/false questions. Add some, or choose another file.",
            )
        else:
            result.error(
                source,
                "there are no questions in this file. Write each question with its answers "
                "in { }, and leave a blank line between questions.",
            )
    return result


def _decode(data: bytes, source: str, result: ParseResult) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        result.error(source, "the file is saved as UTF-16. Save the file as UTF-8.")
        return None
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = data.count(b"\n", 0, offset) + 1
        result.error(
            f"line {line}", f"the byte at offset {offset} is not UTF-8. Save the file as UTF-8."
        )
        return None
    if not text.strip():
        result.error(source, "the file is empty. Choose the file with your questions.")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Block:
    """The lines between two blank lines, with comments and a category line set aside."""

    lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)
    comments: list[str] = field(default_factory=list)
    category: str | None = None

    @property
    def external_id(self) -> str | None:
        found = _ID.search("\n".join(self.comments))
        if found is None:
            return None
        return found.group(1).replace("\\]", "]").strip() or None

    @property
    def tags(self) -> list[str]:
        found = _TAG.findall("\n".join(self.comments))
        return [tag.replace("\\]", "]").strip() for tag in found if tag.strip()]


def _blocks(text: str) -> Iterator[_Block]:
    block = _Block()
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            if block.lines or block.category is not None:
                yield block
            block = _Block()
        elif stripped.startswith("//"):
            # Moodle's convention: "// [id:xyz] [tag:abc]" before a question.
            block.comments.append(stripped)
        elif stripped.startswith("$CATEGORY:") and not block.lines:
            block.category = _unescape(stripped.removeprefix("$CATEGORY:"))
        else:
            block.lines.append((number, line))
    if block.lines or block.category is not None:
        yield block


def _category_tags(path: str) -> list[str]:
    """Turn "$course$/top/Cardiology/Arrhythmia" into the tag "Cardiology::Arrhythmia"."""
    parts = [p.replace("//", "/").strip() for p in _CATEGORY_SEPARATOR.split(path.strip())]
    if parts and _MOODLE_CONTEXT.fullmatch(parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":  # the hidden root of every Moodle context
        parts = parts[1:]
    tag = "::".join(p for p in parts if p)
    return [tag] if tag else []


@dataclass(frozen=True)
class _Token:
    kind: str  # _TEXT, or the control it is: "{", "}", "~", "=", "#" or "::"
    text: str  # what it stands for in text: escapes resolved; a control is itself
    line: int


def _tokenize(lines: list[tuple[int, str]]) -> list[_Token]:
    source = "\n".join(text for _, text in lines)
    starts = list(itertools.accumulate((len(text) + 1 for _, text in lines[:-1]), initial=0))
    tokens = []
    for match in _TOKEN.finditer(source):
        piece = match.group()
        line = lines[bisect.bisect_right(starts, match.start()) - 1][0]
        if len(piece) == 2 and piece[0] == "\\":
            tokens.append(_Token(_TEXT, _ESCAPES[piece[1]], line))
        elif piece == "::" or piece in "{}~=#":
            tokens.append(_Token(piece, piece, line))
        else:
            tokens.append(_Token(_TEXT, piece, line))
    return tokens


def _text(tokens: list[_Token]) -> str:
    return "".join(token.text for token in tokens)


def _unescape(text: str) -> str:
    return _text(_tokenize([(0, text)]))


def _split(tokens: list[_Token], kind: str, parts: int) -> list[str]:
    """Split into ``parts`` texts at controls of ``kind``; later ones stay as text."""
    texts: list[str] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.kind == kind and len(texts) < parts - 1:
            texts.append(_text(tokens[start:index]))
            start = index + 1
    texts.append(_text(tokens[start:]))
    return texts + [""] * (parts - len(texts))


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _where(line: int, title: str) -> str:
    return f'line {line} (question "{_snippet(title)}")' if title else f"line {line}"


class _Unreadable(Exception):
    """A question that cannot be read: reported at ``line``, then the next one is read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _read_question(block: _Block, result: ParseResult) -> QuestionDraft | None:
    tokens = _tokenize(block.lines)
    title = ""
    try:
        title, tokens = _take_title(tokens)
        return _draft(tokens, block, _where(block.lines[0][0], title), title, result)
    except _Unreadable as problem:
        result.error(_where(problem.line, title), problem.message)
        return None


def _take_title(tokens: list[_Token]) -> tuple[str, list[_Token]]:
    tokens = list(itertools.dropwhile(lambda t: t.kind == _TEXT and not t.text.strip(), tokens))
    if not tokens or tokens[0].kind != "::":
        return "", tokens
    for index, token in enumerate(tokens[1:], start=1):
        if token.kind == "::":
            return " ".join(_text(tokens[1:index]).split()), tokens[index + 1 :]
    raise _Unreadable(
        tokens[0].line, "the title has no closing ::. End it with ::, or write \\: for a colon."
    )


def _answer_span(tokens: list[_Token]) -> tuple[int, int] | None:
    """Find the { and } around the answers; None for a description, which has none."""
    braces = [i for i, token in enumerate(tokens) if token.kind in ("{", "}")]
    if not braces:
        return None
    opening = braces[0]
    line = tokens[opening].line
    if tokens[opening].kind == "}":
        raise _Unreadable(line, "there is a } before any {. Write \\} for a brace in the text.")
    if len(braces) == 1:
        raise _Unreadable(
            line, "the answers that open with { here have no closing }. Add } after the last one."
        )
    closing = braces[1]
    if tokens[closing].kind == "{":
        raise _Unreadable(
            line,
            "the answers that open with { here are not closed before the next {. Add } after "
            "the last answer, and write \\{ for a brace in the text.",
        )
    if len(braces) > 2:
        raise _Unreadable(
            tokens[braces[2]].line,
            f"there is a {tokens[braces[2]].text} after the answers. A question has one set of "
            "answers; write \\{ and \\} for braces in the text.",
        )
    return opening, closing


def _draft(
    tokens: list[_Token], block: _Block, where: str, title: str, result: ParseResult
) -> QuestionDraft | None:
    span = _answer_span(tokens)
    if span is None:
        result.skip(where, title or _snippet(_text(tokens)), SKIP_REASONS["description"])
        return None
    opening, closing = span
    stem_format, stem = _stem(tokens[:opening], tokens[closing + 1 :])
    answers, general_feedback = _split_general_feedback(tokens[opening + 1 : closing])
    kind = _answer_kind(answers)
    if kind in SKIP_REASONS:
        result.skip(where, title or _snippet(stem), SKIP_REASONS[kind])
        return None
    if kind == "true/false":
        question_kind, options = QuestionKind.TRUE_FALSE, _true_false_options(answers, stem_format)
    else:
        question_kind, options = _choice_options(answers, stem_format, where, result)
    return QuestionDraft(
        kind=question_kind,
        stem=_to_markdown(stem, stem_format),
        options=options,
        explanation=_field(_text(general_feedback), stem_format),
        external_id=block.external_id,
        location=where,
    )


def _stem(before: list[_Token], after: list[_Token]) -> tuple[str, str]:
    """Return the question text's format and text, with a blank if answers sat mid-text."""
    fmt, text = _split_format(_text(before), "moodle")
    rest = _text(after)
    if rest.strip():
        text += (r"\_" * len(BLANK) if fmt == "markdown" else BLANK) + rest
    return fmt, text.strip()


def _split_general_feedback(tokens: list[_Token]) -> tuple[list[_Token], list[_Token]]:
    """Split the answers from general feedback, which follows the last ``####``."""
    for index in range(len(tokens) - 4, -1, -1):
        if all(token.kind == "#" for token in tokens[index : index + 4]):
            return tokens[:index], tokens[index + 4 :]
    return tokens, []


def _answer_kind(tokens: list[_Token]) -> str:
    """Name the question type its answers make, by Moodle's rules and in Moodle's order."""
    meaningful = [t for t in tokens if t.kind != _TEXT or t.text.strip()]
    if not meaningful:
        return "essay"
    if meaningful[0].kind == "#":
        return "numerical"
    kinds = {token.kind for token in tokens}
    if "~" in kinds:
        return "choice"
    if "=" in kinds and "->" in _text(tokens):
        return "matching"
    # Moodle reads only capitals; "{true}" is surely meant as true/false all the same.
    if _split(tokens, "#", 2)[0].strip().upper() in _TRUE + _FALSE:
        return "true/false"
    return "short answer"


def _true_false_options(tokens: list[_Token], fmt: str) -> list[OptionDraft]:
    # As in Moodle, "{T#feedback if wrong#feedback if right}": the first feedback is for
    # the learner who picks the wrong option, the second for the one who picks the right.
    answer, wrong, right = _split(tokens, "#", 3)
    is_true = answer.strip().upper() in _TRUE
    wrong, right = _field(wrong, fmt), _field(right, fmt)
    return [
        OptionDraft("True", correct=is_true, rationale=right if is_true else wrong),
        OptionDraft("False", correct=not is_true, rationale=wrong if is_true else right),
    ]


@dataclass
class _Answer:
    marker: str  # "=" or "~"
    text: str  # as written, after the weight
    feedback: str
    weight: float
    line: int


def _answers(tokens: list[_Token]) -> list[_Answer]:
    leading: list[_Token] = []
    groups: list[list[_Token]] = []
    for token in tokens:
        if token.kind in ("=", "~"):
            groups.append([token])
        elif groups:
            groups[-1].append(token)
        else:
            leading.append(token)
    if _text(leading).strip():
        raise _Unreadable(
            leading[0].line,
            f'"{_snippet(_text(leading))}" comes before the first answer. Start each answer '
            "with = (right) or ~ (wrong).",
        )
    answers = []
    for marker, *rest in groups:
        text, feedback = _split(rest, "#", 2)
        weight = 100.0 if marker.kind == "=" else 0.0
        if found := _WEIGHT.match(text):
            weight, text = float(found.group(1)), text[found.end() :]
            if not -100 <= weight <= 100:
                raise _Unreadable(
                    marker.line,
                    f"the weight {found.group().strip()} is out of range. "
                    "Give a percentage from -100 to 100.",
                )
        elif found := _WEIGHT_LIKE.match(text):
            raise _Unreadable(
                marker.line,
                f"the weight {found.group().strip()} is not a number. Write it like %50%.",
            )
        answers.append(_Answer(marker.kind, text, feedback, weight, marker.line))
    return answers


def _choice_options(
    tokens: list[_Token], fmt: str, where: str, result: ParseResult
) -> tuple[QuestionKind, list[OptionDraft]]:
    answers = _answers(tokens)
    # Moodle makes a question with any "=" answer single-answer, where only a full-credit
    # answer is right; without "=", a learner picks every answer with a positive weight.
    single_answer = any(a.marker == "=" for a in answers)
    correct = [a.weight == 100 if single_answer else a.weight > 0 for a in answers]
    if single_answer:
        partial = [a for a in answers if 0 < a.weight < 100]
        if partial:
            names = ", ".join(f'"{_snippet(a.text)}"' for a in partial)
            result.warn(
                where,
                f"qbank gives no partial credit, so {names} will count as wrong. Mark an "
                "answer with = if it is fully right.",
            )
        if sum(correct) > 1:
            result.warn(
                where,
                f"{sum(correct)} answers are fully right, so learners must pick all of them. "
                "If any one of them is enough, keep one and mark the others with ~.",
            )
    options = [
        OptionDraft(_field(a.text, fmt), correct=right, rationale=_field(a.feedback, fmt))
        for a, right in zip(answers, correct, strict=True)
    ]
    kind = QuestionKind.MULTIPLE if sum(correct) > 1 else QuestionKind.SINGLE
    return kind, options


def _split_format(text: str, default: str) -> tuple[str, str]:
    """Take a leading ``[html]``-style format marker off a field."""
    marker = _FORMAT_MARKER.match(text)
    if marker:
        return marker.group(1), text[marker.end() :].lstrip()
    return default, text.lstrip()


def _to_markdown(text: str, fmt: str) -> str:
    text = text.strip()
    if fmt == "markdown":
        return text
    if fmt == "html" or (fmt == "moodle" and _MARKUP.search(text)):
        return html_to_markdown(text)
    # Indentation in a GIFT file is layout; kept, it could start a Markdown code block.
    return plain_to_markdown("\n".join(line.strip() for line in text.split("\n")))


def _field(text: str, default_format: str) -> str:
    """Return an answer or feedback as Markdown; it is in the question's format unless marked."""
    fmt, text = _split_format(text, default_format)
    return _to_markdown(text, fmt)
