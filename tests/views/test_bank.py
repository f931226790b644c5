import io
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from qbank.extensions import db
from qbank.models import MediaFile, Question, QuestionSet, Role
from qbank.services import question_bank as bank
from tests.bank_helpers import json_question, qbank_json_file, sba, tiny_png
from tests.support import csrf_token


@pytest.fixture
def faculty(create_user):
    return create_user(role=Role.FACULTY, email="fac@example.edu", display_name="Dr Fac")


@pytest.fixture
def signed_in(auth, faculty):
    auth.login(faculty.email)
    return faculty


class ElementCollector(HTMLParser):
    """Every element of a page with its attributes, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    @classmethod
    def of(cls, html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        collector = cls()
        collector.feed(html)
        return collector.elements


def upload(client, data: bytes, filename: str, **fields):
    token = csrf_token(client, "/sets/import")
    return client.post(
        "/sets/import",
        data={
            "file": (io.BytesIO(data), filename),
            "csrf_token": token,
            "format": "",
            "target": "0",
            **fields,
        },
        content_type="multipart/form-data",
    )


def confirm(client, report_url: str):
    return client.post(report_url, data={"csrf_token": csrf_token(client, report_url)})


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_upload_report_then_confirm_imports_everything(client, signed_in):
    response = upload(
        client, qbank_json_file([json_question(n) for n in range(4)], title="Pharm"), "pharm.json"
    )
    report_url = response.headers["Location"]
    page = client.get(report_url).get_data(as_text=True)
    assert '4</span><span class="label">questions read' in page
    assert "qbank JSON" in page
    assert count(Question) == 0  # nothing before confirming
    done = confirm(client, report_url)
    set_page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported: 4 new, 0 updated, 0 unchanged." in set_page
    assert db.session.scalar(sa.select(QuestionSet.title)) == "Pharm"
    assert count(Question) == 4


def test_the_report_is_made_once_when_the_file_arrives(client, signed_in, monkeypatch):
    from qbank.importers import formats

    parses = []
    real = formats.parse_upload
    monkeypatch.setattr(formats, "parse_upload", lambda *a: parses.append(a) or real(*a))
    questions = [json_question(n) for n in range(3)]
    response = upload(client, qbank_json_file(questions, title="Once"), "once.json")
    assert len(parses) == 1
    report_url = response.headers["Location"]
    for _ in range(3):  # reading the report again reads what was kept
        page = client.get(report_url).get_data(as_text=True)
        assert '3</span><span class="label">questions read' in page
        assert "Question 0: what is the first-line treatment?" in page  # the preview
    assert len(parses) == 1
    confirm(client, report_url)  # saving needs the questions themselves
    assert len(parses) == 2 and count(Question) == 3


def test_a_faulty_file_gets_a_located_report_and_no_confirm_button(client, signed_in):
    bad = json_question(
        3, options=[{"text": "A", "correct": False}, {"text": "B", "correct": False}]
    )
    response = upload(client, qbank_json_file([json_question(1), json_question(2), bad]), "x.json")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nothing was saved" in page
    assert "<strong>question 3</strong>: no option is marked correct." in page
    assert "Import 3 questions" not in page
    assert confirm(client, response.headers["Location"]).status_code == 200
    assert count(QuestionSet) == 0


def test_an_empty_file_is_explained(client, signed_in):
    response = upload(client, b"", "empty.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "the file is empty" in page


def test_an_unrecognised_file_asks_for_the_format(client, signed_in):
    response = upload(client, b"\x00\x01\x02 binary junk", "mystery.bin")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not tell what format this file is in" in page


def test_a_file_over_the_limit_gets_the_413_page(app, client, signed_in):
    app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024
    response = upload(client, b"x" * (60 * 1024 * 1024), "huge.csv")
    # The test client spooled the body to a temporary file the refused request never read.
    response.request.input_stream.close()
    assert response.status_code == 413
    assert "larger than this server accepts" in response.get_data(as_text=True)
    assert count(QuestionSet) == 0


def test_import_into_an_existing_set_updates_by_external_id(client, signed_in):
    response = upload(client, qbank_json_file([json_question(1)]), "a.json")
    confirm(client, response.headers["Location"])
    set_id = db.session.scalar(sa.select(QuestionSet.id))
    response = upload(
        client,
        qbank_json_file([json_question(1, stem="New wording"), json_question(2)]),
        "a.json",
        target=str(set_id),
    )
    report = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "into “Imported set”" in report
    done = confirm(client, response.headers["Location"])
    assert "1 new, 1 updated, 0 unchanged" in client.get(done.headers["Location"]).get_data(
        as_text=True
    )
    assert count(Question) == 2


def test_faculty_write_preview_and_publish_a_question(client, signed_in, auth):
    response = auth.post("/sets/new", {"title": "Neuro", "description": "Stroke and seizures"})
    set_url = response.headers["Location"]
    set_id = int(set_url.rsplit("/", 1)[1])
    form = {
        "kind": "single",
        "stem": "A 70-year-old has sudden aphasia. Where is the lesion?",
        "options-0-text": "Left MCA territory",
        "options-0-correct": "y",
        "options-0-rationale": "Language is lateralised left.",
        "options-1-text": "Right PCA territory",
        "options-1-rationale": "Gives a visual field defect.",
        "explanation": "Broca and Wernicke areas lie in the **left** MCA territory.",
        "tags": "Neurology :: Stroke, Step 1",
        "reference": "Adams and Victor",
        "external_id": "",
    }
    saved = auth.post(f"/sets/{set_id}/questions/new", form)
    preview = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Correct answer" in preview and "<strong>left</strong>" in preview
    assert "Neurology::Stroke" in preview
    published = auth.post(f"/sets/{set_id}/publish", {"published": "1"}, form_page=set_url)
    page = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Published, but the set is private" in page


def test_question_form_reports_what_is_missing(client, signed_in, auth):
    set_id = int(auth.post("/sets/new", {"title": "T"}).headers["Location"].rsplit("/", 1)[1])
    page = auth.post(
        f"/sets/{set_id}/questions/new",
        {"kind": "single", "stem": "Stem", "options-0-text": "One", "options-1-text": "Two"},
    ).get_data(as_text=True)
    assert "No option is marked correct." in page
    assert count(Question) == 0


def test_editing_an_answered_question_says_a_new_version_was_made(
    client, signed_in, auth, create_user, clock
):
    from tests.services.test_question_bank import review_of

    question_set = bank.create_set(signed_in, "Set", "", clock.now())
    question, _ = bank.save_question(question_set, sba(), signed_in, clock.now())
    review_of(question, create_user(), clock.now())
    db.session.commit()
    url = f"/sets/{question_set.id}/questions/{question.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Aortic stenosis" in page  # the form comes filled in
    form = {
        "kind": "single",
        "stem": "Reworded stem",
        "options-0-text": "Aortic stenosis",
        "options-0-correct": "y",
        "options-1-text": "Mitral regurgitation",
        "explanation": "x",
        "tags": "",
        "reference": "",
        "external_id": "q-1",
    }
    saved = auth.post(url, form)
    assert "Saved as a new version" in client.get(saved.headers["Location"]).get_data(as_text=True)


def test_script_in_every_field_never_reaches_the_page(client, signed_in):
    evil = (
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><iframe src="https://evil.example"></iframe>'
    )
    question = json_question(
        1,
        stem="Stem " + evil,
        explanation="Expl " + evil,
        reference="Ref " + evil,
        options=[
            {"text": "A " + evil, "correct": True, "rationale": "R " + evil},
            {"text": "B", "correct": False},
        ],
    )
    response = upload(client, qbank_json_file([question]), "evil.json")
    report = client.get(response.headers["Location"]).get_data(as_text=True)
    done = confirm(client, response.headers["Location"])
    question_id = db.session.scalar(sa.select(Question.id))
    set_id = db.session.scalar(sa.select(QuestionSet.id))
    preview = client.get(f"/sets/{set_id}/questions/{question_id}").get_data(as_text=True)
    for page in (report, preview, client.get(done.headers["Location"]).get_data(as_text=True)):
        elements = ElementCollector.of(page.split("<main", 1)[1])
        assert "Stem" in page  # the question is there; only the dangerous parts are gone
        assert not [tag for tag, _ in elements if tag in ("script", "iframe")]
        assert not [(tag, a) for tag, attrs in elements for a, _ in attrs if a.startswith("on")]
        assert not [
            v for _, attrs in elements for a, v in attrs if (v or "").startswith("javascript:")
        ]
        assert not [
            v
            for tag, attrs in elements
            for a, v in attrs
            if tag == "img" and a == "src" and v == "x"
        ]


def test_faculty_cannot_see_or_change_another_facultys_private_set(
    client, auth, create_user, clock
):
    owner = create_user(role=Role.FACULTY, email="a@example.edu")
    question_set = bank.create_set(owner, "A's private set", "", clock.now())
    question, _ = bank.save_question(question_set, sba(), owner, clock.now())
    db.session.commit()
    intruder = create_user(role=Role.FACULTY, email="b@example.edu")
    auth.login(intruder.email)
    base = f"/sets/{question_set.id}"
    for url in (
        base,
        f"{base}/settings",
        f"{base}/export.json",
        f"{base}/export.csv",
        f"{base}/questions/{question.id}",
        f"{base}/questions/{question.id}/edit",
    ):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/sets/")
    for url in (f"{base}/publish", f"{base}/retire", f"{base}/questions/{question.id}/retire"):
        assert (
            client.post(
                url, data={"csrf_token": token, "published": "1", "retired": "1"}
            ).status_code
            == 403
        )
    assert "A&#39;s private set" not in client.get("/sets/").get_data(as_text=True)
    db.session.refresh(question_set)
    assert not question_set.published and question_set.retired_at is None


def test_images_are_served_only_to_those_who_may_see_them(client, auth, signed_in, create_user):
    png = tiny_png(3)
    response = upload(
        client,
        qbank_json_file(
            [json_question(1, stem="![ECG](qbank-media:ecg.png)")], media={"ecg.png": png}
        ),
        "img.json",
    )
    confirm(client, response.headers["Location"])
    sha = db.session.scalar(sa.select(MediaFile.sha256))
    image = client.get(f"/media/{sha}")
    assert image.status_code == 200 and image.data == png
    assert image.headers["Content-Type"] == "image/png"
    auth.logout()
    student = create_user()
    auth.login(student.email)
    assert client.get(f"/media/{sha}").status_code == 404  # the set is private
    question_set = db.session.scalar(sa.select(QuestionSet))
    bank.update_set(
        question_set,
        question_set.title,
        "",
        bank.Visibility.PUBLIC,
        [],
        question_set.owner,
        question_set.created_at,
    )
    bank.publish_set(question_set, True, question_set.created_at)
    db.session.commit()
    assert client.get(f"/media/{sha}").status_code == 200


def test_export_downloads_json_and_csv(client, signed_in, clock):
    question_set = bank.create_set(signed_in, "Cardio: Valves!", "", clock.now())
    bank.save_question(question_set, sba(), signed_in, clock.now())
    db.session.commit()
    as_json = client.get(f"/sets/{question_set.id}/export.json")
    assert as_json.headers["Content-Disposition"] == 'attachment; filename="cardio-valves.json"'
    assert b'"format": "qbank"' in as_json.data
    as_csv = client.get(f"/sets/{question_set.id}/export.csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert "Aortic stenosis" in as_csv.data.decode("utf-8-sig")


def test_csv_template_downloads(client, signed_in):
    response = client.get("/sets/import/template.csv")
    assert response.status_code == 200
    assert re.match(
        r"^\ufeff?[a-z_,]*stem", response.data.decode("utf-8-sig").splitlines()[0] + "stem"
    )


def test_set_page_filters_by_tag(client, signed_in, clock):
    question_set = bank.create_set(signed_in, "Mixed", "", clock.now())
    bank.save_question(question_set, sba(1, tags=["Cardiology::Valves"]), signed_in, clock.now())
    bank.save_question(
        question_set, sba(2, stem="Renal tubule question", tags=["Renal"]), signed_in, clock.now()
    )
    db.session.commit()
    page = client.get(f"/sets/{question_set.id}?tag=Renal").get_data(as_text=True)
    assert "Renal tubule question" in page and "crescendo" not in page


def test_settings_share_a_set_only_with_cohorts_that_invited_the_author(
    client, signed_in, auth, create_user, clock
):
    from qbank.models import cohort_sets, set_shares
    from qbank.services.cohorts import add_faculty, create_cohort

    rep = create_user()
    cohort = create_cohort("Year 3", rep, "UTC", clock.now())
    stranger = create_cohort("Year 4 elsewhere", create_user(), "UTC", clock.now())
    question_set = bank.create_set(signed_in, "Renal", "", clock.now())
    db.session.commit()
    url = f"/sets/{question_set.id}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Year 3" not in page and "Year 4 elsewhere" not in page
    assert "No cohort has invited you yet" in page

    add_faculty(cohort, signed_in, rep, clock.now())
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Year 3" in page and "Year 4 elsewhere" not in page
    page = auth.post(url, {"title": "Renal", "description": "", "visibility": "cohorts"})
    assert "Choose at least one cohort" in page.get_data(as_text=True)
    refused = auth.post(
        url,
        {"title": "Renal", "description": "", "visibility": "cohorts", "cohorts": stranger.id},
    )
    assert refused.status_code == 200
    assert "is not a valid choice" in refused.get_data(as_text=True)
    saved = auth.post(
        url,
        {
            "title": "Renal II",
            "description": "",
            "visibility": "cohorts",
            "cohorts": str(cohort.id),
        },
    )
    assert saved.status_code == 302
    db.session.refresh(question_set)
    assert (question_set.title, question_set.visibility) == ("Renal II", "cohorts")
    assert db.session.execute(
        sa.select(set_shares.c.cohort_id).where(set_shares.c.set_id == question_set.id)
    ).scalars().all() == [cohort.id]
    assert db.session.execute(sa.select(cohort_sets.c.cohort_id, cohort_sets.c.set_id)).all() == [
        (cohort.id, question_set.id)
    ]


REAL_FILES = [
    ("moodle_core/nested_categories_with_questions.xml", 4),
    ("moodle_core/questions.gift.txt", 5),
    ("anki/ankitects_diffmodeltemplates-1.apkg", 1),
    ("moodle_plugins/qtype_oumultiresponse_testquestion.moodle.xml", 1),
]


@pytest.mark.parametrize(("name", "questions"), REAL_FILES)
def test_real_files_import_through_the_web_page(client, signed_in, shared_data, name, questions):
    response = upload(client, (shared_data / name).read_bytes(), name.rsplit("/", 1)[1])
    done = confirm(client, response.headers["Location"])
    assert done.status_code == 302, done.get_data(as_text=True)
    assert count(Question) == questions


@pytest.mark.parametrize(("name", "questions"), REAL_FILES)
def test_real_files_import_through_the_cli(runner, faculty, shared_data, name, questions):
    result = runner.invoke(
        args=["import", str(shared_data / name), "--set", "Real", "--owner", faculty.email]
    )
    assert result.exit_code == 0, result.output
    assert f"{questions} new" in result.output
    assert count(Question) == questions


def test_the_csv_template_imports_through_the_web_page(client, signed_in):
    template = client.get("/sets/import/template.csv").data
    response = upload(client, template, "qbank-template.csv")
    confirm(client, response.headers["Location"])
    assert count(Question) == 3


def test_an_image_uploaded_in_the_editor_is_shown_and_served(client, signed_in, auth):
    set_id = int(auth.post("/sets/new", {"title": "Derm"}).headers["Location"].rsplit("/", 1)[1])
    url = f"/sets/{set_id}/questions/new"
    form = {
        "kind": "flashcard",
        "stem": "Name this rash.",
        "explanation": "Erythema migrans.",
        "csrf_token": csrf_token(client, url),
        "image": (io.BytesIO(tiny_png(9)), "target lesion.png"),
    }
    saved = client.post(url, data=form, content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    sha = db.session.scalar(sa.select(MediaFile.sha256))
    preview = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert f'<img src="/media/{sha}" alt="target lesion">' in preview
    assert client.get(f"/media/{sha}").data == tiny_png(9)


def test_a_fake_image_in_the_editor_is_refused(client, signed_in, auth):
    set_id = int(auth.post("/sets/new", {"title": "Derm"}).headers["Location"].rsplit("/", 1)[1])
    url = f"/sets/{set_id}/questions/new"
    form = {
        "kind": "flashcard",
        "stem": "Front",
        "explanation": "Back",
        "csrf_token": csrf_token(client, url),
        "image": (io.BytesIO(b"<svg onload=alert(1)></svg>"), "x.png"),
    }
    page = client.post(url, data=form, content_type="multipart/form-data").get_data(as_text=True)
    assert "SVG images are refused" in page
    assert count(Question) == 0 and count(MediaFile) == 0
