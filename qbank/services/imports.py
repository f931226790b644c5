"""Importing question files: the report before saving, and the all-or-nothing save."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa

from qbank.extensions import db
from qbank.importers import formats
from qbank.importers.drafts import MEDIA_SCHEME, ParseResult, Problem, QuestionDraft
from qbank.models import ImportUpload, Question, QuestionSet, User, Visibility
from qbank.services import audit
from qbank.services.media import MediaRefused, MediaStore, media_url, store_media
from qbank.services.question_bank import (
    add_question,
    current_version,
    next_position,
    revise_question,
    tags_named,
    version_fields,
)

UPLOAD_LIFETIME = timedelta(days=1)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class ImportRefused(ValueError):
    """The file has errors; nothing was saved."""


def _stem_key(stem: str) -> str:
    """A stem reduced to its words, to spot the same question written twice."""
    return _SPACE.sub(" ", _TAGS.sub(" ", stem)).strip().lower()


@dataclass
class ImportPlan:
    """What confirming the import will do, for the report."""

    kinds: Counter[str] = field(default_factory=Counter)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[Problem] = field(default_factory=list)


def _existing_by_external_id(question_set: QuestionSet | None) -> dict[str, Question]:
    if question_set is None:
        return {}
    return {
        q.external_id: q
        for q in db.session.scalars(
            sa.select(Question).where(
                Question.set_id == question_set.id, Question.external_id.is_not(None)
            )
        )
        if q.external_id is not None  # as selected; said again for the type
    }


def plan_import(parsed: ParseResult, target: QuestionSet | None) -> ImportPlan:
    """Count what an import would create and change, and point out likely duplicates."""
    plan = ImportPlan(kinds=Counter(d.kind.value for d in parsed.drafts))
    existing = _existing_by_external_id(target)
    stems: dict[str, str] = {}
    if target is not None:
        for question in target.questions:
            if question.retired_at is None:
                version = current_version(question)
                stems[_stem_key(version.stem)] = f"question #{question.id} already in the set"
    for draft in parsed.drafts:
        match = existing.get(draft.external_id) if draft.external_id else None
        if match is not None:
            version = current_version(match)
            fields = version_fields(draft)
            if all(getattr(version, k) == v for k, v in fields.items()) and not parsed.media:
                plan.unchanged += 1
            else:
                plan.updated += 1
            continue
        plan.new += 1
        key = _stem_key(draft.stem)
        if key in stems:
            plan.duplicates.append(
                Problem(
                    draft.location,
                    f"this looks like a duplicate of {stems[key]}. Remove one if they are "
                    "the same question.",
                    severity="warning",
                )
            )
        else:
            stems[key] = draft.location
    return plan


@dataclass(frozen=True)
class ImportOutcome:
    question_set: QuestionSet
    counts: Counter[str]


def _media_reference(names: Iterable[str]) -> re.Pattern[str] | None:
    """Match ``qbank-media:<name>`` for these names, longest first ("a.png.png" before "a.png")."""
    ordered = sorted(names, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(re.escape(MEDIA_SCHEME) + "(" + "|".join(map(re.escape, ordered)) + ")")


def _rewrite_media(draft: QuestionDraft, urls: dict[str, str]) -> QuestionDraft:
    """Point a draft's ``qbank-media:`` references at our media URLs."""
    pattern = _media_reference(urls)
    if pattern is None:
        return draft

    def fix(text: str) -> str:
        if MEDIA_SCHEME not in text:
            return text
        return pattern.sub(lambda match: urls[match.group(1)], text)

    draft.stem = fix(draft.stem)
    draft.explanation = fix(draft.explanation)
    for option in draft.options:
        option.text = fix(option.text)
        option.rationale = fix(option.rationale)
    return draft


