"""Reading a set back out as drafts and media files, for export."""

from __future__ import annotations

import re

from qbank.importers.drafts import MEDIA_SCHEME, QuestionDraft
from qbank.models import QuestionSet
from qbank.services.media import MediaStore, media_url
from qbank.services.question_bank import current_version, draft_of, media_refs

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def set_contents(
    question_set: QuestionSet, store: MediaStore
) -> tuple[list[QuestionDraft], dict[str, bytes]]:
    """The set's live questions as drafts, with their images as named files."""
    drafts: list[QuestionDraft] = []
    media: dict[str, bytes] = {}
    for question in question_set.questions:
        if question.retired_at is not None:
            continue
        version = current_version(question)
        draft = draft_of(question, version)
        names = {}
        for file in version.media:
            name = f"{file.sha256}.{EXTENSIONS.get(file.content_type, 'bin')}"
            names[file.sha256] = name
            if name not in media:
                media[name] = store.path(file.sha256).read_bytes()

        def local(text: str, names: dict[str, str] = names) -> str:
            for sha256 in media_refs(text):
                if sha256 in names:
                    text = text.replace(media_url(sha256), MEDIA_SCHEME + names[sha256])
            return text

        draft.stem = local(draft.stem)
        draft.explanation = local(draft.explanation)
        for option in draft.options:
            option.text = local(option.text)
            option.rationale = local(option.rationale)
        drafts.append(draft)
    return drafts, media


def file_name(title: str, extension: str) -> str:
    """A safe download name from a set's title."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "question-set"
    return f"{slug}.{extension}"
