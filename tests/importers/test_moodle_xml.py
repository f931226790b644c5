import base64
import struct
import time
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbank.importers import moodle_xml
from qbank.importers.drafts import (
    MAX_MEDIA_FILE_BYTES,
    MEDIA_SCHEME,
    ParseResult,
    html_to_markdown,
)
from qbank.models import QuestionKind

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
ENTITIES_REFUSED = (
    "the file declares XML entities, which qbank refuses for safety. Export it again from Moodle."
)


def shared_file(relative: str) -> bytes:
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared data folder is not beside this checkout")
    return path.read_bytes()


def tiny_png(shade: int = 0) -> bytes:
    """Return a valid 1x1 grey PNG; different shades give different bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(bytes([0, shade]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def embedded(name: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return f'<file name="{escape(name)}" path="/" encoding="base64">{encoded}</file>'


def text_field(tag: str, text: str, fmt: str = "html", files: str = "") -> str:
    return f'<{tag} format="{fmt}"><text><![CDATA[{text}]]></text>{files}</{tag}>'


def answer(
    fraction: float, text: str, feedback: str = "", files: str = "", fmt: str = "html"
) -> str:
    return (
        f'<answer fraction="{fraction}" format="{fmt}"><text><![CDATA[{text}]]></text>{files}'
        f"{text_field('feedback', feedback)}</answer>"
    )


def question(
    qtype: str = "multichoice",
    name: str = "Aortic stenosis",
    stem: str = "<p>Which murmur is typical?</p>",
    answers: str | None = None,
    extra: str = "",
) -> str:
    if answers is None:
        answers = answer(100, "Ejection systolic") + answer(0, "Pansystolic")
    return (
        f'<question type="{qtype}"><name><text>{escape(name)}</text></name>'
        f"{text_field('questiontext', stem)}{extra}{answers}</question>"
    )


def category(path: str) -> str:
    return f'<question type="category"><category><text>{escape(path)}</text></category></question>'


def quiz(*questions: str, encoding: str = "UTF-8") -> bytes:
    body = "\n".join(questions)
    return f'<?xml version="1.0" encoding="{encoding}"?>\n<quiz>\n{body}\n</quiz>\n'.encode()


def messages(result: ParseResult) -> list[str]:
    return [str(problem) for problem in result.problems]


# Moodle's own fixtures and the plugin fixtures


def test_nested_categories_fixture_imports_true_false_questions_tagged_by_category_path():
    result = moodle_xml.parse(shared_file("moodle_core/nested_categories_with_questions.xml"))

    assert result.ok, messages(result)
    assert [(d.stem, d.tags) for d in result.drafts] == [
        ("<p>Testing Iota Question</p>", ["Iota"]),
        ("<p>Testing Kappa Question</p>", ["Iota::Kappa"]),
        ("<p>Testing Lambda Question</p>", ["Iota::Kappa::Lambda"]),
        ("<p>Testing Mu Question</p>", ["Iota::Mu"]),
    ]
    for draft in result.drafts:
        assert draft.kind == QuestionKind.TRUE_FALSE
        assert [(o.text, o.correct) for o in draft.options] == [("True", True), ("False", False)]
        assert draft.external_id is None  # <idnumber></idnumber> is no id


def test_nested_categories_fixture_skips_the_essay_by_name_and_type():
    result = moodle_xml.parse(shared_file("moodle_core/nested_categories_with_questions.xml"))

    assert [(s.name, s.reason) for s in result.skipped] == [
        (
            "Kappa Essay Question",
            "Moodle question type 'essay' is not supported: "
            "qbank imports multiple choice and true/false.",
        )
    ]
    assert result.skipped[0].location.endswith('question 2 ("Kappa Essay Question"), line 55')


def test_matching_fixture_is_skipped_and_the_file_imports_nothing():
    result = moodle_xml.parse(shared_file("moodle_core/match_testquestion.moodle.xml"), "match.xml")

    assert result.drafts == []
    assert [s.name for s in result.skipped] == ["matching-001"]
    assert "'matching'" in result.skipped[0].reason
    assert not result.ok
    assert messages(result) == [
        "match.xml: none of the questions can be imported (see the skipped list): "
        "qbank imports multiple choice and true/false."
    ]


def test_oumultiresponse_plugin_question_imports_as_multiple_response():
    result = moodle_xml.parse(
        shared_file("moodle_plugins/qtype_oumultiresponse_testquestion.moodle.xml")
    )

    assert result.ok, messages(result)
    assert result.skipped == []
    (draft,) = result.drafts
    assert draft.kind == QuestionKind.MULTIPLE
    assert draft.stem == html_to_markdown("Find the capital cities in Europe.")
    assert [o.text for o in draft.options if o.correct] == [
        html_to_markdown("London"),
        html_to_markdown("Paris"),
    ]
    assert len(draft.options) == 5
    assert draft.explanation == html_to_markdown("Berlin, Paris and London")
    assert draft.tags == ["Default for C1"]


def test_tcs_plugin_question_is_skipped_naming_its_type():
    result = moodle_xml.parse(shared_file("moodle_plugins/qtype_tcs_testquestion.moodle.xml"))

    assert result.drafts == []
    assert [(s.name, s.reason) for s in result.skipped] == [
        (
            "My TCS question",
            "Moodle question type 'tcs' is not supported: "
            "qbank imports multiple choice and true/false.",
        )
    ]


@pytest.mark.parametrize(
    "relative",
    [
        "moodle_core/nested_categories_with_questions.xml",
        "moodle_core/match_testquestion.moodle.xml",
        "moodle_plugins/qtype_oumultiresponse_testquestion.moodle.xml",
        "moodle_plugins/qtype_tcs_testquestion.moodle.xml",
    ],
)
def test_sniff_recognises_moodle_exports(relative):
    assert moodle_xml.sniff(shared_file(relative), Path(relative).name)


@pytest.mark.parametrize(
    "relative",
    [
        "qti/qti12_pyslet/mchc_ir_01.xml",
        "qti/qti21_pyslet/basic_q1.xml",
        "moodle_core/questions.gift.txt",
    ],
)
def test_sniff_rejects_other_formats(relative):
    assert not moodle_xml.sniff(shared_file(relative), Path(relative).name)


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- exported -->\n<quiz>\n</quiz>",
        b"<quiz/>",
        '<?xml version="1.0" encoding="UTF-16"?><quiz></quiz>'.encode("utf-16"),
    ],
)
def test_sniff_allows_byte_order_marks_declarations_and_comments(data):
    assert moodle_xml.sniff(data, "export.xml")


@pytest.mark.parametrize("data", [b"", b'{"format": "qbank"}', b"<quizzes/>", b"\x89PNG\r\n"])
def test_sniff_rejects_what_is_not_a_quiz(data):
    assert not moodle_xml.sniff(data, "export.xml")


# What a multiple choice or true/false question becomes


def test_single_answer_question_keeps_stem_explanation_rationales_id_and_tags():
    data = quiz(
        question(
            name="Aortic stenosis",
            answers=answer(100, "Ejection systolic", "Crescendo-decrescendo.")
            + answer(0, "Pansystolic", "That is mitral regurgitation."),
            extra=text_field("generalfeedback", "<p>Think of the outflow tract.</p>")
            + "<idnumber> CARD-017 </idnumber><single>true</single>"
            + "<tags><tag><text>valves</text></tag><tag><text>murmurs</text></tag></tags>",
        )
    )

    result = moodle_xml.parse(data, "cardio.xml")

    assert result.ok, messages(result)
    (draft,) = result.drafts
    assert draft.kind == QuestionKind.SINGLE
    assert draft.stem == "<p>Which murmur is typical?</p>"
    assert draft.explanation == "<p>Think of the outflow tract.</p>"
    assert [(o.text, o.correct, o.rationale) for o in draft.options] == [
        (html_to_markdown("Ejection systolic"), True, html_to_markdown("Crescendo-decrescendo.")),
        (html_to_markdown("Pansystolic"), False, html_to_markdown("That is mitral regurgitation.")),
    ]
    assert draft.external_id == "CARD-017"
    assert draft.tags == ["valves", "murmurs"]
    assert draft.location == 'cardio.xml, question 1 ("Aortic stenosis"), line 3'


def test_multiple_response_question_marks_every_option_with_positive_fraction_correct():
    answers = (
        answer(50, "Beta blocker")
        + answer(50, "ACE inhibitor")
        + answer(-100, "Verapamil")
        + answer(0, "Digoxin")
    )
    data = quiz(question(answers=answers, extra="<single>false</single>"))

    result = moodle_xml.parse(data)

    assert result.ok, messages(result)
    (draft,) = result.drafts
    assert draft.kind == QuestionKind.MULTIPLE
    assert [o.correct for o in draft.options] == [True, True, False, False]


@pytest.mark.parametrize("qtype", ["oumultiresponse", "multichoiceset"])
def test_multiple_response_plugin_types_import_even_when_single_says_true(qtype):
    answers = answer(100, "Furosemide") + answer(100, "Bumetanide") + answer(0, "Amiloride")
    data = quiz(question(qtype, answers=answers, extra="<single>true</single>"))

    result = moodle_xml.parse(data)

    assert result.ok, messages(result)
    assert result.drafts[0].kind == QuestionKind.MULTIPLE
    assert [o.correct for o in result.drafts[0].options] == [True, True, False]


@pytest.mark.parametrize(
    ("single", "kind"),
    [
        ("<single>true</single>", QuestionKind.SINGLE),
        ("<single>1</single>", QuestionKind.SINGLE),
        ("", QuestionKind.SINGLE),
        ("<single>false</single>", QuestionKind.MULTIPLE),
        ("<single>0</single>", QuestionKind.MULTIPLE),
    ],
)
def test_single_element_decides_between_single_and_multiple_as_moodle_does(single, kind):
    result = moodle_xml.parse(quiz(question(extra=single)))

    assert result.drafts[0].kind == kind


def test_partial_credit_in_a_single_answer_question_counts_as_wrong_with_a_warning():
    answers = answer(100, "Amiodarone") + answer(50, "Sotalol") + answer(0, "Adenosine")
    result = moodle_xml.parse(quiz(question(answers=answers)), "f.xml")

    assert result.ok
    assert [o.correct for o in result.drafts[0].options] == [True, False, False]
    assert [str(w) for w in result.warnings] == [
        'f.xml, question 1 ("Aortic stenosis"), line 3, option B: Moodle gives 50% for this '
        "option; qbank has no partial credit, so it counts as wrong. Edit the question if it "
        "should count as right."
    ]


def test_true_false_question_takes_the_correct_answer_and_feedback_from_moodle():
    answers = answer(0, "true", "No: it is a diastolic murmur.") + answer(
        100, "false", "Right: it is diastolic."
    )
    data = quiz(question("truefalse", "Mitral stenosis", "Mitral stenosis is systolic.", answers))

    result = moodle_xml.parse(data)

    assert result.ok, messages(result)
    (draft,) = result.drafts
    assert draft.kind == QuestionKind.TRUE_FALSE
    assert [(o.text, o.correct, o.rationale) for o in draft.options] == [
        ("True", False, html_to_markdown("No: it is a diastolic murmur.")),
        ("False", True, html_to_markdown("Right: it is diastolic.")),
    ]


def test_true_false_answers_with_other_words_are_taken_in_order_with_a_warning():
    answers = answer(100, "Vrai") + answer(0, "Faux")
    result = moodle_xml.parse(quiz(question("truefalse", answers=answers)))

    assert [(o.text, o.correct) for o in result.drafts[0].options] == [
        ("True", True),
        ("False", False),
    ]
    assert ["took the first as True" in w.message for w in result.warnings] == [True]


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("$course$/top/Cardiology/Arrhythmia", "Cardiology::Arrhythmia"),
        ("$system$/top/Cardiology/Arrhythmia", "Cardiology::Arrhythmia"),
        ("$module$/Cardiology/Arrhythmia", "Cardiology::Arrhythmia"),
        ("top/Cardiology/Arrhythmia/", "Cardiology::Arrhythmia"),
        ("Cardiology / Arrhythmia", "Cardiology::Arrhythmia"),
        ("$course$/top/AV//SA blocks", "AV/SA blocks"),
    ],
)
def test_category_path_becomes_a_hierarchical_tag(path, tag):
    result = moodle_xml.parse(quiz(category(path), question()))

    assert result.drafts[0].tags == [tag]


def test_top_category_alone_gives_no_tag():
    result = moodle_xml.parse(quiz(category("$course$/top"), question()))

    assert result.drafts[0].tags == []


def test_category_applies_to_the_questions_after_it_until_the_next_one():
    data = quiz(
        question(name="Before"),
        category("$course$/top/Cardiology"),
        question(name="First", extra="<tags><tag><text>valves</text></tag></tags>"),
        question(name="Second"),
        category("$course$/top/Renal"),
        question(name="Third"),
    )

    result = moodle_xml.parse(data)

    assert [d.tags for d in result.drafts] == [
        [],
        ["Cardiology", "valves"],
        ["Cardiology"],
        ["Renal"],
    ]


@pytest.mark.parametrize(
    ("fmt", "text", "stem"),
    [
        ("html", "<p>2 * 3 = <b>6</b></p>", "<p>2 * 3 = <b>6</b></p>"),
        ("moodle_auto_format", "<p>2 * 3</p>", "<p>2 * 3</p>"),
        ("markdown", "2 * 3 is **6**", "2 * 3 is **6**"),
        ("plain_text", "2 * 3 = 6\n1. not a list", "2 \\* 3 = 6\\\n1\\. not a list"),
    ],
)
def test_text_format_decides_whether_text_is_escaped(fmt, text, stem):
    data = quiz(
        question(answers=answer(100, "Yes") + answer(0, "No")).replace(
            text_field("questiontext", "<p>Which murmur is typical?</p>"),
            text_field("questiontext", text, fmt),
        )
    )

    result = moodle_xml.parse(data)

    assert result.drafts[0].stem == stem


def test_html_left_unescaped_in_the_xml_is_kept():
    data = quiz(
        '<question type="multichoice"><name><text>Raw</text></name>'
        '<questiontext format="html"><text><p>Which <b>one</b>?</p></text></questiontext>'
        + answer(100, "A")
        + answer(0, "B")
        + "</question>"
    )

    result = moodle_xml.parse(data)

    assert result.drafts[0].stem == "<p>Which <b>one</b>?</p>"


@pytest.mark.parametrize(
    "qtype",
    [
        "matching",
        "shortanswer",
        "numerical",
        "essay",
        "description",
        "multianswer",
        "calculated",
        "calculatedmulti",
        "ddwtos",
        "gapselect",
        "ordering",
    ],
)
def test_other_question_types_are_skipped_naming_the_type(qtype):
    data = quiz(question(qtype, name=f"A {qtype} question"), question(name="Kept"))

    result = moodle_xml.parse(data, "f.xml")

    assert result.ok
    assert [d.location for d in result.drafts] == ['f.xml, question 2 ("Kept"), line 4']
    (skipped,) = result.skipped
    assert skipped.name == f"A {qtype} question"
    assert skipped.location == f'f.xml, question 1 ("A {qtype} question"), line 3'
    assert skipped.reason == (
        f"Moodle question type '{qtype}' is not supported: "
        "qbank imports multiple choice and true/false."
    )


def test_question_without_a_type_is_skipped():
    data = quiz(question().replace(' type="multichoice"', ""), question(name="Kept"))

    result = moodle_xml.parse(data)

    assert ["'(none)'" in s.reason for s in result.skipped] == [True]


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("All of the above", True),
        ("<p>None of the above.</p>", True),
        ("Neither of these", True),
        ("Above all of the above there is more", False),
        ("Atrial fibrillation", False),
    ],
)
def test_all_or_none_of_the_above_options_stay_last(text, fixed):
    answers = answer(0, "Atenolol") + answer(100, text)

    result = moodle_xml.parse(quiz(question(answers=answers)))

    assert [o.fixed for o in result.drafts[0].options] == [False, fixed]


def test_a_long_name_is_shortened_in_locations():
    result = moodle_xml.parse(quiz(question(name="A" * 200)), "f.xml")

    assert result.drafts[0].location == f'f.xml, question 1 ("{"A" * 59}…"), line 3'


def test_the_same_id_number_twice_is_an_error_naming_both_questions():
    data = quiz(
        question(name="One", extra="<idnumber>CARD-1</idnumber>"),
        question(name="Two", extra="<idnumber>CARD-1</idnumber>"),
    )

    result = moodle_xml.parse(data, "f.xml")

    assert messages(result) == [
        'f.xml, question 2 ("Two"), line 4: ID number "CARD-1" is also used by question 1. '
        "Give each question its own ID number."
    ]


def test_a_fraction_that_is_not_a_number_is_a_located_error():
    answers = '<answer fraction="lots"><text>A</text></answer>' + answer(100, "B")
    result = moodle_xml.parse(quiz(question(answers=answers)), "f.xml")

    assert messages(result) == [
        'f.xml, question 1 ("Aortic stenosis"), line 3, option A: the answer\'s fraction '
        '"lots" is not a number. Give a percentage like 100.'
    ]


# Embedded images


def test_embedded_png_goes_to_media_and_the_reference_points_at_it():
    png = tiny_png()
    stem = '<p>Look at the trace.</p><img src="@@PLUGINFILE@@/ecg%20lead%20II.png" alt="ECG">'
    data = quiz(
        question().replace(
            text_field("questiontext", "<p>Which murmur is typical?</p>"),
            text_field("questiontext", stem, files=embedded("ecg lead II.png", png)),
        )
    )

    result = moodle_xml.parse(data)

    assert result.ok, messages(result)
    assert result.media == {"ecg_lead_II.png": png}
    assert result.drafts[0].stem == (
        f'<p>Look at the trace.</p><img src="{MEDIA_SCHEME}ecg_lead_II.png" alt="ECG">'
    )


def test_images_in_options_feedback_and_explanation_are_kept_and_rewritten():
    a, b, c = tiny_png(1), tiny_png(2), tiny_png(3)
    answers = answer(
        100, "![](@@PLUGINFILE@@/a.png)", files=embedded("a.png", a), fmt="markdown"
    ) + answer(0, "Other")
    answers = answers.replace(
        text_field("feedback", ""),
        text_field("feedback", '<img src="@@PLUGINFILE@@/b.png">', files=embedded("b.png", b)),
        1,
    )
    explanation = text_field(
        "generalfeedback", '<img src="@@PLUGINFILE@@/c.png">', files=embedded("c.png", c)
    )

    result = moodle_xml.parse(quiz(question(answers=answers, extra=explanation)))

    assert result.ok, messages(result)
    draft = result.drafts[0]
    assert draft.options[0].text == "![](qbank-media:a.png)"
    assert draft.options[0].rationale == html_to_markdown('<img src="qbank-media:b.png">')
    assert draft.explanation == html_to_markdown('<img src="qbank-media:c.png">')
    assert result.media == {"a.png": a, "b.png": b, "c.png": c}


def test_two_images_sharing_a_name_with_different_bytes_get_distinct_names():
    first, second = tiny_png(10), tiny_png(200)

    def with_image(name: str, png: bytes) -> str:
        return question(name=name).replace(
            text_field("questiontext", "<p>Which murmur is typical?</p>"),
            text_field(
                "questiontext",
                '<img src="@@PLUGINFILE@@/image.png">',
                files=embedded("image.png", png),
            ),
        )

    result = moodle_xml.parse(quiz(with_image("One", first), with_image("Two", second)))

    assert result.media == {"image.png": first, "image-2.png": second}
    assert [d.stem for d in result.drafts] == [
        html_to_markdown('<img src="qbank-media:image.png">'),
        html_to_markdown('<img src="qbank-media:image-2.png">'),
    ]


def test_the_same_image_in_two_questions_is_kept_once():
    png = tiny_png()
    image = text_field(
        "questiontext", '<img src="@@PLUGINFILE@@/x.png">', files=embedded("x.png", png)
    )
    one = question(name="One").replace(
        text_field("questiontext", "<p>Which murmur is typical?</p>"), image
    )

    result = moodle_xml.parse(quiz(one, one.replace("One", "Two")))

    assert result.media == {"x.png": png}
    assert {d.stem for d in result.drafts} == {html_to_markdown('<img src="qbank-media:x.png">')}


def test_an_image_the_text_shows_but_the_file_lacks_is_a_warning():
    data = quiz(question(stem='<img src="@@PLUGINFILE@@/missing.png">'))

    result = moodle_xml.parse(data, "f.xml")

    assert result.ok
    assert [str(w) for w in result.warnings] == [
        'f.xml, question 1 ("Aortic stenosis"), line 3: the text shows the image '
        '"missing.png", which is not in the file, so it will not appear. Export again from '
        "Moodle with the images."
    ]


# Hostile and broken files


def image_question(name: str, encoded_file: str) -> bytes:
    stem = f'<img src="@@PLUGINFILE@@/{name}">'
    return quiz(
        question().replace(
            text_field("questiontext", "<p>Which murmur is typical?</p>"),
            text_field("questiontext", stem, files=encoded_file),
        )
    )


def test_billion_laughs_is_refused_before_any_expansion():
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    data = (
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [\n<!ENTITY lol0 "lol">' + lol + "\n]>\n"
        '<quiz><question type="multichoice"><name><text>&lol9;</text></name></question></quiz>'
    ).encode()

    started = time.perf_counter()
    result = moodle_xml.parse(data, "lol.xml")

    assert time.perf_counter() - started < 1
    assert not result.ok
    assert result.drafts == [] and result.skipped == []
    assert messages(result) == [f"lol.xml, line 3: {ENTITIES_REFUSED}"]


def test_external_entity_pointing_at_a_local_file_is_refused():
    data = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<quiz>" + question(name="&xxe;").replace("&amp;xxe;", "&xxe;").encode() + b"</quiz>"
    )

    result = moodle_xml.parse(data, "xxe.xml")

    assert messages(result) == [f"xxe.xml, line 2: {ENTITIES_REFUSED}"]
    assert result.drafts == [] and result.skipped == []


def test_malformed_xml_is_an_error_at_the_line_and_column_of_the_fault():
    data = quiz(question()).replace(b"</questiontext>", b"</questiontxt>")
    column = data.splitlines()[2].index(b"questiontxt>") + 1  # where the bad name starts

    result = moodle_xml.parse(data, "broken.xml")

    assert not result.ok
    assert messages(result) == [
        f"broken.xml, line 3, column {column}: the XML is broken here: mismatched tag. Fix it, "
        "or export the file again from Moodle."
    ]


def test_a_file_cut_short_is_an_error():
    data = quiz(question())[:-40]

    result = moodle_xml.parse(data, "cut.xml")

    assert [p.message for p in result.errors] == [
        "the XML is broken here: no element found. Fix it, or export the file again from Moodle."
    ]


def test_latin1_bytes_in_a_file_that_says_utf8_are_an_error_at_the_byte():
    data = quiz(question(name="Caf\u00e9")).replace("Caf\u00e9".encode(), b"Caf\xe9")
    column = data.splitlines()[2].index(b"\xe9") + 1

    result = moodle_xml.parse(data, "f.xml")

    assert not result.ok
    assert messages(result) == [
        f"f.xml, line 3, column {column}: byte 0xE9 is not UTF-8, though the file says it is. "
        "Save the file as UTF-8, or export it again from Moodle."
    ]


def test_utf8_bytes_in_a_file_that_says_latin1_are_read_as_utf8_with_a_warning():
    data = quiz(
        question(name="Caf\u00e9 au lait", stem="Na\u00efve T cells"), encoding="ISO-8859-1"
    )

    result = moodle_xml.parse(data, "f.xml")

    assert result.ok
    assert result.drafts[0].stem == html_to_markdown("Na\u00efve T cells")
    assert result.drafts[0].location.startswith('f.xml, question 1 ("Caf\u00e9 au lait")')
    assert [str(w) for w in result.warnings] == [
        "f.xml: the file says its encoding is ISO-8859-1, but its text is UTF-8; qbank read "
        "it as UTF-8. Check that accented letters look right."
    ]


def test_a_real_latin1_file_is_read_as_latin1():
    data = quiz(question(stem="Na\u00efve T cells"), encoding="ISO-8859-1").replace(
        "\u00ef".encode(), b"\xef"
    )

    result = moodle_xml.parse(data)

    assert result.ok and result.warnings == []
    assert result.drafts[0].stem == html_to_markdown("Na\u00efve T cells")


@pytest.mark.parametrize("encoding", ["klingon", "shift_jis"])
def test_an_encoding_qbank_cannot_read_is_an_error(encoding):
    result = moodle_xml.parse(quiz(question(), encoding=encoding), "f.xml")

    assert messages(result) == [
        f'f.xml: qbank cannot read the encoding "{encoding}" that the file names. Save it as '
        "UTF-8, or export it again from Moodle."
    ]


@pytest.mark.parametrize("name", ["../evil.png", "..\\evil.png", "images/evil.png", ".."])
def test_an_image_name_that_reaches_outside_the_file_is_refused(name):
    result = moodle_xml.parse(image_question(name, embedded(name, tiny_png())), "f.xml")

    assert not result.ok
    assert result.media == {}
    assert (
        f'f.xml, question 1 ("Aortic stenosis"), line 3, media file "{name}": the image name '
        "reaches outside the file, which qbank refuses. Rename the image in Moodle and export "
        "again."
    ) in messages(result)


def test_a_png_that_is_really_html_is_refused():
    page = b"<html><script>alert(document.cookie)</script></html>"
    result = moodle_xml.parse(image_question("x.png", embedded("x.png", page)), "f.xml")

    assert not result.ok
    assert result.media == {}
    assert [p.message for p in result.errors] == [
        "it is an HTML page, not a PNG, JPEG, GIF or WebP image. Export it again as one of those."
    ]
    assert result.errors[0].location.endswith('media file "x.png"')


def test_an_svg_image_is_refused():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    result = moodle_xml.parse(image_question("x.png", embedded("x.png", svg)))

    assert result.media == {}
    assert [p.message for p in result.errors] == [
        "SVG images are refused (they can carry scripts). Use PNG or JPEG instead."
    ]


@pytest.mark.parametrize("encoded", ["not base64 at all!", "iVBORw0KGgo=garbage", "", "===="])
def test_image_data_that_is_not_base64_is_refused(encoded):
    file = f'<file name="x.png" path="/" encoding="base64">{encoded}</file>'
    result = moodle_xml.parse(image_question("x.png", file))

    assert result.media == {}
    assert [p.message for p in result.errors] == [
        "the image is not valid base64. Export the question again from Moodle."
    ]


def test_an_image_over_the_size_limit_is_refused():
    huge = b"\x89PNG\r\n\x1a\n" + bytes(MAX_MEDIA_FILE_BYTES)
    result = moodle_xml.parse(image_question("huge.png", embedded("huge.png", huge)))

    assert result.media == {}
    assert [p.message for p in result.errors] == [
        "the image is over 10 MB. Make it smaller and export again."
    ]


def test_a_question_with_no_correct_answer_is_a_located_error():
    answers = answer(0, "Ejection systolic") + answer(0, "Pansystolic")
    result = moodle_xml.parse(quiz(question(answers=answers)), "f.xml")

    assert not result.ok
    assert messages(result) == [
        'f.xml, question 1 ("Aortic stenosis"), line 3: no option is marked correct. '
        "Mark one as correct."
    ]


def test_two_options_with_the_same_text_are_a_located_error():
    answers = answer(100, "Ejection systolic") + answer(0, "Ejection systolic")
    result = moodle_xml.parse(quiz(question(answers=answers)), "f.xml")

    assert messages(result) == [
        'f.xml, question 1 ("Aortic stenosis"), line 3: two options have the same text. '
        "Make each different."
    ]


def test_a_question_with_an_empty_stem_and_one_option_is_reported():
    result = moodle_xml.parse(quiz(question(stem="  ", answers=answer(100, "Only"))), "f.xml")

    assert [p.message for p in result.errors] == [
        "the question text is empty. Write the stem.",
        "it has 1 option; give between 2 and 10.",
    ]


@pytest.mark.parametrize("data", [b"", b"  \n\t"])
def test_an_empty_file_is_an_error(data):
    result = moodle_xml.parse(data, "empty.xml")

    assert messages(result) == [
        "empty.xml: the file is empty. Export the questions from Moodle again."
    ]


def test_a_quiz_without_questions_is_an_error():
    result = moodle_xml.parse(quiz(category("$course$/top/Empty")), "f.xml")

    assert messages(result) == [
        "f.xml: there are no questions in this file. Export a category from Moodle again."
    ]


def test_xml_that_is_not_a_moodle_quiz_is_an_error():
    result = moodle_xml.parse(b'<?xml version="1.0"?><questestinterop/>', "qti.xml")

    assert messages(result) == [
        "qti.xml: this is not Moodle XML: the document is <questestinterop>, not <quiz>. "
        "Export the questions from Moodle's question bank as Moodle XML."
    ]


def test_script_and_event_handlers_in_every_text_field_are_kept_for_the_renderer():
    script = '<script>alert(1)</script><img src=x onerror="alert(2)"><b onmouseover="alert(3)">'
    answers = answer(100, f"Right {script}", f"Because {script}") + answer(
        0, f"Wrong {script}", f"Not {script}"
    )
    data = quiz(
        category(f"$course$/top/{script}"),
        question(
            name=f"Evil {script}",
            stem=f"Stem {script}",
            answers=answers,
            extra=text_field("generalfeedback", f"Explained {script}")
            + f"<tags><tag><text>{escape(script)}</text></tag></tags>"
            + f"<idnumber>{escape(script)}</idnumber>",
        ),
    )

    result = moodle_xml.parse(data)

    assert result.ok, messages(result)
    (draft,) = result.drafts
    assert draft.stem == html_to_markdown(f"Stem {script}")
    assert draft.explanation == html_to_markdown(f"Explained {script}")
    assert [(o.text, o.rationale) for o in draft.options] == [
        (html_to_markdown(f"Right {script}"), html_to_markdown(f"Because {script}")),
        (html_to_markdown(f"Wrong {script}"), html_to_markdown(f"Not {script}")),
    ]
    assert script in draft.tags
    assert draft.external_id == script
    assert f"Evil {script}"[:59] in draft.location


def test_five_thousand_questions_parse_in_reasonable_time():
    data = quiz(
        *(
            question(
                name=f"Question {n}",
                stem=f"<p>Vignette {n}</p>",
                answers=answer(100, f"Right {n}", "Yes.") + answer(0, "Wrong", "No."),
            )
            for n in range(5000)
        )
    )

    started = time.perf_counter()
    result = moodle_xml.parse(data)
    elapsed = time.perf_counter() - started

    assert result.ok
    assert len(result.drafts) == 5000
    assert result.drafts[-1].stem == "<p>Vignette 4999</p>"
    assert elapsed < 10, f"5,000 questions took {elapsed:.1f} s"


SAMPLE = quiz(
    category("$course$/top/Cardiology"),
    question(extra=text_field("generalfeedback", "Why") + "<tags><tag><text>t</text></tag></tags>"),
    question("truefalse", answers=answer(100, "true") + answer(0, "false")),
)


@settings(max_examples=300, deadline=None)
@given(
    at=st.integers(min_value=0, max_value=len(SAMPLE)),
    cut=st.integers(min_value=0, max_value=40),
    junk=st.binary(max_size=12),
)
def test_any_damage_to_a_file_gives_problems_never_an_exception(at, cut, junk):
    damaged = SAMPLE[:at] + junk + SAMPLE[at + cut :]

    result = moodle_xml.parse(damaged, "f.xml")

    assert isinstance(result, ParseResult)
    assert all(p.location.startswith("f.xml") and p.message for p in result.problems)


def test_elements_nested_past_the_limit_are_an_error_at_their_line_in_bounded_time():
    deep = "<div>" * 200_000 + "x" + "</div>" * 200_000
    feedback = f'<generalfeedback format="html"><text>{deep}</text></generalfeedback>'
    started = time.perf_counter()
    result = moodle_xml.parse(quiz(question(extra="\n" + feedback)), "f.xml")
    assert time.perf_counter() - started < 5
    assert messages(result) == [
        "f.xml: the file nests deeper than qbank reads: more than 100 levels, at line 4. "
        "Remove the extra nesting, or export the file again."
    ]


def test_html_nested_within_the_limit_is_kept():
    deep = "<div>" * 90 + "x" + "</div>" * 90
    feedback = f'<generalfeedback format="html"><text>{deep}</text></generalfeedback>'
    result = moodle_xml.parse(quiz(question(extra=feedback)), "f.xml")
    assert result.ok, messages(result)
    assert result.drafts[0].explanation.count("<div>") == 90


@pytest.mark.parametrize("nul", [b"\x00", b"&#0;", b"&#x000;"])
def test_a_nul_in_a_text_is_an_error_saying_so_where_it_is(nul):
    data = quiz(question()).replace(b"Aortic stenosis", b"Aortic" + nul + b" stenosis")
    result = moodle_xml.parse(data, "f.xml")
    [problem] = result.errors
    assert problem.location.startswith("f.xml, line 3, column ")
    assert problem.message == (
        "the text holds a NUL character, which XML cannot hold and qbank cannot store. "
        "Remove it and upload the file again."
    )
