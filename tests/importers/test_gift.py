import codecs
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qbank.importers import gift
from qbank.importers.drafts import html_to_markdown, plain_to_markdown
from qbank.models import QuestionKind
from qbank.presentation.markup import render

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PEER = DATA / "gift_pegjs"
PEER_FILES = sorted(PEER.glob("*.gift")) if PEER.is_dir() else []
# The GIFT-grammar-PEG.js types qbank imports, and the reason each other type is skipped.
PEER_SUPPORTED = {"MC", "TF"}
PEER_SKIPPED = {
    "Description": "description",
    "Essay": "essay",
    "Short": "short answer",
    "Numerical": "numerical",
    "Matching": "matching",
}


def data_file(relative):
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not beside this checkout")
    return path


def parse(text):
    return gift.parse(text.encode("utf-8"), "quiz.gift")


def only_draft(text):
    result = parse(text)
    assert result.errors == [], [str(p) for p in result.errors]
    assert len(result.drafts) == 1
    return result.drafts[0]


def messages(result):
    return [str(problem) for problem in result.errors]


class _TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


# Texts are compared as a learner sees them, not character for character: the peer
# collapses line breaks in "moodle" text where qbank (like Moodle) keeps them, qbank escapes
# plain text for Markdown, and the peer pads a missing word's blank with spaces ("_____ .").
def shown(html):
    """The words a learner sees in an HTML fragment, whitespace evened out."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    text = re.sub(r"\s*_____\s*", " _____ ", "".join(parser.parts))
    return " ".join(text.split())


def shown_draft_text(markdown):
    return shown(render(markdown))


def shown_peer_text(field):
    """What the peer's {format, text} shows: Moodle's "moodle" format is HTML to Moodle."""
    if field is None:
        return ""
    if field["format"] == "markdown":
        return shown(render(field["text"]))
    if field["format"] == "plain":
        return shown(field["text"].replace("&", "&amp;").replace("<", "&lt;"))
    return shown(field["text"])


def peer_correct(choices):
    # Deliberate difference: in a question with any "=" answer (single-answer in Moodle)
    # only a full-credit answer is right; partial credit such as %50% counts as wrong, as
    # qbank has no partial credit. Without "=", every positive weight is a right answer.
    if any(c["isCorrect"] for c in choices):
        return [c["isCorrect"] or c["weight"] == 100 for c in choices]
    return [(c["weight"] or 0) > 0 for c in choices]


def peer_true_false_rationales(question):
    # Deliberate difference: Moodle reads {TRUE#a#b} as "a" for a wrong pick (False) and "b"
    # for a right pick (True); the peer files put "a" in trueFeedback whatever the answer.
    # For a FALSE question the two readings agree.
    first, second = question["trueFeedback"], question["falseFeedback"]
    wrong, right = shown_peer_text(first), shown_peer_text(second)
    return [right, wrong] if question["isTrue"] else [wrong, right]


def assert_matches_peer(draft, question):
    if question["title"]:
        assert f'(question "{question["title"]}")' in draft.location
    assert draft.external_id == question["id"]
    assert draft.tags == (question["tags"] or [])
    assert shown_draft_text(draft.stem) == shown_peer_text(question["stem"])
    assert shown_draft_text(draft.explanation) == shown_peer_text(question["globalFeedback"])
    rationales = [shown_draft_text(o.rationale) for o in draft.options]
    if question["type"] == "TF":
        assert draft.kind == QuestionKind.TRUE_FALSE
        assert [(o.text, o.correct) for o in draft.options] == [
            ("True", question["isTrue"]),
            ("False", not question["isTrue"]),
        ]
        assert rationales == peer_true_false_rationales(question)
        return
    correct = peer_correct(question["choices"])
    assert draft.kind == (QuestionKind.SINGLE if sum(correct) == 1 else QuestionKind.MULTIPLE)
    assert [o.correct for o in draft.options] == correct
    assert [shown_draft_text(o.text) for o in draft.options] == [
        shown_peer_text(c["text"]) for c in question["choices"]
    ]
    assert rationales == [shown_peer_text(c["feedback"]) for c in question["choices"]]


@pytest.mark.skipif(not PEER.is_dir(), reason=f"{PEER} is absent: no shared data beside this")
@pytest.mark.parametrize("path", PEER_FILES, ids=lambda path: path.stem)
def test_agrees_with_the_gift_pegjs_expected_parse(path):
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    result = gift.parse(path.read_bytes(), path.name)

    assert {q["type"] for q in expected} <= PEER_SUPPORTED | PEER_SKIPPED.keys() | {"Category"}
    supported = [q for q in expected if q["type"] in PEER_SUPPORTED]
    unsupported = [q for q in expected if q["type"] in PEER_SKIPPED]
    assert len(result.drafts) == len(supported)
    for draft, question in zip(result.drafts, supported, strict=True):
        assert_matches_peer(draft, question)
    assert len(result.skipped) == len(unsupported)
    for skipped, question in zip(result.skipped, unsupported, strict=True):
        assert skipped.reason == gift.SKIP_REASONS[PEER_SKIPPED[question["type"]]]
        if question["title"]:
            assert skipped.name == question["title"]
    if supported:
        assert result.ok, messages(result)
    else:  # nothing to import is itself the one problem, about the whole file
        assert [p.location for p in result.errors] == [path.name]


def test_moodle_test_questions_import_choices_and_true_false_and_skip_the_rest():
    result = gift.parse(data_file("moodle_core/questions.gift.txt").read_bytes())

    assert result.ok, messages(result)
    assert [d.kind for d in result.drafts] == [
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        *[QuestionKind.TRUE_FALSE] * 3,
    ]
    assert [s.name for s in result.skipped] == ["Q8", "Moodle activities", "Q5", "Shortanswer"]
    # Moodle's own test expects feedbacktrue "42 is the Ultimate Answer." for this FALSE question.
    true_false = result.drafts[2]
    assert [(o.text, o.correct, o.rationale) for o in true_false.options] == [
        ("True", False, "42 is the Ultimate Answer."),
        ("False", True, "You gave the right answer."),
    ]
    assert true_false.explanation.startswith("This is, of course, a Hitchiker's Guide")
    colours = result.drafts[1]
    assert [o.correct for o in colours.options] == [True, False, True, False]
    assert colours.options[1].rationale == html_to_markdown("wrong")  # [html] is taken off


def test_moodle_category_fixture_tags_the_questions_that_follow():
    result = gift.parse(data_file("moodle_core/questions_in_category.gift.txt").read_bytes())

    assert result.ok, messages(result)
    assert [d.tags for d in result.drafts] == [["Default for New Features"]] * 2
    assert [s.name for s in result.skipped] == ["Moodle activities", "Moodle user"]
    greeting = result.drafts[0]
    assert greeting.stem == html_to_markdown(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
        "<br /><br />What language is being spoken?"
    )
    assert [o.text for o in greeting.options if o.correct] == [html_to_markdown("French")]


def test_moodle_syntax_tour_imports_every_choice_question_and_skips_the_rest():
    result = gift.parse(data_file("moodle_core/gift_examples.txt").read_bytes())

    assert result.ok, messages(result)
    assert len(result.drafts) == 23
    assert len(result.skipped) == 20
    kinds = [d.kind for d in result.drafts]
    assert kinds.count(QuestionKind.TRUE_FALSE) == 5
    assert kinds.count(QuestionKind.MULTIPLE) == 2
    reasons = {s.reason for s in result.skipped}
    assert reasons == {gift.SKIP_REASONS[k] for k in ("short answer", "numerical", "matching")}
    assert len(result.warnings) == 3  # partial credit dropped from three single-answer questions


def test_multiple_choice_marks_the_equals_answer_right_and_keeps_feedback():
    draft = only_draft(
        "::Tomb::Who is buried in Grant's tomb?{\n"
        "  ~Grant#He is entombed, not buried.\n"
        "  =No one#Right.\n"
        "  ~Jefferson\n"
        "  ####Entombed is not buried.\n"
        "}"
    )

    assert draft.kind == QuestionKind.SINGLE
    assert draft.stem == "Who is buried in Grant's tomb?"
    assert [(o.text, o.correct, o.rationale) for o in draft.options] == [
        ("Grant", False, "He is entombed, not buried."),
        ("No one", True, "Right."),
        ("Jefferson", False, ""),
    ]
    assert draft.explanation == "Entombed is not buried."
    assert draft.location == 'line 1 (question "Tomb")'


def test_weighted_answers_without_equals_make_a_select_all_question():
    draft = only_draft("Which are beta-lactams?{~%50%Penicillin ~%50%Cefazolin ~%-100%Vancomycin}")

    assert draft.kind == QuestionKind.MULTIPLE
    assert [o.correct for o in draft.options] == [True, True, False]


def test_one_full_weight_without_equals_is_a_single_answer_question():
    draft = only_draft("First-line for anaphylaxis?{~%100%Adrenaline ~Antihistamine ~Steroid}")

    assert draft.kind == QuestionKind.SINGLE
    assert [o.correct for o in draft.options] == [True, False, False]


def test_partial_credit_in_a_single_answer_question_counts_as_wrong_with_a_warning():
    result = parse("Jesus was from {~Jerusalem ~%50%Galilee =Nazareth}.")

    (draft,) = result.drafts
    assert draft.kind == QuestionKind.SINGLE
    assert [o.correct for o in draft.options] == [False, False, True]
    assert [str(w) for w in result.warnings] == [
        'line 1: qbank gives no partial credit, so "Galilee" will count as wrong. Mark an '
        "answer with = if it is fully right."
    ]


def test_several_equals_answers_make_a_select_all_question_with_a_warning():
    result = parse("Seasons\\:{=spring =summer ~easter}")

    (draft,) = result.drafts
    assert draft.kind == QuestionKind.MULTIPLE
    assert [o.correct for o in draft.options] == [True, True, False]
    assert "2 answers are fully right" in str(result.warnings[0])


@pytest.mark.parametrize(
    ("answer", "is_true"),
    [("T", True), ("TRUE", True), ("F", False), ("FALSE", False), ("true", True)],
)
def test_true_false_answers_become_true_and_false_options(answer, is_true):
    draft = only_draft(f"The sun rises in the east.{{{answer}}}")

    assert draft.kind == QuestionKind.TRUE_FALSE
    assert [(o.text, o.correct) for o in draft.options] == [
        ("True", is_true),
        ("False", not is_true),
    ]


@pytest.mark.parametrize(
    ("text", "rationales"),
    [
        ("Aspirin inhibits COX.{T#Wrong: it does.#Right.}", ["Right.", "Wrong: it does."]),
        ("Aspirin inhibits ACE.{F#Wrong: it does not.#Right.}", ["Wrong: it does not.", "Right."]),
    ],
)
def test_true_false_feedback_goes_to_the_option_it_answers(text, rationales):
    # Moodle's reading: the first feedback is for a wrong pick, the second for a right one.
    draft = only_draft(text)

    assert [o.rationale for o in draft.options] == rationales


def test_id_and_tag_comments_become_the_external_id_and_tags():
    draft = only_draft(
        "// [id:cardio-7]\n// [tag:Step 1] [tag:Pharmacology]\nDigoxin acts on?{=Na/K ATPase ~ACE}"
    )

    assert draft.external_id == "cardio-7"
    assert draft.tags == ["Step 1", "Pharmacology"]


def test_categories_tag_the_questions_that_follow_until_the_next_category():
    result = parse(
        "$CATEGORY: $course$/top/Cardiology/Arrhythmia\n\n"
        "// [tag:Step 1]\n"
        "AF rate control?{=Bisoprolol ~Adenosine}\n\n"
        "$CATEGORY: $system$/Renal//Urology\n\n"
        "Stone type?{=Calcium oxalate ~Cystine}\n\n"
        "$CATEGORY: $course$/top\n\n"
        "Untagged?{T}"
    )

    assert [d.tags for d in result.drafts] == [
        ["Cardiology::Arrhythmia", "Step 1"],
        ["Renal/Urology"],
        [],
    ]


def test_escaped_control_characters_are_text():
    draft = only_draft(
        "Which holds \\{ \\} \\~ \\= \\# \\: and \\\\?{=all\\: \\=\\~\\#\\{\\} ~none\\\\}"
    )

    assert shown_draft_text(draft.stem) == "Which holds { } ~ = # : and \\?"
    assert [shown_draft_text(o.text) for o in draft.options] == ["all: =~#{}", "none\\"]


def test_backslash_n_is_a_line_break():
    draft = only_draft("[html]First line\\nsecond line{=a ~b}")

    assert draft.stem == html_to_markdown("First line\nsecond line")


@pytest.mark.parametrize(
    ("marker", "shown_html"),
    [
        # HTML, and Moodle's format when the text has markup: tags work, asterisks are text.
        ("[html]", "<div><b>Bold</b> *not emphasis*?</div>"),
        ("[moodle]", "<div><b>Bold</b> *not emphasis*?</div>"),
        ("", "<div><b>Bold</b> *not emphasis*?</div>"),
        ("[markdown]", "<p><b>Bold</b> <em>not emphasis</em>?</p>"),
        ("[plain]", "<p>&lt;b&gt;Bold&lt;/b&gt; *not emphasis*?</p>"),
    ],
)
def test_format_markers_decide_whether_markup_is_kept(marker, shown_html):
    draft = only_draft(f"{marker}<b>Bold</b> *not emphasis*?{{=a ~b}}")

    assert render(draft.stem).strip() == shown_html


def test_moodle_format_text_without_markup_shows_literally():
    draft = only_draft("Is 2*3*4 = 24 in _all_ cases?{=yes ~[markdown]*no*}")

    assert draft.stem == plain_to_markdown("Is 2*3*4 = 24 in _all_ cases?")
    assert [o.text for o in draft.options] == ["yes", "*no*"]


def test_indented_plain_text_does_not_turn_into_a_code_block():
    draft = only_draft("Sum?{=two#Because\\n\\n    1+1 \\= 2 ~three}")

    assert "<pre>" not in render(draft.options[0].rationale)
    assert shown_draft_text(draft.options[0].rationale) == "Because 1+1 = 2"


def test_answers_take_the_question_format_unless_marked():
    draft = only_draft("[html]<p>Rises?</p>{=<i>East</i># [plain]<i>yes</i> ~[plain]<i>West</i>}")

    assert [(o.text, o.rationale) for o in draft.options] == [
        (html_to_markdown("<i>East</i>"), "\\<i\\>yes\\</i\\>"),
        ("\\<i\\>West\\</i\\>", ""),
    ]


def test_answers_in_mid_sentence_leave_a_blank_in_the_stem():
    draft = only_draft("Grant is {~buried =entombed ~living} in Grant's tomb.")

    assert draft.kind == QuestionKind.SINGLE
    assert shown_draft_text(draft.stem) == "Grant is _____ in Grant's tomb."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("How are you?{}", "essay"),
        ("Who is buried there?{=no one =nobody}", "short answer"),
        ("Grant was born in?{#1822:1}", "numerical"),
        ("Match them.{=Canada -> Ottawa =Italy -> Rome}", "matching"),
        ("::Intro::Read the case below.", "description"),
    ],
)
def test_question_types_without_choices_are_skipped_with_the_reason(text, kind):
    result = parse(f"{text}\n\nStill read?{{T}}")

    assert result.ok, messages(result)
    assert len(result.drafts) == 1
    (skipped,) = result.skipped
    assert skipped.location.startswith("line 1")
    assert skipped.reason == gift.SKIP_REASONS[kind]


def test_a_file_of_only_unsupported_questions_says_nothing_can_be_imported():
    result = parse("How are you?{}\n\nGrant was born in?{#1822}")

    assert not result.ok
    assert messages(result) == [
        "quiz.gift: none of its questions can be imported: qbank imports multiple choice and "
        "true/false questions. Add some, or choose another file."
    ]


def test_a_byte_order_mark_and_windows_line_endings_are_read():
    result = gift.parse(codecs.BOM_UTF8 + b"One?{=a ~b}\r\n\r\nTwo?{T}\r\n", "quiz.gift")

    assert result.ok, messages(result)
    assert [d.location for d in result.drafts] == ["line 1", "line 3"]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"// a comment\n::Q1::Who?{=a ~b}", "export.txt"),
        (b"$CATEGORY: $course$/top/Cardio\n", "export.txt"),
        (b"Sky is blue.{T}", "export.txt"),
        (b"anything", "quiz.GIFT"),
    ],
)
def test_sniff_recognises_gift(data, filename):
    assert gift.sniff(data, filename)


@pytest.mark.parametrize(
    "data",
    [b'{"format": "qbank"}', b"stem,A,B,C,D,answer\n", b"<?xml version='1.0'?><quiz/>", b""],
)
def test_sniff_leaves_other_formats_alone(data):
    assert not gift.sniff(data, "upload.txt")


# Hostile and broken files: each problem is located and blocks the import.


def test_a_latin_1_file_is_refused_with_the_line_and_byte():
    result = gift.parse("Première?{=oui ~non}".encode("latin-1"), "quiz.gift")

    assert result.drafts == []
    assert messages(result) == [
        "line 1: the byte at offset 5 is not UTF-8. Save the file as UTF-8."
    ]


def test_a_utf_16_file_is_refused():
    result = gift.parse("Q?{=a ~b}".encode("utf-16"), "quiz.gift")

    assert messages(result) == ["quiz.gift: the file is saved as UTF-16. Save the file as UTF-8."]


def test_an_unclosed_answer_block_is_located_and_the_next_question_still_read():
    result = parse("One?{=a ~b}\n\n::Two::Second?{=a\n~b\n\nThree?{=x ~y ~z}")

    assert messages(result) == [
        'line 3 (question "Two"): the answers that open with { here have no closing }. '
        "Add } after the last one."
    ]
    assert [len(d.options) for d in result.drafts] == [2, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Oops } here?{=a ~b}", "line 1: there is a } before any {."),
        ("Nested?{=a {~b}", "line 1: the answers that open with { here are not closed"),
        ("Two sets?{=a ~b} and {=c ~d}", "line 1: there is a { after the answers."),
        ("::Title without end\nQ?{=a ~b}", "line 1: the title has no closing ::."),
        ("Q?{stray ~a =b}", 'line 1: "stray" comes before the first answer.'),
        ("Q?{~%abc%a =b}", "line 1: the weight %abc% is not a number."),
        ("Q?{~%150%a =b}", "line 1: the weight %150% is out of range."),
    ],
)
def test_broken_syntax_is_located_and_explained(text, message):
    result = parse(text)

    assert not result.ok
    assert result.drafts == []
    assert messages(result)[0].startswith(message)


def test_a_question_with_no_right_answer_is_an_error():
    result = parse("// filler\n\n::Grant's tomb::Who is buried there?{~Grant ~Jefferson}")

    assert not result.ok
    assert messages(result) == [
        'line 3 (question "Grant\'s tomb"): no option is marked correct. Mark one as correct.'
    ]


def test_duplicate_options_are_an_error():
    result = parse("Which?{=Aspirin ~aspirin ~Heparin}")

    assert messages(result) == ["line 1: two options have the same text. Make each different."]


def test_a_reused_id_is_an_error():
    result = parse("// [id:q1]\nOne?{=a ~b}\n\n// [id:q1]\nTwo?{=c ~d}")

    assert messages(result) == ['line 5: the id "q1" is also used at line 2. Make each id unique.']


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"  \n\r\n\t\n"])
def test_an_empty_file_is_refused(data):
    result = gift.parse(data, "quiz.gift")

    assert messages(result) == [
        "quiz.gift: the file is empty. Choose the file with your questions."
    ]


def test_a_file_of_only_comments_and_categories_has_no_questions():
    result = parse("// exported from Moodle\n// nothing here\n\n$CATEGORY: $course$/top/Empty\n")

    assert not result.ok
    assert messages(result)[0].startswith("quiz.gift: there are no questions in this file.")


def test_markup_and_scripts_in_every_field_are_kept_for_the_renderer_to_sanitize():
    script = "<script>alert(1)</script>"
    result = parse(
        f"// [id:{script}] [tag:{script}]\n"
        f"::{script}::{script}<b>Stem</b>{{\n"
        '=<img src\\=x onerror\\="alert(1)">Right#' + script + "why\n"
        f"~{script}Wrong\n"
        f"####{script}<i>Because</i>\n"
        "}"
    )

    (draft,) = result.drafts
    assert draft.stem == html_to_markdown(f"{script}<b>Stem</b>")
    assert draft.options[0].text == html_to_markdown('<img src=x onerror="alert(1)">Right')
    assert draft.options[0].rationale == html_to_markdown(f"{script}why")
    assert draft.options[1].text == html_to_markdown(f"{script}Wrong")
    assert draft.explanation == html_to_markdown(f"{script}<i>Because</i>")
    assert draft.external_id == script
    assert draft.tags == [script]
    fields = [draft.stem, draft.explanation, *(o.text for o in draft.options)]
    for text in [*fields, draft.options[0].rationale]:
        assert "alert" not in render(text)


def test_five_thousand_questions_parse_quickly():
    questions = [
        f"// [id:q{n}] [tag:Batch {n % 7}]\n"
        f"::Question {n}::Which dose for patient {n}?{{\n"
        f"  =Dose {n} mg#Right for {n}.\n  ~Dose {n + 1} mg\n  ~%-50%Dose {n + 2} mg\n"
        f"  ####Explained {n}.\n}}"
        for n in range(5000)
    ]
    data = ("$CATEGORY: $course$/top/Load\n\n" + "\n\n".join(questions)).encode("utf-8")

    started = time.perf_counter()
    result = gift.parse(data, "big.gift")
    elapsed = time.perf_counter() - started

    assert result.ok, messages(result)[:3]
    assert len(result.drafts) == 5000
    assert result.drafts[-1].location == f'line {4 + 8 * 4999} (question "Question 4999")'
    assert elapsed < 10, f"5,000 questions took {elapsed:.1f}s"  # about 0.3s when healthy


gift_text = st.text(
    alphabet=st.sampled_from(list("{}~=#:\\%[]/$->TFab \n")) | st.characters(codec="utf-8"),
    max_size=200,
)


@settings(deadline=None)
@given(gift_text)
def test_any_text_parses_without_raising_and_every_problem_is_located(text):
    result = parse(text)

    assert all(problem.location for problem in result.problems)
    located = [d.location for d in result.drafts] + [s.location for s in result.skipped]
    assert all(location.startswith("line ") for location in located)


@given(st.binary(max_size=200))
def test_any_bytes_parse_without_raising(data):
    result = gift.parse(data, "upload.bin")

    assert all(problem.location for problem in result.problems)


def escaped(text):
    return re.sub(r"([\\~=#{}:])", r"\\\1", text)


plain_line = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=1, max_size=60
).filter(lambda t: t.strip() and not re.match(r"\s*(%[^%\s]*%|\[[a-z]+\])", t))


@given(stem=plain_line, right=plain_line, wrong=plain_line)
def test_any_escaped_plain_text_comes_back_as_written(stem, right, wrong):
    assume(right.strip().lower() != wrong.strip().lower())
    draft = only_draft(f"[plain]{escaped(stem)}{{={escaped(right)} ~{escaped(wrong)}}}")

    assert draft.stem == plain_to_markdown(stem.strip())
    assert [o.text for o in draft.options] == [
        plain_to_markdown(right.strip()),
        plain_to_markdown(wrong.strip()),
    ]
