"""The Anki .apkg importer: Anki's own test decks, small decks built here, hostile files."""

from __future__ import annotations

import copy
import functools
import io
import itertools
import json
import random
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbank.importers import anki
from qbank.importers.drafts import (
    MAX_ARCHIVE_MEMBERS,
    MAX_MEDIA_FILE_BYTES,
    MEDIA_SCHEME,
    ParseResult,
    Problem,
)
from qbank.models import QuestionKind
from qbank.presentation import markup
from tests.anki_decks import (
    BASIC,
    BASIC_BACK,
    CLOZE,
    JPEG,
    PNG,
    REVERSED,
    Deck,
    Note,
    build_apkg,
    build_collection,
    note_type,
    zip_of,
)

ANKI_DECKS = Path(__file__).resolve().parents[3] / "shared" / "data" / "anki"


@pytest.fixture
def make_apkg(tmp_path: Path) -> Callable[[Deck], bytes]:
    """Return a function that writes a Deck as an .apkg in Anki's old (schema 11) layout."""
    counter = itertools.count()
    return lambda deck: build_apkg(deck, tmp_path / f"collection{next(counter)}.anki2")


def real_deck(name: str) -> ParseResult:
    path = ANKI_DECKS / name
    if not path.exists():
        pytest.skip(f"Anki's test decks are not in {ANKI_DECKS}")
    return anki.parse(path.read_bytes(), name)


def only_error(result: ParseResult) -> Problem:
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def one_card(result: ParseResult) -> tuple[str, str]:
    assert result.ok, result.errors
    assert len(result.drafts) == 1
    return result.drafts[0].stem, result.drafts[0].explanation


def texts(problems: Iterable[Problem]) -> list[str]:
    return [str(p) for p in problems]


# --- Anki's own test decks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "front", "back", "title"),
    [
        ("ankitects_diffmodels2-1.apkg", "front", "back", ""),
        ("ankitects_diffmodeltemplates-1.apkg", "question?", "answer!", "testdeck"),
        ("ankitects_update1.apkg", "hello", "world", ""),
        ("ankitects_update2.apkg", "goodbye", "world", ""),
    ],
)
def test_real_deck_becomes_a_flashcard_per_note(name, front, back, title):
    result = real_deck(name)
    assert result.ok, result.errors
    [draft] = result.drafts
    assert draft.kind == QuestionKind.FLASHCARD
    assert draft.stem == f"<div>{front}</div>"
    assert draft.explanation == f"<div>{back}</div>"
    assert draft.location == f'note 1 ("{front}")'
    assert result.title == title


def test_real_deck_with_many_note_types_reports_only_the_one_in_use():
    # diffmodels holds five note types, two with a reverse card, but its note is Basic.
    result = real_deck("ankitects_diffmodels2-1.apkg")
    assert result.problems == []
    assert result.skipped == []
    assert result.drafts[0].external_id == "MGCsE3z^Er"


def test_update_decks_share_the_note_id_so_a_second_import_updates_the_card():
    first = real_deck("ankitects_update1.apkg").drafts[0]
    second = real_deck("ankitects_update2.apkg").drafts[0]
    assert first.external_id == second.external_id == "cU1%zNUzk1"
    assert (first.stem, second.stem) == ("<div>hello</div>", "<div>goodbye</div>")


def test_real_deck_whose_only_note_is_a_sound_is_skipped_and_the_sound_named():
    result = real_deck("ankitects_media.apkg")
    assert result.drafts == []
    assert result.media == {}
    [skipped] = result.skipped
    assert skipped.location == 'note 1 ("[sound:foo.wav]")'
    assert "only sound" in skipped.reason
    assert texts(result.errors) == [
        "ankitects_media.apkg: none of the notes can be imported; the skipped list says why."
    ]
    [warning] = result.warnings
    assert warning.location == "media"
    assert "1 media file: foo.wav." in warning.message


def test_real_deck_add_on_files_are_left_out_with_one_warning_naming_them():
    result = real_deck("ankitects_diffmodeltemplates-1.apkg")
    assert result.ok
    assert result.media == {}
    [warning] = result.warnings
    assert "_IncrementalReadingExtension.dat, _ViewSizeAdjustAddon.dat" in warning.message


def test_real_decks_are_recognised_and_other_files_are_not():
    if not ANKI_DECKS.exists():
        pytest.skip(f"Anki's test decks are not in {ANKI_DECKS}")
    for path in ANKI_DECKS.glob("*.apkg"):
        assert anki.sniff(path.read_bytes(), path.name), path.name
    assert not anki.sniff(zip_of({"notes.txt": b"hello"}), "notes.zip")
    assert not anki.sniff(b'{"format": "qbank"}', "set.json")


