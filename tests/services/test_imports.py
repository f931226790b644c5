import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.importers import qbank_json
from qbank.models import MediaFile, Question, QuestionSet, Role
from qbank.services import imports
from qbank.services import question_bank as bank
from tests.bank_helpers import json_question, qbank_json_file, tiny_png


@pytest.fixture
def faculty(create_user):
    return create_user(role=Role.FACULTY, email="fac@example.edu")


@pytest.fixture
def store(app):
    return app.extensions["qbank_media"]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_creates_a_set_with_every_question(faculty, clock, store):
    parsed = qbank_json.parse(qbank_json_file([json_question(n) for n in range(3)]))
    outcome = imports.import_questions(parsed, faculty, clock.now(), store)
    db.session.commit()
    assert outcome.question_set.title == "Imported set"
    assert outcome.counts["created"] == 3
    assert count(Question) == 3


def test_a_file_with_errors_saves_nothing(faculty, clock, store):
    bad = json_question(
        2, options=[{"text": "Only", "correct": False}, {"text": "Two", "correct": False}]
    )
    parsed = qbank_json.parse(qbank_json_file([json_question(1), bad]))
    assert not parsed.ok
    with pytest.raises(imports.ImportRefused):
        imports.import_questions(parsed, faculty, clock.now(), store)
    db.session.rollback()
    assert count(QuestionSet) == 0 and count(Question) == 0


def test_reimport_updates_by_external_id_instead_of_duplicating(faculty, clock, store):
    first = qbank_json.parse(qbank_json_file([json_question(1), json_question(2)]))
    question_set = imports.import_questions(first, faculty, clock.now(), store).question_set
    db.session.commit()
    changed = json_question(2, stem="Question 2, reworded")
    second = qbank_json.parse(qbank_json_file([json_question(1), changed, json_question(3)]))
    plan = imports.plan_import(second, question_set)
    assert (plan.new, plan.updated, plan.unchanged) == (1, 1, 1)
    outcome = imports.import_questions(second, faculty, clock.now(), store, target=question_set)
    db.session.commit()
    assert outcome.counts == {"created": 1, "updated": 1, "unchanged": 1}
    assert count(Question) == 3
    questions = db.session.scalars(bank.questions_in_set(question_set)).all()
    stems = [v.stem for v in bank.current_versions(questions).values()]
    assert "Question 2, reworded" in stems


def test_plan_points_out_likely_duplicates(faculty, clock, store):
    twin = json_question(2, stem=json_question(1)["stem"].upper())
    parsed = qbank_json.parse(qbank_json_file([json_question(1), twin]))
    plan = imports.plan_import(parsed, None)
    assert len(plan.duplicates) == 1
    assert plan.duplicates[0].location == "question 2"
    assert "duplicate of question 1" in plan.duplicates[0].message


def test_images_are_stored_once_and_references_rewritten(faculty, clock, store):
    png = tiny_png()
    questions = [
        json_question(1, stem="See ![ECG](qbank-media:ecg.png)"),
        json_question(2, stem="Same image ![x](qbank-media:copy.png)"),
    ]
    parsed = qbank_json.parse(qbank_json_file(questions, media={"ecg.png": png, "copy.png": png}))
    question_set = imports.import_questions(parsed, faculty, clock.now(), store).question_set
    db.session.commit()
    media = db.session.scalars(sa.select(MediaFile)).all()
    assert len(media) == 1
    assert store.path(media[0].sha256).read_bytes() == png
    questions = db.session.scalars(bank.questions_in_set(question_set)).all()
    stems = [v.stem for v in bank.current_versions(questions).values()]
    assert all(f"/media/{media[0].sha256}" in stem for stem in stems)
    assert all("qbank-media:" not in stem for stem in stems)


def test_a_file_that_lies_about_being_an_image_is_refused(faculty, clock, store):
    parsed = qbank_json.parse(
        qbank_json_file([json_question(1)], media={"x.png": b"<html><script>alert(1)</script>"})
    )
    assert [str(p) for p in parsed.errors] == [
        "media file x.png: it is an HTML page, not a PNG, JPEG, GIF or WebP image. Replace it "
        "with a PNG or JPEG and export again."
    ]
    with pytest.raises(imports.ImportRefused, match="nothing was saved"):
        imports.import_questions(parsed, faculty, clock.now(), store)
    db.session.rollback()
    parsed.problems.clear()  # a parse that missed it: the service still refuses the bytes
    parsed.media["x.png"] = b"<html><script>alert(1)</script>"
    with pytest.raises(imports.ImportRefused, match="not a PNG"):
        imports.import_questions(parsed, faculty, clock.now(), store)
    db.session.rollback()
    assert count(QuestionSet) == 0


def test_export_then_import_gives_the_same_set(faculty, clock, store):
    from qbank.services.exports import set_contents

    png = tiny_png(7)
    questions = [
        json_question(1, stem="Look ![x](qbank-media:a.png)"),
        {
            "kind": "flashcard",
            "stem": "Front",
            "explanation": "Back",
            "tags": ["A::B"],
            "external_id": "f-1",
        },
        json_question(
            3,
            kind="multiple",
            options=[
                {"text": "One", "correct": True, "rationale": "r1"},
                {"text": "Two", "correct": True, "rationale": "r2"},
                {"text": "None of these", "correct": False, "rationale": "r3", "fixed": True},
            ],
        ),
    ]
    original = imports.import_questions(
        qbank_json.parse(qbank_json_file(questions, media={"a.png": png})),
        faculty,
        clock.now(),
        store,
    ).question_set
    db.session.commit()
    drafts, media = set_contents(original, store)
    exported = qbank_json.write(drafts, original.title, original.description, media)
    again = imports.import_questions(
        qbank_json.parse(exported), faculty, clock.now(), store
    ).question_set
    db.session.commit()
    second_drafts, second_media = set_contents(again, store)

    def strip(ds):
        return [
            (d.kind, d.stem, d.options, d.explanation, d.tags, d.external_id, d.reference)
            for d in ds
        ]

    assert strip(second_drafts) == strip(drafts)
    assert second_media == media


def test_stale_uploads_are_forgotten(faculty, clock):
    old = imports.stash_upload(faculty, "a.json", b"{}", None, None, "", clock.now())
    token = old.token
    clock.advance(days=2)
    imports.stash_upload(faculty, "b.json", b"{}", None, None, "", clock.now())
    db.session.commit()
    assert imports.find_upload(token, faculty, clock.now()) is None


def test_media_names_that_extend_each_other_are_kept_apart(faculty, clock, store):
    first, second = tiny_png(1), tiny_png(2)
    parsed = qbank_json.parse(
        qbank_json_file(
            [json_question(1, stem="![](qbank-media:a.png) and ![](qbank-media:a.png.png)")],
            media={"a.png": first, "a.png.png": second},
        )
    )
    question_set = imports.import_questions(parsed, faculty, clock.now(), store).question_set
    db.session.commit()
    stem = bank.current_version(question_set.questions[0]).stem
    shas = {m.sha256 for m in db.session.scalars(sa.select(MediaFile))}
    assert len(shas) == 2
    assert all(f"/media/{sha}" in stem for sha in shas)
    assert "qbank-media" not in stem
