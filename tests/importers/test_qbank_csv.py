import codecs
import csv
import dataclasses
import io
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbank.importers import qbank_csv
from qbank.importers.drafts import OPTION_KEYS, OptionDraft, QuestionDraft
from qbank.models import QuestionKind

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
MEDQA_COUNT = 1273
MMLU_COUNT = 1571


def data_file(relative):
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared test data is not checked out here)")
    return path


def csv_bytes(rows, delimiter=",", bom=False):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (codecs.BOM_UTF8 if bom else b"") + out.getvalue().encode("utf-8")


def without_locations(drafts):
    return [dataclasses.replace(draft, location="") for draft in drafts]


def errors(result):
    return [str(problem) for problem in result.errors]


def single(stem, texts, answer):
    return QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem=stem,
        options=[
            OptionDraft(text, correct=key == answer)
            for key, text in zip(OPTION_KEYS, texts, strict=False)
        ],
    )


def medqa_drafts():
    path = data_file("medqa_us/test_4options.jsonl")
    with path.open(encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines if line.strip()]
    return [
        single(item["question"], [item["options"][k] for k in "ABCD"], item["answer_idx"])
        for item in items
    ]


def mmlu_drafts():
    paths = sorted(data_file("mmlu_medical").glob("*.csv"))
    drafts = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as file:
            drafts += [single(row[0], row[1:5], row[5]) for row in csv.reader(file)]
    return drafts


def spreadsheet_rows(drafts):
    """The drafts as a person might lay them out: columns in their own order and case."""
    header = [" Answer", "STEM", "Option_A", "option_b ", "option_c", "option_d"]
    body = [
        [
            next(k for k, o in zip(OPTION_KEYS, d.options, strict=True) if o.correct),
            d.stem,
            *[o.text for o in d.options],
        ]
        for d in drafts
    ]
    return [header, *body]


# --- real questions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "count"),
    [(medqa_drafts, MEDQA_COUNT), (mmlu_drafts, MMLU_COUNT)],
    ids=["medqa", "mmlu"],
)
def test_real_questions_survive_write_and_parse_unchanged(load, count):
    drafts = load()
    result = qbank_csv.parse(qbank_csv.write(drafts))
    assert result.problems == []
    assert len(result.drafts) == count
    assert without_locations(result.drafts) == drafts


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
@pytest.mark.parametrize(
    ("load", "count"),
    [(medqa_drafts, MEDQA_COUNT), (mmlu_drafts, MMLU_COUNT)],
    ids=["medqa", "mmlu"],
)
def test_real_questions_read_from_semicolon_and_tab_spreadsheets(load, count, delimiter):
    drafts = load()
    data = csv_bytes(spreadsheet_rows(drafts), delimiter=delimiter, bom=True)
    result = qbank_csv.parse(data)
    assert result.problems == []
    assert len(result.drafts) == count
    for index in range(0, count, 97):
        parsed, source = result.drafts[index], drafts[index]
        assert parsed.stem == source.stem
        assert [o.text for o in parsed.options] == [o.text for o in source.options]
        assert [o.correct for o in parsed.options] == [o.correct for o in source.options]
        assert parsed.kind == QuestionKind.SINGLE
        assert parsed.location == f"row {index + 2}"


def test_rows_are_counted_like_a_spreadsheet_when_cells_hold_several_lines():
    path = data_file("mmlu_medical/nutrition_test.csv")
    with path.open(encoding="utf-8", newline="") as file:
        source = list(itertools.islice(csv.reader(file), 3))
    assert all("\n" in row[0] for row in source)  # the point of this file
    rows = [["stem", "option_a", "option_b", "option_c", "option_d", "answer"], *source]
    rows[3] = [*rows[3][:5], "K"]  # the third question gets an impossible answer
    result = qbank_csv.parse(csv_bytes(rows))
    assert [p.location for p in result.errors] == ["row 4, answer"]


# --- round trip ----------------------------------------------------------------------