# --- note types and templates -----------------------------------------------------------------


def test_basic_note_back_holds_the_answer_without_repeating_the_front(make_apkg):
    result = anki.parse(make_apkg(Deck([Note(BASIC, ["Which valve?", "Mitral"])])))
    assert one_card(result) == ("<div>Which valve?</div>", "<div>Mitral</div>")


def test_note_keeps_its_anki_id_and_hierarchical_tags(make_apkg):
    note = Note(BASIC, ["Q", "A"], tags="Cardio::Valves step1 Cardio::Valves", guid="aB3$x")
    [draft] = anki.parse(make_apkg(Deck([note]))).drafts
    assert draft.external_id == "aB3$x"
    assert draft.tags == ["Cardio::Valves", "step1"]


def test_reversed_note_becomes_its_first_card_and_the_reverse_is_listed_as_skipped(make_apkg):
    notes = [Note(REVERSED, ["Digoxin", "Na/K ATPase"]), Note(REVERSED, ["Lithium", "IMPase"])]
    result = anki.parse(make_apkg(Deck(notes)))
    assert [(d.stem, d.explanation) for d in result.drafts] == [
        ("<div>Digoxin</div>", "<div>Na/K ATPase</div>"),
        ("<div>Lithium</div>", "<div>IMPase</div>"),
    ]
    [skipped] = result.skipped
    assert (skipped.location, skipped.name) == ('note type "Basic (and reversed card)"', "Card 2")


@pytest.mark.parametrize(
    ("text", "front", "back"),
    [
        (
            "The {{c1::aorta}} leaves the {{c2::left ventricle}}",
            "The <b>[...]</b> leaves the left ventricle",
            "The <b>aorta</b> leaves the left ventricle",
        ),
        (
            "{{c1::Aortic stenosis::valve disease}} gives a {{c1::crescendo}} murmur",
            "<b>[valve disease]</b> gives a <b>[...]</b> murmur",
            "<b>Aortic stenosis</b> gives a <b>crescendo</b> murmur",
        ),
        (
            "Only {{c3::three}} and {{c2::two}}",  # the first card is the lowest number
            "Only three and <b>[...]</b>",
            "Only three and <b>two</b>",
        ),
        (
            "{{c1::Warfarin inhibits {{c2::VKORC1}}}} in the liver",
            "<b>[...]</b> in the liver",
            "<b>Warfarin inhibits VKORC1</b> in the liver",
        ),
    ],
)
def test_cloze_front_hides_the_first_cloze_and_the_back_reveals_it(make_apkg, text, front, back):
    result = anki.parse(make_apkg(Deck([Note(CLOZE, [text, ""])])))
    assert one_card(result) == (f"<div>{front}</div>", f"<div>{back}</div>")


def test_cloze_back_adds_the_extra_field(make_apkg):
    note = Note(CLOZE, ["{{c1::Furosemide}} acts on the loop", "Ototoxic in high doses"])
    _, back = one_card(anki.parse(make_apkg(Deck([note]))))
    assert back == "<div><b>Furosemide</b> acts on the loop<br>\nOtotoxic in high doses</div>"


def test_cloze_number_too_long_to_read_is_shown_filled_in_and_makes_no_card(make_apkg):
    huge = "9" * 5000  # more digits than int() reads
    notes = [
        Note(CLOZE, [f"The {{{{c{huge}::aorta}}}} and its {{{{c1::valve}}}}", ""]),
        Note(CLOZE, [f"{{{{c{huge}::Only}}}} this", ""]),
        Note(BASIC, [f"{{{{c{huge}::Which}}}} valve?", "Mitral"]),
    ]
    result = anki.parse(make_apkg(Deck(notes)))
    assert result.ok, result.errors
    assert [d.stem for d in result.drafts] == [
        "<div>The aorta and its <b>[...]</b></div>",
        f"<div>{{{{c{huge}::Which}}}} valve?</div>",
    ]
    [skipped] = result.skipped
    assert (skipped.location, skipped.name) == ('note 2 ("Only this")', "Only this")
    assert "no cloze" in skipped.reason


def test_cloze_notes_with_several_clozes_are_listed_once_as_partly_imported(make_apkg):
    notes = [Note(CLOZE, ["{{c1::a}} {{c2::b}}", ""]), Note(CLOZE, ["{{c1::c}} {{c2::d}}", ""])]
    result = anki.parse(make_apkg(Deck(notes)))
    [skipped] = result.skipped
    assert skipped.location == 'note type "Cloze"'
    assert "in 2 notes the other clozes show filled in" in skipped.reason


