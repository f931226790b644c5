"""qbank JSON (version 1): the full-fidelity export format, documented in seeds/FORMAT.md."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from qbank.domain.media import image_refusal
from qbank.importers.drafts import (
    MAX_MEDIA_FILE_BYTES,
    OptionDraft,
    ParseResult,
    QuestionDraft,
    check_draft,
    json_nesting_line,
    too_deep,
)
from qbank.models import QuestionKind

FORMAT = "json"
LABEL = "qbank JSON"
FORMAT_NAME = "qbank"
FORMAT_VERSION = 1
KINDS = {k.value for k in QuestionKind}
# JSON can spell half of a UTF-16 pair ("\\ud800"), which is no character: it can be
# neither stored nor shown, so it must not reach a draft or even a message.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def sniff(data: bytes, filename: str) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b'"format"' in head and b'"qbank"' in head


def parse(data: bytes, source: str = "file") -> ParseResult:
    """Turn a qbank JSON file into drafts, media and located problems."""
    result = ParseResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.error(source, f"byte {exc.start} is not UTF-8. Save the file as UTF-8.")
        return result
    deep_at = json_nesting_line(text)
    if deep_at is not None:
        result.error(source, too_deep(deep_at))
        return result
    try:
        document = _without_lone_surrogates(json.loads(text), [], result)
    except json.JSONDecodeError as exc:
        result.error(
            f"line {exc.lineno}, column {exc.colno}", f"this is not valid JSON: {exc.msg}."
        )
        return result
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        result.error(source, 'this is not a qbank JSON file: it lacks "format": "qbank".')
        return result
    if document.get("version") != FORMAT_VERSION:
        result.error(
            source,
            f"version {document.get('version')!r} is unknown; this qbank reads version 1. "
            "Export the set again.",
        )
        return result
    meta = document.get("set") or {}
    result.title = str(meta.get("title") or "").strip()
    result.description = str(meta.get("description") or "")
    _read_media(document.get("media") or {}, result)
    questions = document.get("questions")
    if not isinstance(questions, list) or not questions:
        result.error(source, 'there are no questions: "questions" is empty.')
        return result
    seen_ids: dict[str, int] = {}
    for number, item in enumerate(questions, start=1):
        where = f"question {number}"
        if not isinstance(item, dict):
            result.error(where, "each question must be a JSON object.")
            continue
        draft = _draft(item, where, result)
        if draft is None:
            continue
        if draft.external_id:
            if draft.external_id in seen_ids:
                result.error(
                    where,
                    f'external id "{draft.external_id}" is also used by question '
                    f"{seen_ids[draft.external_id]}. Make each id unique.",
                )
            seen_ids[draft.external_id] = number
        result.problems.extend(check_draft(draft))
        result.drafts.append(draft)
    return result


def _read_media(media: Any, result: ParseResult) -> None:
    if not isinstance(media, dict):
        result.error("media", '"media" must map file names to base64 data.')
        return
    for name, encoded in media.items():
        where = f"media file {name}"
        if "/" in name or "\\" in name or ".." in name:
            result.error(where, "a media name may not contain / or \\ or '..'. Rename it.")
            continue
        try:
            data = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            result.error(where, "its data is not valid base64. Export the set again.")
            continue
        if len(data) > MAX_MEDIA_FILE_BYTES:
            result.error(where, "it is larger than 10 MB. Use a smaller image.")
            continue
        refusal = image_refusal(data)
        if refusal:
            result.error(where, f"{refusal}. Replace it with a PNG or JPEG and export again.")
            continue
        result.media[name] = data


def _without_lone_surrogates(value: Any, path: list[str | int], result: ParseResult) -> Any:
    """Return the document with lone surrogates replaced, reporting where each one was."""
    if isinstance(value, str):
        found = _LONE_SURROGATE.search(value)
        if found is None:
            return value
        character = f"U+{ord(found.group()):04X}"
        result.error(
            _json_location(path),
            f"a text here contains a character qbank cannot store ({character}), half of a "
            "pair whose other half is missing. Remove it and upload the file again.",
        )
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(v, [*path, i], result) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {
            _without_lone_surrogates(k, path, result): _without_lone_surrogates(
                v, [*path, _LONE_SURROGATE.sub("\ufffd", k)], result
            )
            for k, v in value.items()
        }
    return value


def _json_location(path: list[str | int]) -> str:
    """Name a place in the document as the report does: 'question 2, "options", 1, "text"'."""
    parts = [f'"{step}"' if isinstance(step, str) else str(step + 1) for step in path]
    if path[:1] == ["questions"] and len(path) > 1 and isinstance(path[1], int):
        parts = [f"question {path[1] + 1}", *parts[2:]]
    return ", ".join(parts) or "the file"


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


def _draft(item: dict[str, Any], where: str, result: ParseResult) -> QuestionDraft | None:
    kind = item.get("kind", "single")
    if kind not in KINDS:
        result.error(where, f'kind "{kind}" is unknown. Use one of: {", ".join(sorted(KINDS))}.')
        return None
    options = []
    for index, option in enumerate(item.get("options") or [], start=1):
        if not isinstance(option, dict):
            result.error(f"{where}, option {index}", "each option must be a JSON object.")
            return None
        options.append(
            OptionDraft(
                text=_text(option, "text"),
                correct=bool(option.get("correct")),
                rationale=_text(option, "rationale"),
                fixed=bool(option.get("fixed")),
            )
        )
    tags = item.get("tags") or []
    if not isinstance(tags, list):
        result.error(where, '"tags" must be a list of strings.')
        tags = []
    external_id = item.get("external_id")
    return QuestionDraft(
        kind=QuestionKind(kind),
        stem=_text(item, "stem"),
        options=options,
        explanation=_text(item, "explanation"),
        reference=_text(item, "reference"),
        tags=[str(t).strip() for t in tags if str(t).strip()],
        external_id=str(external_id).strip() if external_id not in (None, "") else None,
        location=where,
    )


def write(
    drafts: list[QuestionDraft],
    title: str,
    description: str = "",
    media: dict[str, bytes] | None = None,
) -> bytes:
    """Write drafts (and the media they point at) as a qbank JSON document."""
    questions = []
    for draft in drafts:
        item: dict[str, Any] = {"kind": draft.kind.value}
        if draft.external_id:
            item["external_id"] = draft.external_id
        item["stem"] = draft.stem
        if draft.options:
            item["options"] = [
                {"text": o.text, "correct": o.correct, "rationale": o.rationale}
                | ({"fixed": True} if o.fixed else {})
                for o in draft.options
            ]
        item["explanation"] = draft.explanation
        item["tags"] = draft.tags
        item["reference"] = draft.reference
        questions.append(item)
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "set": {"title": title, "description": description},
        "questions": questions,
    }
    if media:
        document["media"] = {
            name: base64.b64encode(data).decode("ascii") for name, data in sorted(media.items())
        }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
