"""Moodle XML: a Moodle question bank export; multiple choice and true/false are imported.

Each ``<question>`` in ``<quiz>`` is one question, except ``type="category"``, which names
the category of the questions after it. Images travel inside the text they belong to as
``<file encoding="base64">``, referred to from the text as ``@@PLUGINFILE@@/<name>``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, tostring
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from qbank.domain.media import image_refusal, looks_like_svg
from qbank.importers.drafts import (
    MAX_MEDIA_FILE_BYTES,
    MAX_NESTING,
    MEDIA_SCHEME,
    OPTION_KEYS,
    OptionDraft,
    ParseResult,
    QuestionDraft,
    check_draft,
    html_to_markdown,
    plain_to_markdown,
    too_deep,
)
from qbank.models import QuestionKind

FORMAT = "moodle"
LABEL = "Moodle XML"

SUPPORTED = "qbank imports multiple choice and true/false"
# Plugin types whose XML is multichoice's with single=false: answers carry a fraction.
MULTIPLE_RESPONSE_TYPES = frozenset({"oumultiresponse", "multichoiceset"})
FULL_MARKS = 99.99  # Moodle writes 100, or 99.99999 after rounding
NAME_IN_LOCATION = 60

_QUIZ_ROOT = re.compile(
    rb"\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*<quiz[\s/>]",
    re.DOTALL,
)
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CONTEXT = re.compile(r"\$\w+\$")  # $course$, $system$, $module$, $coursecategory$
_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # Moodle writes "/" in a name as "//"
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@(/[^\"'\s<>()?#]*)")
_UNSAFE_NAME_CHARACTER = re.compile(r"[^\w.-]")
_TAG = re.compile(r"<[^>]*>")
_FIXED_OPTION = re.compile(r"(all|none|both|neither) of (the above|these)\W*", re.IGNORECASE)
_NUL = re.compile(rb"\x00|&#0+;|&#[xX]0+;")


class _TooDeep(Exception):
    """The elements nest past ``MAX_NESTING``; ``line`` is where."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _LineRecordingBuilder(TreeBuilder):
    """A tree builder that notes the line each question starts on, and stops at depth.

    The tree is read and written back (``tostring``) by functions that recurse, so a
    document nested deeper than ``MAX_NESTING`` is refused while it is being read.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[Element, int] = {}
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _TooDeep(self.parser.parser.CurrentLineNumber if self.parser else 1)
        element = super().start(tag, attrs)
        if tag == "question" and self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return super().end(tag)


def sniff(data: bytes, filename: str) -> bool:
    """Tell whether the bytes are an XML document whose root is ``<quiz>``."""
    head = data[:4096]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    elif head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        head = head.decode("utf-16", errors="ignore").encode()
    return _QUIZ_ROOT.match(head) is not None


def parse(data: bytes, source: str = "file") -> ParseResult:
    """Turn a Moodle XML export into drafts, skipped questions and located problems."""
    result = ParseResult()
    if not data.strip():
        result.error(source, "the file is empty. Export the questions from Moodle again.")
        return result
    document = _read_xml(data, source, result)
    if document is None:
        return result
    root, lines = document
    if root.tag != "quiz":
        result.error(
            source,
            f"this is not Moodle XML: the document is <{root.tag}>, not <quiz>. Export the "
            "questions from Moodle's question bank as Moodle XML.",
        )
        return result
    category = ""
    number = 0
    seen_ids: dict[str, int] = {}
    for element in root.iterfind("question"):
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            category = _category_tag(element)
            continue
        number += 1
        name = _plain(element.find("name/text"))
        where = _location(source, number, name, lines.get(element))
        draft = _draft(element, qtype, where, result)
        if draft is None:
            reason = f"Moodle question type '{qtype or '(none)'}' is not supported: {SUPPORTED}."
            result.skip(where, name or f"question {number}", reason)
            continue
        draft.tags = _unique([category, *draft.tags])
        if draft.external_id:
            if draft.external_id in seen_ids:
                result.error(
                    where,
                    f'ID number "{draft.external_id}" is also used by question '
                    f"{seen_ids[draft.external_id]}. Give each question its own ID number.",
                )
            seen_ids.setdefault(draft.external_id, number)
        result.problems.extend(check_draft(draft))
        result.drafts.append(draft)
    if not result.drafts:
        if result.skipped:
            result.error(
                source,
                f"none of the questions can be imported (see the skipped list): {SUPPORTED}.",
            )
        else:
            result.error(
                source, "there are no questions in this file. Export a category from Moodle again."
            )
    return result


def _read_xml(
    data: bytes, source: str, result: ParseResult
) -> tuple[Element, dict[Element, int]] | None:
    declared = _declared_encoding(data)
    codec = _codec(declared)
    override = None
    if codec not in ("utf-8", "utf-16") and not data.isascii() and _utf8_error(data) is None:
        # A Latin-1 text is almost never valid UTF-8, so these bytes are UTF-8 mislabelled.
        override = "utf-8"
        result.warn(
            source,
            f"the file says its encoding is {declared}, but its text is UTF-8; qbank read it "
            "as UTF-8. Check that accented letters look right.",
        )
    builder = _LineRecordingBuilder()
    parser = DefusedXMLParser(target=builder, encoding=override)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except _TooDeep as exc:
        result.error(source, too_deep(exc.line))
        return None
    except DefusedXmlException:
        result.error(
            f"{source}, line {parser.parser.CurrentLineNumber}",
            "the file declares XML entities, which qbank refuses for safety. "
            "Export it again from Moodle.",
        )
        return None
    except (LookupError, ValueError):
        # Expat reads single-byte encodings through Python's codecs, and no others.
        result.error(
            source,
            f'qbank cannot read the encoding "{declared}" that the file names. Save it as '
            "UTF-8, or export it again from Moodle.",
        )
        return None
    except ParseError as exc:
        bad_byte = _utf8_error(data) if codec == "utf-8" else None
        nul = _NUL.search(data) if codec != "utf-16" else None
        line, column = exc.position
        if bad_byte is not None:
            _report_bad_utf8(data, bad_byte.start, source, result)
        elif nul is not None and data.count(b"\n", 0, nul.start()) + 1 == line:
            result.error(
                f"{source}, line {line}, column {column + 1}",
                "the text holds a NUL character, which XML cannot hold and qbank cannot "
                "store. Remove it and upload the file again.",
            )
        else:
            result.error(
                f"{source}, line {line}, column {column + 1}",
                f"the XML is broken here: {ErrorString(exc.code)}. Fix it, or export the "
                "file again from Moodle.",
            )
        return None
    return root, builder.lines


def _declared_encoding(data: bytes) -> str:
    """Return the encoding the file names for itself, as written."""
    if data.startswith(codecs.BOM_UTF8):
        return "UTF-8"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "UTF-16"
    match = _DECLARED_ENCODING.match(data[:200].lstrip())
    return match.group(1).decode("ascii") if match else "UTF-8"  # XML's default


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def _utf8_error(data: bytes) -> UnicodeDecodeError | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None


def _report_bad_utf8(data: bytes, offset: int, source: str, result: ParseResult) -> None:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - data.rfind(b"\n", 0, offset)
    result.error(
        f"{source}, line {line}, column {column}",
        f"byte 0x{data[offset]:02X} is not UTF-8, though the file says it is. "
        "Save the file as UTF-8, or export it again from Moodle.",
    )


def _location(source: str, number: int, name: str, line: int | None) -> str:
    where = f"{source}, question {number}"
    if name:
        shown = name if len(name) <= NAME_IN_LOCATION else name[: NAME_IN_LOCATION - 1] + "…"
        where += f' ("{shown}")'
    if line is not None:
        where += f", line {line}"
    return where


def _category_tag(element: Element) -> str:
    """Return "Cardiology::Arrhythmia" for the category "$course$/top/Cardiology/Arrhythmia"."""
    category = element.find("category")
    if category is None:
        return ""
    text = category.find("text")
    path = _plain(text if text is not None else category)
    names = [n.replace("//", "/").strip() for n in _CATEGORY_SEPARATOR.split(path.strip("/"))]
    names = [n for n in names if n]
    if names and _CONTEXT.fullmatch(names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    return "::".join(names)


def _draft(element: Element, qtype: str, where: str, result: ParseResult) -> QuestionDraft | None:
    if qtype == "truefalse":
        kind = QuestionKind.TRUE_FALSE
        options = _true_false_options(element, where, result)
    elif qtype == "multichoice" or qtype in MULTIPLE_RESPONSE_TYPES:
        single = qtype == "multichoice" and _is_single(element)
        kind = QuestionKind.SINGLE if single else QuestionKind.MULTIPLE
        options = _choice_options(element, kind, where, result)
    else:
        return None
    external_id = _plain(element.find("idnumber"))
    return QuestionDraft(
        kind=kind,
        stem=_rich_text(element.find("questiontext"), where, result),
        options=options,
        explanation=_rich_text(element.find("generalfeedback"), where, result),
        tags=_unique(_plain(tag) for tag in element.iterfind("tags/tag/text")),
        external_id=external_id or None,
        location=where,
    )


def _is_single(element: Element) -> bool:
    # As Moodle reads it: absent means single; "false", "0" or empty mean multiple.
    single = element.find("single")
    if single is None:
        return True
    return _plain(single).lower() not in ("false", "0", "")


def _choice_options(
    element: Element, kind: QuestionKind, where: str, result: ParseResult
) -> list[OptionDraft]:
    options = []
    for index, answer in enumerate(element.iterfind("answer")):
        key = OPTION_KEYS[index] if index < len(OPTION_KEYS) else str(index + 1)
        fraction = _fraction(answer, f"{where}, option {key}", result)
        if kind == QuestionKind.SINGLE:
            correct = fraction >= FULL_MARKS
            if 0 < fraction < FULL_MARKS:
                result.warn(
                    f"{where}, option {key}",
                    f"Moodle gives {fraction:g}% for this option; qbank has no partial credit, "
                    "so it counts as wrong. Edit the question if it should count as right.",
                )
        else:
            correct = fraction > 0
        text = _rich_text(answer, where, result)
        options.append(
            OptionDraft(
                text=text,
                correct=correct,
                rationale=_rich_text(answer.find("feedback"), where, result),
                fixed=_FIXED_OPTION.fullmatch(_TAG.sub("", text).strip()) is not None,
            )
        )
    return options


def _true_false_options(element: Element, where: str, result: ParseResult) -> list[OptionDraft]:
    true = OptionDraft("True")
    false = OptionDraft("False")
    answers = element.findall("answer")
    labels = [_plain(a.find("text")).lower() for a in answers]
    if sorted(labels) != ["false", "true"]:
        # Moodle's own rule for old files: the first answer is true, the second false.
        labels = ["true", "false"][: len(answers)]
        result.warn(
            where,
            'its answers are not "true" and "false"; qbank took the first as True and the '
            "second as False. Check them.",
        )
    for label, answer in zip(labels, answers, strict=False):
        option = true if label == "true" else false
        option.correct = _fraction(answer, where, result) > 0
        option.rationale = _rich_text(answer.find("feedback"), where, result)
    return [true, false]


def _fraction(answer: Element, where: str, result: ParseResult) -> float:
    raw = answer.get("fraction", "0")
    try:
        fraction = float(raw)
    except ValueError:
        fraction = math.nan
    if not math.isfinite(fraction):
        result.error(
            where, f'the answer\'s fraction "{raw}" is not a number. Give a percentage like 100.'
        )
        return 0.0
    return fraction


def _plain(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _inner_text(element: Element | None) -> str:
    if element is None:
        return ""
    # Moodle escapes HTML or wraps it in CDATA; unescaped but well-formed HTML parses as
    # elements, so put it back together rather than lose it.
    return (element.text or "") + "".join(tostring(child, encoding="unicode") for child in element)


def _rich_text(field: Element | None, where: str, result: ParseResult) -> str:
    """Return a Moodle text field as Markdown (which may hold HTML), its images in media."""
    if field is None:
        return ""
    text = _inner_text(field.find("text")).strip()
    if field.get("format") == "plain_text":
        return plain_to_markdown(text)
    kept = _embedded_files(field, where, result)

    def point_at_media(match: re.Match[str]) -> str:
        path = unquote(match.group(1))
        if name := kept.get(path):
            return MEDIA_SCHEME + name
        if path not in kept:
            result.warn(
                where,
                f'the text shows the image "{path.lstrip("/")}", which is not in the file, so '
                "it will not appear. Export again from Moodle with the images.",
            )
        return match.group(0)

    text = _PLUGINFILE.sub(point_at_media, text)
    return text if field.get("format") == "markdown" else html_to_markdown(text)


def _embedded_files(field: Element, where: str, result: ParseResult) -> dict[str, str | None]:
    """Decode a field's files into result.media: {"/x.png": name kept, or None if refused}."""
    kept: dict[str, str | None] = {}
    for file in field.iterfind("file"):
        name = file.get("name") or ""
        path = (file.get("path") or "/") + name
        data = _image(file, name, f'{where}, media file "{name}"', result)
        kept[path] = _keep_media(result.media, name, data) if data is not None else None
    return kept