VARIETY = [
    QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem='A 5-year-old has a "barking" cough, stridor; fever of 38.5 °C.\n\nNext step?',
        options=[
            OptionDraft("Oral dexamethasone", correct=True, rationale="First line, even if mild."),
            OptionDraft("Nebulised salbutamol, then review", rationale="Wheeze, not stridor."),
            OptionDraft("Intravenous ceftriaxone"),
        ],
        explanation="Croup: *parainfluenza*.\n\n| score | action |\n|---|---|\n| 1 | home |",
        reference="NICE CKS: Croup (2023)",
        tags=["Paediatrics::Respiratory::Croup", "Emergency medicine"],
        external_id="peds-croup-17",
    ),
    QuestionDraft(
        kind=QuestionKind.MULTIPLE,
        stem="Which drugs prolong the QT interval? `Select all`",
        options=[
            OptionDraft("Amiodarone", correct=True),
            OptionDraft("Clarithromycin", correct=True, rationale="A macrolide; see 'torsades'."),
            OptionDraft("Paracetamol"),
            OptionDraft("Haloperidol", correct=True),
        ],
        tags=["Pharmacology"],
    ),
    QuestionDraft(
        kind=QuestionKind.TRUE_FALSE,
        stem="Metformin is contraindicated when eGFR < 30 mL/min/1.73 m².",
        options=[OptionDraft("True", correct=True), OptionDraft("False")],
        explanation="Lactic acidosis risk.",
    ),
    QuestionDraft(
        kind=QuestionKind.TRUE_FALSE,
        stem="Ça va? Der Patient ist müde. 患者は疲れている。",
        options=[OptionDraft("Vrai"), OptionDraft("Faux", correct=True, rationale="Non.")],
    ),
    QuestionDraft(
        kind=QuestionKind.FLASHCARD,
        stem="Normal adult serum potassium?",
        explanation="3.5-5.0 mmol/L",
        tags=["Renal::Electrolytes"],
        external_id="k-range",
    ),
    QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem='=HYPERLINK("http://example.org","click") is text, not a formula',
        options=[
            OptionDraft("-5 mmHg", correct=True),
            OptionDraft("+5 mmHg"),
            OptionDraft("@home"),
            OptionDraft("'=quoted"),
        ],
        explanation="  leading and trailing spaces stay  ",
    ),
    QuestionDraft(
        kind=QuestionKind.MULTIPLE,
        stem="Ten options, all of them rationalised",
        options=[
            OptionDraft(f"Option {k}, with a comma", correct=k in "AJ", rationale=f"Why {k}")
            for k in OPTION_KEYS
        ],
    ),
]


def test_every_kind_of_question_survives_write_and_parse():
    result = qbank_csv.parse(qbank_csv.write(VARIETY))
    assert result.problems == []
    assert without_locations(result.drafts) == VARIETY
    assert [d.location for d in result.drafts] == [f"row {n}" for n in range(2, 9)]


markdown_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=80
)


@given(stem=markdown_text.filter(str.strip), explanation=markdown_text, rationale=markdown_text)
def test_any_text_survives_write_and_parse(stem, explanation, rationale):
    draft = QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem=stem,
        options=[OptionDraft("yes", correct=True, rationale=rationale), OptionDraft("no")],
        explanation=explanation,
    )
    result = qbank_csv.parse(qbank_csv.write([draft]))
    assert without_locations(result.drafts) == [draft]


def test_writer_protects_excel_from_formulas_in_cells():
    text = qbank_csv.write(VARIETY[5:6]).decode("utf-8-sig")
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row[1].startswith("'=HYPERLINK")
    assert row[2:6] == ["'-5 mmHg", "'+5 mmHg", "'@home", "''=quoted"]


def test_writer_refuses_more_options_than_the_columns_hold():
    draft = QuestionDraft(
        kind=QuestionKind.MULTIPLE,
        stem="Too many",
        options=[OptionDraft(f"choice {n}", correct=True) for n in range(11)],
    )
    with pytest.raises(ValueError, match="11 options"):
        qbank_csv.write([draft])


def test_written_file_opens_in_excel_as_utf8_with_the_template_header():
    data = qbank_csv.write(VARIETY[:1])
    assert data.startswith(codecs.BOM_UTF8)
    first_line = data[3:].split(b"\r\n")[0].decode()
    assert first_line.split(",") == qbank_csv.COLUMNS