@pytest.mark.parametrize("text", ["No deletion here", "Unclosed {{c1::stays text"])
def test_cloze_note_without_a_cloze_is_skipped_as_anki_makes_no_card(make_apkg, text):
    notes = [Note(CLOZE, [text, ""]), Note(BASIC, ["Q", "A"])]
    result = anki.parse(make_apkg(Deck(notes)))
    assert result.ok
    assert len(result.drafts) == 1
    [skipped] = result.skipped
    assert skipped.location.startswith("note 1 (")
    assert "no cloze" in skipped.reason


HINTED = note_type(
    "Hinted",
    ["Front", "Back", "Hint"],
    [
        (
            "Card 1",
            "{{Front}}{{#Hint}} <i>({{Hint}})</i>{{/Hint}}{{^Hint}} (no hint){{/Hint}}",
            BASIC_BACK,
        )
    ],
)


@pytest.mark.parametrize(
    ("hint", "front"),
    [
        ("rhymes with gout", "<div>Podagra? <i>(rhymes with gout)</i></div>"),
        ("", "<div>Podagra? (no hint)</div>"),
        ("<br>", "<div>Podagra? (no hint)</div>"),  # Anki counts a lone line break as empty
    ],
)
def test_conditional_sections_follow_whether_the_field_is_empty(make_apkg, hint, front):
    result = anki.parse(make_apkg(Deck([Note(HINTED, ["Podagra?", "Gout of the toe", hint])])))
    assert one_card(result)[0] == front


def test_custom_note_type_with_three_fields_renders_its_own_templates(make_apkg):
    drug = note_type(
        "Drug",
        ["Drug", "Class", "Mechanism"],
        [
            (
                "Class",
                "What class is <b>{{Drug}}</b>?",
                "{{Drug}}<hr id=answer>{{Class}}<br>{{text:Mechanism}}",
            )
        ],
    )
    note = Note(drug, ["Propranolol", "Beta blocker", "<i>Blocks</i> β1 and β2"])
    result = anki.parse(make_apkg(Deck([note])))
    assert one_card(result) == (
        "<div>What class is <b>Propranolol</b>?</div>",
        "<div>Beta blocker<br>Blocks β1 and β2</div>",
    )


def test_back_without_the_answer_marker_is_kept_whole(make_apkg):
    plain = note_type("Plain", ["Q", "A"], [("Card 1", "{{Q}}", "Answer: {{A}}")])
    result = anki.parse(make_apkg(Deck([Note(plain, ["Q?", "42"])])))
    assert one_card(result) == ("<div>Q?</div>", "<div>Answer: 42</div>")


def test_type_in_answer_box_and_speech_are_dropped(make_apkg):
    front = "{{Front}}{{type:Back}}{{tts en_US:Front}}"
    typed = note_type("Typed", ["Front", "Back"], [("Card 1", front, BASIC_BACK)])
    result = anki.parse(make_apkg(Deck([Note(typed, ["Capital of France?", "Paris"])])))
    assert one_card(result) == ("<div>Capital of France?</div>", "<div>Paris</div>")
    assert result.problems == []


def test_unknown_filter_and_field_warn_once_per_note_type_and_the_card_still_imports(make_apkg):
    odd = note_type(
        "Odd", ["Front", "Back"], [("Card 1", "{{furigana:Front}}{{Missing}}", BASIC_BACK)]
    )
    notes = [Note(odd, ["漢字[かんじ]", "kanji"]), Note(odd, ["日本[にほん]", "Japan"])]
    result = anki.parse(make_apkg(Deck(notes)))
    assert result.ok
    assert [d.stem for d in result.drafts] == ["<div>漢字[かんじ]</div>", "<div>日本[にほん]</div>"]
    assert texts(result.warnings) == [
        'note type "Odd": its card uses the field "Missing", which the note type does not '
        "have; qbank left it out.",
        'note type "Odd": qbank does not know the filter "furigana"; the field Front is shown '
        "without it.",
    ]


def test_unbalanced_sections_warn_and_the_card_still_imports(make_apkg):
    broken = note_type(
        "Broken", ["Front", "Back"], [("Card 1", "{{#Front}}{{Front}}{{/Back}}", BASIC_BACK)]
    )
    result = anki.parse(make_apkg(Deck([Note(broken, ["Q", "A"])])))
    assert one_card(result) == ("<div>Q</div>", "<div>A</div>")
    assert texts(result.warnings) == [
        'note type "Broken": {{#Front}} is never closed; qbank closed it at the end.',
        'note type "Broken": {{/Back}} closes no open section; qbank ignored it.',
    ]


def test_template_syntax_typed_into_a_field_is_shown_not_run(make_apkg):
    note = Note(BASIC, ["What does {{Back}} print?", "{{#Front}}nothing{{/Front}}"])
    result = anki.parse(make_apkg(Deck([note])))
    assert one_card(result) == (
        "<div>What does {{Back}} print?</div>",
        "<div>{{#Front}}nothing{{/Front}}</div>",
    )


