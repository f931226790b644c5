"""Builders for question-bank tests: drafts, published sets, files in each format, a PNG,
a cohort studying a set."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from datetime import datetime
from typing import Any

from qbank.extensions import db
from qbank.importers.drafts import OptionDraft, QuestionDraft
from qbank.models import Cohort, QuestionKind, QuestionSet, User, Visibility
from qbank.services import cohorts
from qbank.services import question_bank as bank


def sba(n: int = 1, **overrides: Any) -> QuestionDraft:
    fields: dict[str, Any] = {
        "kind": QuestionKind.SINGLE,
        "stem": f"Question {n}: which valve lesion causes a crescendo-decrescendo murmur?",
        "options": [
            OptionDraft("Aortic stenosis", True, "Ejection murmur radiating to the carotids."),
            OptionDraft("Mitral regurgitation", False, "Holosystolic at the apex."),
            OptionDraft("Aortic regurgitation", False, "Early diastolic decrescendo."),
        ],
        "explanation": "Aortic stenosis gives an **ejection** murmur.",
        "reference": "Harrison's, 21st ed.",
        "tags": ["Cardiology::Valves"],
        "external_id": f"q-{n}",
    }
    fields.update(overrides)
    return QuestionDraft(**fields)


def publish_set(
    owner: User, now: datetime, n: int = 3, title: str = "Set", **draft_fields: Any
) -> QuestionSet:
    """A public, published set of ``n`` single-best-answer questions, made as faculty make
    one (each question's stem is "<title> question <i>", its external id "<title>-<i>").
    Flushes only: the caller commits."""
    question_set = bank.create_set(owner, title, "", now)
    for i in range(n):
        fields = {"stem": f"{title} question {i}", "external_id": f"{title}-{i}", **draft_fields}
        bank.save_question(question_set, sba(i, **fields), owner, now)
    bank.update_set(question_set, title, "", Visibility.PUBLIC, [], owner, now)
    bank.publish_set(question_set, True, now)
    return question_set


def qbank_json_file(
    questions: list[dict[str, Any]],
    title: str = "Imported set",
    media: dict[str, bytes] | None = None,
) -> bytes:
    document: dict[str, Any] = {
        "format": "qbank",
        "version": 1,
        "set": {"title": title, "description": ""},
        "questions": questions,
    }
    if media:
        document["media"] = {k: base64.b64encode(v).decode() for k, v in media.items()}
    return json.dumps(document).encode()


def json_question(n: int, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_id": f"q-{n}",
        "kind": "single",
        "stem": f"Question {n}: what is the first-line treatment?",
        "options": [
            {"text": "Drug A", "correct": True, "rationale": "Right."},
            {"text": "Drug B", "correct": False, "rationale": "Wrong."},
        ],
        "explanation": "Because.",
        "tags": ["Pharmacology"],
        "reference": "Katzung",
    }
    item.update(overrides)
    return item


def tiny_png(colour: int = 0) -> bytes:
    """A valid 1x1 PNG; ``colour`` makes distinct files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixel = zlib.compress(bytes([0, colour % 256, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixel)
        + chunk(b"IEND", b"")
    )


def cohort_studying(
    question_set: QuestionSet, create_user: Any, now: datetime, members: int = 6
) -> tuple[Cohort, User, list[User]]:
    """A cohort (London time) whose rep assigned ``question_set``, which its owner works
    with: returns the cohort, the owner, and the members (the rep first)."""
    owner = db.session.get_one(User, question_set.owner_id)
    rep = create_user(email=f"rep-{question_set.id}@example.edu")
    cohort = cohorts.create_cohort("MBBS Year 2", rep, "Europe/London", now)
    students = [
        create_user(email=f"member{n}-{question_set.id}@example.edu") for n in range(members)
    ]
    for student in students:
        cohorts.add_member(cohort, student, now)
    cohorts.add_faculty(cohort, owner, rep, now)
    cohorts.assign_set(cohort, question_set, rep, now)
    db.session.commit()
    return cohort, owner, [rep, *students]