# --- the template --------------------------------------------------------------------


def test_template_parses_into_one_question_of_each_documented_kind():
    result = qbank_csv.parse(qbank_csv.template())
    assert result.problems == []
    assert [d.kind for d in result.drafts] == [
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.FLASHCARD,
    ]
    assert all(d.explanation and d.tags and d.reference for d in result.drafts)
    assert all(o.rationale for d in result.drafts for o in d.options)


# --- reading what people write -------------------------------------------------------

HEADER = ["stem", "option_a", "option_b", "option_c", "option_d", "answer"]


def test_excel_file_with_bom_semicolons_and_crlf_is_read():
    data = codecs.BOM_UTF8 + (
        b"Stem;Option_A;Option_B;Answer;Tags;Explanation\r\n"
        b'"Which nerve supplies\r\ndeltoid?";Axillary;Radial;A;'
        b'Anatomy::Upper limb | MSK;"Line 1\r\nLine 2"\r\n'
        b";;;;;\r\n"
        b"Which artery is a branch of the external carotid?;Facial;Ophthalmic;a;;\r\n"
    )
    result = qbank_csv.parse(data)
    assert result.problems == []
    first, second = result.drafts
    assert first.stem == "Which nerve supplies\ndeltoid?"
    assert first.explanation == "Line 1\nLine 2"
    assert first.tags == ["Anatomy::Upper limb", "MSK"]
    assert [o.correct for o in first.options] == [True, False]
    assert second.location == "row 4"
    assert second.options[0].correct


def test_delimiter_comes_from_the_header_line_not_from_the_cells_below_it():
    data = (
        b"stem,option_a,option_b,answer,tags\r\n"
        b"Q?,Na;K;Ca,Cl;HCO3;PO4,A,Renal;Electrolytes;Sodium;Potassium;Chloride;Calcium;Phosphate\r\n"
    )
    result = qbank_csv.parse(data)
    assert result.problems == []
    assert [o.text for o in result.drafts[0].options] == ["Na;K;Ca", "Cl;HCO3;PO4"]
    assert result.drafts[0].tags == [
        "Renal",
        "Electrolytes",
        "Sodium",
        "Potassium",
        "Chloride",
        "Calcium",
        "Phosphate",
    ]


def test_answer_letters_may_be_written_several_ways():
    rows = [["kind", *HEADER]]
    for answer in ["A,C", "a c", "AC", "A; C", " c | a "]:
        rows.append(
            [
                "multiple",
                "Which are beta blockers?",
                "Atenolol",
                "Amlodipine",
                "Bisoprolol",
                "Ramipril",
                answer,
            ]
        )
    result = qbank_csv.parse(csv_bytes(rows))
    assert result.problems == []
    assert {tuple(o.correct for o in d.options) for d in result.drafts} == {
        (True, False, True, False)
    }