def test_anki_html_is_shown_as_html_and_not_read_as_markdown(make_apkg):
    note = Note(BASIC, ["2 * 3 * 4 = ?\n\n# not a heading", "<ul><li>24</li></ul>"])
    stem, explanation = one_card(anki.parse(make_apkg(Deck([note]))))
    shown = markup.render(stem)
    assert "<em>" not in shown
    assert "<h1>" not in shown
    assert "2 * 3 * 4 = ?" in shown
    assert "<li>24</li>" in markup.render(explanation)


def test_html_and_script_in_fields_are_kept_for_the_renderer_to_sanitize(make_apkg):
    front = '<b onclick="steal()">Bold</b><script>alert(1)</script>'
    result = anki.parse(make_apkg(Deck([Note(BASIC, [front, "<iframe src=x></iframe>ok"])])))
    stem, explanation = one_card(result)
    assert stem == f"<div>{front}</div>"
    assert explanation == "<div><iframe src=x></iframe>ok</div>"
    shown = markup.render(stem)
    assert "<b>Bold</b>" in shown
    assert "script" not in shown
    assert "onclick" not in shown


def test_note_with_an_empty_front_is_skipped_and_one_with_an_empty_back_is_an_error(make_apkg):
    notes = [Note(BASIC, ["<br>", "orphan answer"]), Note(BASIC, ["Lonely question", ""])]
    result = anki.parse(make_apkg(Deck(notes)))
    [skipped] = result.skipped
    assert skipped.location == "note 1"
    assert "front is empty" in skipped.reason
    assert texts(result.errors) == [
        'note 2 ("Lonely question"): the back of the flashcard is empty. Write it.'
    ]


def test_two_notes_with_the_same_anki_id_are_an_error(make_apkg):
    notes = [Note(BASIC, ["One", "1"], guid="same"), Note(BASIC, ["Two", "2"], guid="same")]
    error = only_error(anki.parse(make_apkg(Deck(notes))))
    assert error.location == 'note 2 ("Two")'
    assert "same Anki id as note 1" in error.message


def test_long_locations_are_shortened_and_stripped_of_markup(make_apkg):
    front = "<div>A <b>very</b> long question " + "about the heart " * 10 + "</div>"
    result = anki.parse(make_apkg(Deck([Note(BASIC, [front, ""])])))
    location = result.errors[0].location
    assert location.startswith('note 1 ("A very long question about the heart')
    assert location.endswith('…")')
    assert len(location) < 75


def test_collection_anki21_is_read_before_the_placeholder_collection_anki2(make_apkg):
    real = make_apkg(Deck([Note(BASIC, ["Real", "card"])], collection_name="collection.anki21"))
    with zipfile.ZipFile(io.BytesIO(real)) as package:
        members = {name: package.read(name) for name in package.namelist()}
    placeholder = zipfile.ZipFile(io.BytesIO(make_apkg(Deck([Note(BASIC, ["Update Anki", "!"])]))))
    with placeholder:
        members["collection.anki2"] = placeholder.read("collection.anki2")
    assert one_card(anki.parse(zip_of(members)))[0] == "<div>Real</div>"


# --- decks: title and tags ---------------------------------------------------------------------


def test_single_deck_names_the_set(make_apkg):
    deck = Deck([Note(BASIC, ["Q", "A"], deck=5)], decks={1: "Default", 5: "Cardiology"})
    result = anki.parse(make_apkg(deck))
    assert result.title == "Cardiology"
    assert result.drafts[0].tags == []


def test_default_deck_gives_no_title(make_apkg):
    assert anki.parse(make_apkg(Deck([Note(BASIC, ["Q", "A"])]))).title == ""


def test_subdecks_name_the_set_after_their_parent_and_tag_each_card(make_apkg):
    decks = {1: "Default", 5: "Cardio", 6: "Cardio::Valves", 7: "Cardio::Murmurs"}
    notes = [
        Note(BASIC, ["General", "A"], deck=5, tags="big"),
        Note(BASIC, ["Valve", "B"], deck=6),
        Note(BASIC, ["Murmur", "C"], deck=7),
    ]
    result = anki.parse(make_apkg(Deck(notes, decks=decks)))
    assert result.title == "Cardio"
    assert [d.tags for d in result.drafts] == [
        ["big", "Cardio"],
        ["Cardio::Valves"],
        ["Cardio::Murmurs"],
    ]


def test_decks_with_nothing_in_common_give_no_title_but_still_tag(make_apkg):
    notes = [Note(BASIC, ["Q1", "A"], deck=5), Note(BASIC, ["Q2", "A"], deck=6)]
    result = anki.parse(make_apkg(Deck(notes, decks={5: "Renal", 6: "Pulmonary"})))
    assert result.title == ""
    assert [d.tags for d in result.drafts] == [["Renal"], ["Pulmonary"]]