def _image(file: Element, name: str, where: str, result: ParseResult) -> bytes | None:
    """Return the file's bytes if they are an image qbank will keep; else report why not."""
    if not name or "/" in name or "\\" in name or ".." in name:
        result.error(
            where,
            "the image name reaches outside the file, which qbank refuses. Rename the image "
            "in Moodle and export again.",
        )
        return None
    encoded = re.sub(rb"\s+", b"", (file.text or "").encode("ascii", errors="replace"))
    limit_mb = MAX_MEDIA_FILE_BYTES // (1024 * 1024)
    # Refuse by the encoded size first, so that a huge file is never decoded.
    if len(encoded) // 4 * 3 > MAX_MEDIA_FILE_BYTES:
        result.error(where, f"the image is over {limit_mb} MB. Make it smaller and export again.")
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        data = None
    if file.get("encoding", "base64") != "base64" or not data:
        result.error(where, "the image is not valid base64. Export the question again from Moodle.")
        return None
    if len(data) > MAX_MEDIA_FILE_BYTES:
        result.error(where, f"the image is over {limit_mb} MB. Make it smaller and export again.")
        return None
    refusal = image_refusal(data)
    if refusal is not None:
        if looks_like_svg(data):
            message = "SVG images are refused (they can carry scripts). Use PNG or JPEG instead."
        else:
            message = f"{refusal}. Export it again as one of those."
        result.error(where, message)
        return None
    return data


def _keep_media(media: dict[str, bytes], name: str, data: bytes) -> str:
    """Return the name the bytes are kept under; another image with the same name gets "-2"."""
    safe = PurePosixPath(_UNSAFE_NAME_CHARACTER.sub("_", name))
    candidate, copy = safe.name, 1
    while candidate in media and media[candidate] != data:
        copy += 1
        candidate = f"{safe.stem}-{copy}{safe.suffix}"
    media[candidate] = data
    return candidate


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
