"""qbank JSON (version 1): the full-fidelity export format, documented in seeds/FORMAT.md."""

from __future__ import annotations

import json
from typing import Any

from qbank.importers.drafts import OptionDraft, ParseResult, Problem, QuestionDraft, check_draft
from qbank.models import QuestionKind

FORMAT_NAME = "qbank"
FORMAT_VERSION = 1
KINDS = {k.value for k in QuestionKind}


def parse(data: bytes, source: str = "file") -> ParseResult:
    """Turn a qbank JSON file into drafts and located problems."""
    result = ParseResult()
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        result.problems.append(
            Problem(source, f"byte {exc.start} is not UTF-8. Save the file as UTF-8.")
        )
        return result
    except json.JSONDecodeError as exc:
        result.problems.append(
            Problem(
                f"{source}, line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}."
            )
        )
        return result
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        result.problems.append(
            Problem(source, 'this is not a qbank JSON file (no "format": "qbank").')
        )
        return result
    if document.get("version") != FORMAT_VERSION:
        result.problems.append(
            Problem(
                source,
                f"version {document.get('version')!r} is unknown; this qbank reads version 1.",
            )
        )
        return result
    meta = document.get("set") or {}
    result.title = str(meta.get("title") or "").strip()
    result.description = str(meta.get("description") or "")
    questions = document.get("questions")
    if not isinstance(questions, list) or not questions:
        result.problems.append(Problem(source, 'there are no questions: "questions" is empty.'))
        return result
    seen_ids: dict[str, int] = {}
    for number, item in enumerate(questions, start=1):
        where = f"{source}, question {number}"
        if not isinstance(item, dict):
            result.problems.append(Problem(where, "each question must be a JSON object."))
            continue
        draft = _draft(item, where, result.problems)
        if draft is None:
            continue
        if draft.external_id:
            if draft.external_id in seen_ids:
                result.problems.append(
                    Problem(
                        where,
                        f'external id "{draft.external_id}" is also used by question '
                        f"{seen_ids[draft.external_id]}. Make each id unique.",
                    )
                )
            seen_ids[draft.external_id] = number
        result.problems.extend(check_draft(draft))
        result.drafts.append(draft)
    return result


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


def _draft(item: dict[str, Any], where: str, problems: list[Problem]) -> QuestionDraft | None:
    kind = item.get("kind", "single")
    if kind not in KINDS:
        problems.append(
            Problem(where, f'kind "{kind}" is unknown. Use one of: {", ".join(sorted(KINDS))}.')
        )
        return None
    options = []
    for index, option in enumerate(item.get("options") or [], start=1):
        if not isinstance(option, dict):
            problems.append(
                Problem(f"{where}, option {index}", "each option must be a JSON object.")
            )
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
        problems.append(Problem(where, '"tags" must be a list of strings.'))
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