def test_a_tag_too_long_to_keep_is_left_out_with_a_warning(make_apkg):
    long_tag = "x" * 201
    result = anki.parse(make_apkg(Deck([Note(BASIC, ["Q", "A"], tags=f"ok {long_tag}")])))
    assert result.drafts[0].tags == ["ok"]
    [warning] = result.warnings
    assert warning.location == 'note 1 ("Q")'
    assert "longer than 200 characters" in warning.message


# --- media ------------------------------------------------------------------------------------


def test_image_a_card_shows_is_kept_and_pointed_at(make_apkg):
    notes = [Note(BASIC, ['ECG: <img src="ecg strip.png">', "<img src='heart.jpg'> AF"])]
    result = anki.parse(make_apkg(Deck(notes, media={"ecg strip.png": PNG, "heart.jpg": JPEG})))
    assert one_card(result) == (
        f'<div>ECG: <img src="{MEDIA_SCHEME}ecg strip.png"></div>',
        f'<div><img src="{MEDIA_SCHEME}heart.jpg"> AF</div>',
    )
    assert result.media == {"ecg strip.png": PNG, "heart.jpg": JPEG}
    assert result.problems == []


def test_image_only_front_is_a_card(make_apkg):
    deck = Deck([Note(BASIC, ["<img src=x.gif>", "GIF"])], media={"x.gif": b"GIF89a" + bytes(9)})
    result = anki.parse(make_apkg(deck))
    assert one_card(result)[0] == f'<div><img src="{MEDIA_SCHEME}x.gif"></div>'


def test_image_name_written_as_html_or_url_escape_is_found(make_apkg):
    notes = [
        Note(BASIC, ['<img src="a&amp;b.png">', "amp"]),
        Note(BASIC, ['<img src="my%20scan.png">', "url"]),
    ]
    result = anki.parse(make_apkg(Deck(notes, media={"a&b.png": PNG, "my scan.png": PNG})))
    assert [d.stem for d in result.drafts] == [
        f'<div><img src="{MEDIA_SCHEME}a&b.png"></div>',
        f'<div><img src="{MEDIA_SCHEME}my scan.png"></div>',
    ]
    assert set(result.media) == {"a&b.png", "my scan.png"}


def test_image_missing_from_the_package_is_left_out_with_a_warning(make_apkg):
    notes = [Note(BASIC, ['Rash <img src="rash.png"> <img src="https://x.org/a.png">', "Measles"])]
    result = anki.parse(make_apkg(Deck(notes)))
    assert one_card(result)[0] == "<div>Rash</div>"
    assert texts(result.warnings) == [
        'note 1 ("Rash"): it shows the image "https://x.org/a.png", which is not in the '
        "package, so qbank left it out. Add the image to the note in Anki and export again.",
        'note 1 ("Rash"): it shows the image "rash.png", which is not in the package, so qbank '
        "left it out. Add the image to the note in Anki and export again.",
    ]


def test_note_showing_only_a_missing_image_is_skipped(make_apkg):
    notes = [Note(BASIC, ['<img src="gone.png">', "A"]), Note(BASIC, ["Q", "B"])]
    result = anki.parse(make_apkg(Deck(notes)))
    assert result.ok
    assert len(result.drafts) == 1
    [skipped] = result.skipped
    assert "images missing from the package" in skipped.reason


def test_sound_is_dropped_and_every_left_out_file_named_in_one_warning(make_apkg):
    notes = [
        Note(BASIC, ["Which murmur? [sound:as.mp3]", "Aortic stenosis"]),
        Note(BASIC, ["And this? [sound:mr.mp3]", "Mitral regurgitation [sound:mr.mp3]"]),
    ]
    media = {"as.mp3": b"ID3", "mr.mp3": b"ID3", "_template.css": b"body{}", "spare.png": PNG}
    result = anki.parse(make_apkg(Deck(notes, media=media)))
    assert [(d.stem, d.explanation) for d in result.drafts] == [
        ("<div>Which murmur?</div>", "<div>Aortic stenosis</div>"),
        ("<div>And this?</div>", "<div>Mitral regurgitation</div>"),
    ]
    assert result.media == {}
    assert texts(result.problems) == [
        "media: qbank left out 4 media files: _template.css, as.mp3, mr.mp3, spare.png. It keeps "
        "only the images cards show (PNG, JPEG, GIF or WebP), not sound, video or other files."
    ]