def import_questions(
    parsed: ParseResult,
    owner: User,
    now: datetime,
    store: MediaStore,
    target: QuestionSet | None = None,
    title: str | None = None,
    visibility: Visibility = Visibility.PRIVATE,
    published: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Save every draft into ``target`` (or a new set); refuse if the parse has errors.

    Questions whose external id is already in the set are updated (a new version if
    students have answered them) instead of duplicated. Flushes only: the caller's
    commit makes it all-or-nothing.
    """
    if not parsed.ok:
        raise ImportRefused(f"{len(parsed.errors)} problem(s) in the file; nothing was saved.")
    if target is None:
        target = QuestionSet(
            owner_id=owner.id,
            title=(title or parsed.title or "Untitled set").strip()[:200],
            description=parsed.description,
            visibility=visibility.value,
            published=published,
            created_at=now,
            updated_at=now,
        )
        db.session.add(target)
        db.session.flush()

    media_by_name = {}
    for name, data in parsed.media.items():
        try:
            media_by_name[name] = store_media(store, data, owner, now)
        except MediaRefused as exc:
            raise ImportRefused(f"media file {name}: {exc}") from None
    urls = {name: media_url(m.sha256) for name, m in media_by_name.items()}

    existing = _existing_by_external_id(target)
    tags = tags_named({t for d in parsed.drafts for t in d.tags})
    counts: Counter[str] = Counter()
    reference = _media_reference(media_by_name)
    position = next_position(target)
    for done, draft in enumerate(parsed.drafts, start=1):
        names = set(reference.findall(_all_text(draft))) if reference else set()
        used = [media_by_name[name] for name in sorted(names)]
        draft = _rewrite_media(draft, urls)
        match = existing.get(draft.external_id) if draft.external_id else None
        if match is None:
            add_question(target, draft, owner, now, position, tags, used)
            position += 1
            counts["created"] += 1
        else:
            counts[revise_question(match, draft, owner, now, tags, used)] += 1
        if progress:
            progress(done)
    target.updated_at = now
    db.session.flush()
    # The counts' keys are outcomes (created, updated...), never record()'s label parameters.
    audit.record(owner, audit.Action.QUESTIONS_IMPORTED, target, now, **dict(counts))  # type: ignore[arg-type]
    return ImportOutcome(target, counts)


def _all_text(draft: QuestionDraft) -> str:
    parts = [draft.stem, draft.explanation]
    for option in draft.options:
        parts += [option.text, option.rationale]
    return "\n".join(parts)


# --- the report, made once per upload ----------------------------------------------

PREVIEW_SIZE = 5


def make_report(
    fmt: str | None, label: str | None, parsed: ParseResult, target: QuestionSet | None
) -> dict[str, Any]:
    """What the report page shows, as plain values, so it is read back instead of re-parsed."""
    plan = plan_import(parsed, target) if parsed.ok else None
    warnings = parsed.warnings + (plan.duplicates if plan else [])
    return {
        "format": fmt,
        "label": label,
        "ok": parsed.ok,
        "questions": len(parsed.drafts),
        "media": len(parsed.media),
        "errors": [[p.location, p.message] for p in parsed.errors],
        "warnings": [[p.location, p.message] for p in warnings],
        "skipped": [[s.location, s.name, s.reason] for s in parsed.skipped],
        "plan": plan
        and {
            "new": plan.new,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
            "kinds": plan.kinds.most_common(),
        },
        "preview": [
            {
                "location": d.location,
                "kind": d.kind.value,
                "stem": d.stem,
                "options": [
                    {"text": o.text, "correct": o.correct, "rationale": o.rationale}
                    for o in d.options
                ],
                "explanation": d.explanation,
                "reference": d.reference,
            }
            for d in parsed.drafts[:PREVIEW_SIZE]
        ],
    }


def report_file(
    data: bytes, filename: str, fmt: str | None, target: QuestionSet | None
) -> dict[str, Any]:
    """Parse an uploaded file (``fmt`` None: detect it) and make its report."""
    detected, parsed = formats.parse_upload(data, filename, fmt)
    label = formats.IMPORTERS[detected].LABEL if detected in formats.IMPORTERS else None
    return make_report(detected, label, parsed, target)


def report_of(upload: ImportUpload, target: QuestionSet | None) -> dict[str, Any]:
    """The upload's report, made now for an upload kept before reports were."""
    if upload.report is None:
        upload.report = report_file(upload.data, upload.filename, upload.format, target)
        db.session.flush()
    return upload.report


# --- uploads waiting for confirmation -----------------------------------------------


def stash_upload(
    owner: User,
    filename: str,
    data: bytes,
    fmt: str | None,
    target: QuestionSet | None,
    title: str,
    now: datetime,
    report: dict[str, Any] | None = None,
) -> ImportUpload:
    """Keep an upload (and its report) until its owner confirms it; forget stale ones."""
    db.session.execute(
        sa.delete(ImportUpload).where(
            ImportUpload.owner_id == owner.id, ImportUpload.created_at < now - UPLOAD_LIFETIME
        )
    )
    upload = ImportUpload(
        token=secrets.token_urlsafe(24),
        owner_id=owner.id,
        filename=filename[:255],
        format=fmt,
        target_set_id=target.id if target else None,
        title=title[:200],
        data=data,
        created_at=now,
        report=report,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def import_upload(
    upload: ImportUpload, owner: User, now: datetime, store: MediaStore, target: QuestionSet | None
) -> ImportOutcome:
    """Import a confirmed upload all at once, then forget it (flushes only, like the rest)."""
    parsed = formats.parse_upload(upload.data, upload.filename, upload.format)[1]
    title = upload.title or parsed.title or PurePath(upload.filename).stem
    outcome = import_questions(parsed, owner, now, store, target=target, title=title)
    db.session.delete(upload)
    db.session.flush()
    return outcome


def find_upload(token: str, owner: User, now: datetime) -> ImportUpload | None:
    upload = db.session.scalar(
        sa.select(ImportUpload).where(
            ImportUpload.token == token, ImportUpload.owner_id == owner.id
        )
    )
    if upload is None or upload.created_at < now - UPLOAD_LIFETIME:
        return None
    return upload