def test_empty_kind_means_single_or_flashcard_when_there_are_no_options():
    rows = [
        ["kind", "stem", "option_a", "option_b", "answer", "explanation"],
        ["", "Drug of choice for absence seizures?", "Ethosuximide", "Carbamazepine", "A", ""],
        ["", "Antidote to paracetamol?", "", "", "", "Acetylcysteine"],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert result.problems == []
    assert [d.kind for d in result.drafts] == [QuestionKind.SINGLE, QuestionKind.FLASHCARD]
    assert result.drafts[1].explanation == "Acetylcysteine"


def test_true_false_options_may_be_left_empty_and_answered_in_words():
    rows = [
        ["kind", "stem", "option_a", "option_b", "answer"],
        ["truefalse", "Aspirin is safe in children under 16.", "", "", "false"],
        ["TrueFalse", "Vitamin K is fat-soluble.", "", "", "A"],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert result.problems == []
    assert [[(o.text, o.correct) for o in d.options] for d in result.drafts] == [
        [("True", False), ("False", True)],
        [("True", True), ("False", False)],
    ]


def test_header_names_ignore_case_spaces_and_order():
    rows = [
        [" ANSWER ", "Option A", "Option B", " Stem", "External ID"],
        ["B", "No", "Yes", "Q?", " x1 "],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert result.problems == []
    assert result.drafts[0].options[1].correct
    assert result.drafts[0].external_id == "x1"


def test_html_and_script_in_every_text_cell_are_kept_for_the_renderer_to_sanitize():
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    rows = [
        [
            "stem",
            "option_a",
            "option_b",
            "answer",
            "explanation",
            "rationale_a",
            "rationale_b",
            "reference",
            "tags",
            "external_id",
        ],
        [
            f"<b>Stem</b>{script}",
            f"A{script}",
            f"B{script}",
            "A",
            script,
            script,
            script,
            script,
            script,
            script,
        ],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert result.problems == []
    draft = result.drafts[0]
    assert draft.stem == f"<b>Stem</b>{script}"
    assert [o.text for o in draft.options] == [f"A{script}", f"B{script}"]
    assert draft.explanation == draft.reference == draft.external_id == script
    assert [o.rationale for o in draft.options] == [script, script]
    assert draft.tags == [script]


def test_blank_rows_are_skipped_without_a_word_and_rows_keep_their_numbers():
    rows = [HEADER, [], ["", " ", "", "", "", ""], ["Q?", "Yes", "No", "", "", "Z"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert [str(p) for p in result.problems] == [
        'row 4, answer: "Z" is not an option letter. Write the letter of the right option, '
        'such as "B", or letters such as "A,C" for a multiple-response question.'
    ]


def test_trailing_empty_cells_are_not_a_ragged_row():
    data = b"stem,option_a,option_b,answer,,\r\nQ?,Yes,No,A,,,,\r\n"
    result = qbank_csv.parse(data)
    assert result.problems == []


def test_unknown_columns_get_one_warning_and_the_rest_is_read():
    rows = [
        ["stem", "notes", "option_a", "", "option_b", "difficulty", "answer"],
        ["Q?", "n", "Yes", "", "No", "3", "A"],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert result.ok
    assert [str(p) for p in result.warnings] == [
        'row 1: the columns "notes", 4 (no name) and "difficulty" are not qbank columns, so '
        "they were left out. If they should be read, give them names from the template."
    ]
    assert len(result.drafts) == 1


def test_sniff_knows_the_file_by_name_or_by_a_stem_header():
    assert qbank_csv.sniff(b"", "Cardiology.CSV")
    assert qbank_csv.sniff(b"", "bank.tsv")
    assert qbank_csv.sniff(b"\xef\xbb\xbfKind;Stem;Option_A\r\n", "export.txt")
    assert qbank_csv.sniff(qbank_csv.template(), "download")
    assert not qbank_csv.sniff(b'{"format": "qbank"}', "bank.json")
    assert not qbank_csv.sniff(b"question,A,B,C,D,answer\n", "bank.txt")


def test_sniff_leaves_anki_text_exports_alone():
    data = data_file("anki/ankitects_text-2fields.txt").read_bytes()
    assert not qbank_csv.sniff(data, "ankitects_text-2fields.txt")


# --- broken and hostile files --------------------------------------------------------


def test_windows_1252_file_is_refused_at_the_row_and_byte_of_the_first_bad_character():
    data = b"stem,option_a,option_b,answer\r\nQ?,Yes,No,A\r\n" + (
        "Caf\u00e9 coronary?,Yes,No,A\r\n".encode("cp1252")
    )
    result = qbank_csv.parse(data)
    offset = data.index(b"\xe9")
    assert errors(result) == [
        f"row 3: byte {offset} of the file is not UTF-8 text. Save the file as 'CSV UTF-8' "
        "and upload it again."
    ]
    assert result.drafts == []


def test_bad_byte_inside_a_cell_of_several_lines_names_the_row_not_the_line():
    data = (
        codecs.BOM_UTF8
        + b'stem,option_a,option_b,answer\r\n"one\r\ntwo\r\nthree \x96",Yes,No,A\r\n'
    )
    result = qbank_csv.parse(data)
    offset = data.index(b"\x96")
    assert [(p.location, f"byte {offset} " in p.message) for p in result.errors] == [
        ("row 2", True)
    ]


def test_excel_workbook_is_refused_with_how_to_save_as_csv():
    result = qbank_csv.parse(b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), source="bank.xlsx")
    assert errors(result) == [
        "bank.xlsx: this is an Excel workbook, not a CSV file. Save the file as 'CSV UTF-8' "
        "and upload it again."
    ]


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"\r\n\r\n", b",,,\r\n , ,\r\n"])
def test_empty_file_is_refused(data):
    result = qbank_csv.parse(data, source="empty.csv")
    assert errors(result) == [
        "empty.csv: the file is empty. Download the template, write one question per row "
        "and upload it again."
    ]


def test_file_with_only_a_header_is_refused():
    result = qbank_csv.parse(codecs.BOM_UTF8 + ",".join(qbank_csv.COLUMNS).encode() + b"\r\n")
    assert errors(result) == [
        "file: there are no questions under the header. Write one question per row and "
        "upload it again."
    ]


def test_header_without_stem_is_refused_listing_the_columns():
    rows = [["question", "option_a", "option_b", "answer"], ["Q?", "Yes", "No", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 1: the header has no stem column. The first row must name the columns: kind, "
        "stem, option_a … option_j, answer, explanation, rationale_a … rationale_j, tags, "
        "reference, external_id. Start from the template to get them right."
    ]
    assert result.drafts == []


def test_column_named_twice_is_refused():
    rows = [["stem", "option_a", "Option_A", "answer"], ["Q?", "Yes", "No", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == ["row 1: the column option_a appears twice. Keep one of them."]


@pytest.mark.parametrize("name", ["ankitects_text-2fields.txt", "ankitects_text-tags.txt"])
def test_anki_text_export_is_refused_as_having_no_header(name):
    result = qbank_csv.parse(data_file(f"anki/{name}").read_bytes(), source=name)
    assert len(result.problems) == 1
    assert str(result.problems[0]).startswith(
        "row 1: this is not a header row: it names none of the qbank columns. "
        "The first row must name the columns: kind, stem,"
    )


def test_ragged_row_is_refused_with_the_cell_counts():
    rows = [HEADER, ["Q?", "Yes", "No", "", "", "A"], ["Dose 0.5", "mg", "Yes", "No", "", "", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 3: it has 7 cells but the header has 6 columns. Put quotes around any cell "
        "that holds a comma, or delete the extra cells."
    ]
    assert len(result.drafts) == 1


def test_no_correct_option_says_to_fill_the_answer_column():
    rows = [HEADER, ["Q?", "Yes", "No", "", "", ""]] + [["Q?", "Yes", "No", "", "", "A"]] * 12
    rows.append(
        [
            "Which is the commonest cause of community-acquired pneumonia?",
            "S. pneumoniae",
            "H. influenzae",
            "",
            "",
            " ",
        ]
    )
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 2: no option is marked correct. Put the letter of the right option in the "
        "answer column.",
        "row 15: no option is marked correct. Put the letter of the right option in the "
        "answer column.",
    ]


def test_answer_letter_for_an_empty_option_is_refused_once():
    rows = [HEADER, ["Q?", "Yes", "No", "", "", "D"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 2, answer: the answer is D but option_d is empty. Write option D or change the answer."
    ]


def test_gap_between_options_is_refused_at_the_empty_option():
    rows = [HEADER, ["Q?", "Yes", "No", "", "Maybe", "D"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 2, option_c: option_c is empty but a later option is filled. Move the options "
        "up so that there is no gap."
    ]
    assert result.drafts[0].options[2].correct  # D's text stays marked correct, not C's


def test_rationale_for_a_missing_option_is_refused():
    rows = [[*HEADER, "rationale_e"], ["Q?", "Yes", "No", "", "", "A", "Because"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 2, rationale_e: there is a rationale for option E, but option_e is empty. "
        "Write the option or delete the rationale."
    ]


def test_duplicate_options_are_refused():
    rows = [HEADER, ["Q?", "Furosemide", "Bendroflumethiazide", " furosemide ", "", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == ["row 2: two options have the same text. Make each different."]


def test_unknown_kind_is_refused():
    rows = [["kind", *HEADER], ["mcq", "Q?", "Yes", "No", "", "", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        'row 2, kind: "mcq" is not a kind. Write single, multiple, truefalse or flashcard, '
        "or leave it empty for single."
    ]


def test_several_answers_to_a_single_best_answer_question_are_refused():
    rows = [HEADER, ["Q?", "Yes", "No", "", "", "A,B"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert [p.location for p in result.errors] == ["row 2"]
    assert "2 options are marked correct" in result.errors[0].message


def test_flashcard_with_options_or_answer_says_which_columns_to_empty():
    rows = [
        ["kind", "stem", "option_a", "answer", "explanation"],
        ["flashcard", "Q?", "Yes", "", "Back"],
        ["flashcard", "Q?", "", "A", "Back"],
        ["flashcard", "Q?", "", "", ""],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 2: a flashcard has no options. Empty its option columns, or set its kind to single.",
        "row 3, answer: a flashcard has no answer letter. Write the back of the card in the "
        "explanation column and empty the answer cell.",
        "row 4: the back of the flashcard is empty. Write it in the explanation column.",
    ]


def test_true_false_answer_in_words_must_match_an_option():
    rows = [
        ["kind", "stem", "option_a", "option_b", "answer"],
        ["truefalse", "Is the spleen palpable in health?", "Yes", "No", "True"],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        'row 2, answer: the answer is "True" but no option says True. Write the letter of '
        "the right option, A or B."
    ]


def test_a_huge_cell_quoted_in_a_message_is_cut_short():
    rows = [HEADER, ["Q?", "Yes", "No", "", "", "Z" * 5_000]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert [p.location for p in result.errors] == ["row 2, answer"]
    assert len(result.errors[0].message) < 200


def test_external_id_used_twice_is_refused():
    rows = [
        [*HEADER, "external_id"],
        ["Q1", "Yes", "No", "", "", "A", "id-1"],
        ["Q2", "Yes", "No", "", "", "A", "id-1"],
    ]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        'row 3, external_id: external id "id-1" is also used by row 2. Make each id unique.'
    ]


def test_quote_never_closed_is_refused_at_the_row_it_opens():
    data = b'stem,option_a,option_b,answer\r\nQ?,Yes,No,A\r\n"Q2,Yes,No,A\r\nQ3,Yes,No,A\r\n'
    result = qbank_csv.parse(data)
    assert [p.location for p in result.errors] == ["row 3"]
    assert "never closed" in result.errors[0].message


def test_text_after_a_closing_quote_is_refused():
    data = b'stem,option_a,option_b,answer\r\n"Q" extra,Yes,No,A\r\n'
    result = qbank_csv.parse(data)
    assert [p.location for p in result.errors] == ["row 2"]
    assert "after its closing quote" in result.errors[0].message


def test_cell_over_the_size_limit_is_refused_at_its_row_and_column():
    rows = [HEADER, ["Q?", "Yes", "No", "", "", "A"], ["Q?", "x" * 100_001, "No", "", "", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert errors(result) == [
        "row 3, option_a: this cell holds 100,001 characters; the limit is 100,000. Shorten it."
    ]


def test_cell_beyond_what_csv_reads_stops_the_read_without_changing_the_csv_limit():
    limit = csv.field_size_limit()
    rows = [HEADER, ["Q?", "Yes", "No", "", "", "A"], ["Q?", "x" * (limit + 1), "No", "", "", "A"]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert [p.location for p in result.errors] == ["row 3"]
    assert "longer than 100,000 characters" in result.errors[0].message
    assert csv.field_size_limit() == limit


def test_error_in_the_last_of_ten_thousand_rows_is_found_and_named():
    row = [
        "Which electrolyte disturbance causes peaked T waves?",
        "Hyperkalaemia",
        "Hypokalaemia",
        "",
        "",
        "A",
    ]
    rows = [HEADER, *[row] * 9_999, [*row[:5], ""]]
    result = qbank_csv.parse(csv_bytes(rows))
    assert not result.ok
    assert [p.location for p in result.problems] == ["row 10001"]
    assert len(result.drafts) == 10_000