def test_left_out_files_beyond_ten_are_counted_not_listed(make_apkg):
    media = {f"clip{i:02}.mp3": b"ID3" for i in range(12)}
    result = anki.parse(make_apkg(Deck([Note(BASIC, ["Q", "A"])], media=media)))
    [warning] = result.warnings
    assert "12 media files: clip00.mp3" in warning.message
    assert "clip09.mp3 and 2 more." in warning.message


def test_image_that_is_really_html_is_an_error_where_a_card_shows_it(make_apkg):
    fake = b"<html><script>alert(1)</script></html>"
    deck = Deck([Note(BASIC, ['<img src="heart.png">', "A"])], media={"heart.png": fake})
    error = only_error(anki.parse(make_apkg(deck)))
    assert error.location == "media file 0 (heart.png)"
    assert "not a PNG, JPEG, GIF or WebP" in error.message


def test_svg_image_is_refused_where_a_card_shows_it(make_apkg):
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    deck = Deck([Note(BASIC, ['<img src="valve.svg">', "A"])], media={"valve.svg": svg})
    result = anki.parse(make_apkg(deck))
    error = only_error(result)
    assert error.location == "media file 0 (valve.svg)"
    assert "SVG" in error.message
    assert result.media == {}


def test_fake_image_no_card_shows_is_only_left_out(make_apkg):
    deck = Deck([Note(BASIC, ["Q", "A"])], media={"unused.png": b"<html></html>"})
    result = anki.parse(make_apkg(deck))
    assert result.ok
    assert "unused.png" in result.warnings[0].message


def test_image_larger_than_the_limit_is_an_error(make_apkg):
    huge = PNG + random.Random(1).randbytes(MAX_MEDIA_FILE_BYTES)
    deck = Deck([Note(BASIC, ['<img src="big.png">', "A"])], media={"big.png": huge})
    error = only_error(anki.parse(make_apkg(deck)))
    assert error.location == "media file 0 (big.png)"
    assert "larger than 10 MB" in error.message


@pytest.mark.parametrize(
    "name", ["../evil.png", "/etc/passwd", "..", "sub\\evil.png", "C:evil.png", "a\x00.png"]
)
def test_media_name_that_could_reach_outside_the_folder_is_an_error(make_apkg, name):
    deck = Deck([Note(BASIC, [f'<img src="{name}">', "A"])], media_map={"0": name})
    deck.members = {"0": PNG}
    result = anki.parse(make_apkg(deck))
    error = only_error(result)
    assert error.location.startswith("media file 0 (")
    assert "could reach outside" in error.message
    assert result.media == {}


def with_media_list(packaged: bytes, media_map: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(packaged)) as package:
        members = {n: package.read(n) for n in package.namelist()}
    return zip_of({**members, "media": media_map})


@pytest.mark.parametrize("media_map", [b"not json", b"[1, 2]"])
def test_unreadable_media_list_is_an_error(make_apkg, media_map):
    packaged = with_media_list(make_apkg(Deck([Note(BASIC, ["Q", "A"])])), media_map)
    error = only_error(anki.parse(packaged))
    assert str(error) == (
        "media: the package's list of media files cannot be read. Export the deck from Anki again."
    )


def test_media_list_nested_too_deep_is_an_error_saying_where(make_apkg):
    packaged = with_media_list(make_apkg(Deck([Note(BASIC, ["Q", "A"])])), b"[" * 100_000)
    error = only_error(anki.parse(packaged))
    assert str(error) == (
        "media: the package's list of media files nests deeper than qbank reads: more than "
        "100 levels, at line 1 of their JSON. Export the deck from Anki again."
    )


def test_note_types_nested_too_deep_are_an_error_saying_where(make_apkg):
    models = "{\n" + "[" * 200_000 + "]" * 200_000 + "}"
    error = only_error(anki.parse(make_apkg(Deck([Note(BASIC, ["Q", "A"])], models=models))))
    assert error.location == "file, note types"
    assert "nest deeper than qbank reads: more than 100 levels, at line 2" in error.message


# --- hostile and broken files ------------------------------------------------------------------


def test_empty_file_is_refused():
    assert str(only_error(anki.parse(b"", "deck.apkg"))) == (
        "deck.apkg: the file is empty. Export the deck from Anki as an .apkg file."
    )


def test_file_that_is_not_a_zip_is_refused():
    error = only_error(anki.parse(random.Random(7).randbytes(5000), "deck.apkg"))
    assert error.location == "deck.apkg"
    assert error.message.startswith("this is not an Anki package (.apkg).")


def test_truncated_zip_is_reported_damaged(make_apkg):
    packaged = make_apkg(Deck([Note(BASIC, ["Q", "A"])]))
    error = only_error(anki.parse(packaged[: len(packaged) // 2], "deck.apkg"))
    assert str(error) == (
        "deck.apkg: the package is damaged and cannot be opened. Export the deck from Anki again."
    )


def test_member_with_damaged_data_is_reported_damaged(make_apkg):
    packaged = bytearray(make_apkg(Deck([Note(BASIC, ["Q", "A"])])))
    start = 30 + len("collection.anki2")  # the collection's compressed bytes come first
    packaged[start + 100 : start + 400] = bytes(300)
    error = only_error(anki.parse(bytes(packaged), "deck.apkg"))
    assert str(error) == (
        "deck.apkg, collection.anki2: it is damaged. Export the deck from Anki again."
    )


def test_zip_without_a_collection_is_refused():
    error = only_error(anki.parse(zip_of({"notes.txt": b"hello"}), "deck.apkg"))
    assert error.location == "deck.apkg"
    assert error.message.startswith("this zip holds no Anki collection.")


def test_package_from_newer_anki_asks_for_an_export_for_older_versions(make_apkg):
    # Newer Anki writes the zstd collection and a placeholder collection.anki2 beside it.
    placeholder = make_apkg(Deck([Note(BASIC, ["Please update to the latest Anki", "!"])]))
    with zipfile.ZipFile(io.BytesIO(placeholder)) as package:
        dummy = package.read("collection.anki2")
    for members in (
        {"collection.anki21b": b"\x28\xb5\x2f\xfd zstd", "media": b"\x28\xb5\x2f\xfd"},
        {"collection.anki2": dummy, "collection.anki21b": b"\x28\xb5\x2f\xfd zstd"},
    ):
        error = only_error(anki.parse(zip_of(members), "deck.apkg"))
        assert error.location == "deck.apkg"
        assert 'Export it again with "Support older Anki versions" ticked.' in error.message


def test_collection_that_is_not_sqlite_is_refused(make_apkg):
    deck = Deck([], collection=b"SQLite format 3\x00 but not really" + bytes(200))
    error = only_error(anki.parse(make_apkg(deck), "deck.apkg"))
    assert str(error) == (
        "deck.apkg: the collection inside the package is not an Anki database. "
        "Export the deck from Anki again."
    )


def test_sqlite_database_without_anki_tables_is_refused(make_apkg, tmp_path):
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE patients (name text)")
        db.commit()
    error = only_error(anki.parse(make_apkg(Deck([], collection=path.read_bytes()))))
    assert "not an Anki database" in error.message


def test_collection_without_notes_is_refused(make_apkg):
    error = only_error(anki.parse(make_apkg(Deck([])), "deck.apkg"))
    assert error.message.startswith("the deck has no notes.")


def test_note_whose_note_type_is_missing_is_an_error(make_apkg, tmp_path):
    packaged = make_apkg(Deck([Note(BASIC, ["Q", "A"])]))
    with zipfile.ZipFile(io.BytesIO(packaged)) as package:
        members = {n: package.read(n) for n in package.namelist()}
    path = tmp_path / "edited.anki2"
    path.write_bytes(members["collection.anki2"])
    with closing(sqlite3.connect(path)) as db:
        db.execute("""UPDATE col SET models = '{"1": "not a note type"}'""")
        db.commit()
    members["collection.anki2"] = path.read_bytes()
    error = only_error(anki.parse(zip_of(members)))
    assert error.location == 'note 1 ("Q")'
    assert "note type is missing" in error.message


@pytest.mark.parametrize("deck_id", ["\u00b2", "1" * 5000], ids=["superscript two", "5000 digits"])
def test_deck_whose_id_is_not_a_plain_number_is_ignored_and_the_card_still_imports(
    make_apkg, tmp_path, deck_id
):
    packaged = make_apkg(Deck([Note(BASIC, ["Q", "A"])], decks={1: "Cardiology"}))
    with zipfile.ZipFile(io.BytesIO(packaged)) as package:
        members = {n: package.read(n) for n in package.namelist()}
    path = tmp_path / "edited.anki2"
    path.write_bytes(members["collection.anki2"])
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE col SET decks = ?", (json.dumps({deck_id: {"name": "Cardiology"}}),))
        db.commit()
    members["collection.anki2"] = path.read_bytes()
    result = anki.parse(zip_of(members))
    assert one_card(result) == ("<div>Q</div>", "<div>A</div>")
    assert result.title == ""


@pytest.mark.parametrize(
    "damage",
    [
        lambda model: model["flds"][1].update(name=7),
        lambda model: model["tmpls"][0].pop("qfmt"),
        lambda model: model["tmpls"][0].update(afmt=None),
        lambda model: model.update(tmpls=[]),
    ],
    ids=["field name not text", "no front template", "back template not text", "no card types"],
)
def test_note_type_not_in_the_shape_anki_writes_is_an_error(make_apkg, damage):
    damaged = copy.deepcopy(BASIC)
    damage(damaged)
    error = only_error(anki.parse(make_apkg(Deck([Note(damaged, ["Q", "A"])]))))
    assert error.location == 'note 1 ("Q")'
    assert "note type is missing" in error.message


def test_fields_and_card_types_are_taken_in_anki_order_not_list_order(make_apkg):
    shuffled = copy.deepcopy(REVERSED)
    shuffled["flds"].reverse()
    shuffled["tmpls"].reverse()
    result = anki.parse(make_apkg(Deck([Note(shuffled, ["Digoxin", "Na/K ATPase"])])))
    assert one_card(result) == ("<div>Digoxin</div>", "<div>Na/K ATPase</div>")
    assert [s.name for s in result.skipped] == ["Card 2"]


def test_zip_bomb_is_refused_before_anything_is_unpacked(make_apkg):
    deck = make_apkg(Deck([Note(BASIC, ['<img src="x.png">', "A"])], media_map={"0": "x.png"}))
    buffer = io.BytesIO(deck)
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as package,
        package.open("0", "w", force_zip64=True) as member,
    ):
        zeros = bytes(1024 * 1024)
        for _ in range(300):  # 300 MB of zeros, about 1 MB compressed, never all in memory
            member.write(zeros)
    result = anki.parse(buffer.getvalue(), "deck.apkg")
    error = only_error(result)
    assert error.location == "deck.apkg"
    assert error.message.startswith("the package would unpack to 300 MB; qbank unpacks at most")
    assert result.drafts == []


def test_member_compressed_like_a_zip_bomb_is_refused(make_apkg):
    deck = Deck([Note(BASIC, ["Q", "A"])])
    deck.members = {"0": bytes(5 * 1024 * 1024)}  # under every size limit, but 1000 to 1
    error = only_error(anki.parse(make_apkg(deck), "deck.apkg"))
    assert error.location == "deck.apkg"
    assert error.message.startswith('"0" in the package is compressed')
    assert "as zip bombs are" in error.message


def test_package_with_too_many_files_is_refused(make_apkg):
    deck = Deck([Note(BASIC, ["Q", "A"])])
    deck.members = {f"extra{i}": b"" for i in range(MAX_ARCHIVE_MEMBERS)}
    error = only_error(anki.parse(make_apkg(deck), "deck.apkg"))
    assert error.location == "deck.apkg"
    assert error.message.startswith(f"the package holds {MAX_ARCHIVE_MEMBERS + 2:,} files")


def test_parse_leaves_no_temporary_files_behind(make_apkg, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert anki.parse(make_apkg(Deck([Note(BASIC, ["Q", "A"])]))).ok
    assert anki.parse(make_apkg(Deck([], collection=b"garbage"))).errors
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    "field_text",
    ["<" * 100_000, "[sound:" * 20_000, "x" + "<br>" * 30_000, "{{c1::" + "::" * 50_000],
)
def test_long_unclosed_markup_is_read_in_linear_time(make_apkg, field_text):
    packaged = make_apkg(Deck([Note(BASIC, [field_text, "A"])]))
    started = time.perf_counter()
    result = anki.parse(packaged)
    # Linear reading takes a few hundredths of a second; the quadratic patterns these
    # shapes once hit took over ten seconds, so the bound is loose enough for a busy machine.
    assert time.perf_counter() - started < 2
    assert result.ok
    assert len(result.drafts) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    garble_collection=st.booleans(),
    cuts=st.lists(st.tuples(st.integers(0, 70_000), st.binary(min_size=1, max_size=8)), max_size=4),
)
def test_garbled_package_gives_problems_and_never_raises(garble_collection, cuts):
    members = dict(_garble_base())
    target = bytearray(members["collection.anki2"] if garble_collection else zip_of(members))
    for position, junk in cuts:
        at = position % len(target)
        target[at : at + len(junk)] = junk
    if garble_collection:
        members["collection.anki2"] = bytes(target)
        target = bytearray(zip_of(members))
    result = anki.parse(bytes(target))
    assert result.ok or result.errors


@functools.cache
def _garble_base() -> tuple[tuple[str, bytes], ...]:
    """The members of a small deck with an image, a sound and a cloze, to garble."""
    with tempfile.TemporaryDirectory() as folder:
        image = '<img src="a.png"> Q [sound:s.mp3]'
        deck = Deck([Note(BASIC, [image, "A"]), Note(CLOZE, ["{{c1::x}}", ""])])
        collection = build_collection(deck, Path(folder) / "c.anki2")
    media = json.dumps({"0": "a.png", "1": "s.mp3"}).encode()
    return (("collection.anki2", collection), ("0", PNG), ("1", b"ID3"), ("media", media))
