"""The shared pieces every importer uses: text conversion and the draft checks."""

import pytest

from qbank.importers.drafts import (
    OptionDraft,
    QuestionDraft,
    check_draft,
    html_to_markdown,
    plain_to_markdown,
)
from qbank.models import QuestionKind
from qbank.presentation.markup import render


def test_plain_text_shows_literally_with_its_line_breaks():
    html = render(plain_to_markdown("2 * 3 <b>not bold</b>\n1. not a list\n# not a heading"))
    assert "<b>" not in html and "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert "2 * 3" in html
    assert "<ol>" not in html and "<h1>" not in html
    assert html.count("<br") == 2


@pytest.mark.parametrize(
    "html",
    [
        "<b>Bold</b> and *asterisks*",
        "<p>one</p>\n\n    <p>indented after a blank line</p>",
        "<pre>x</pre>\n*em* text",
        "Text <i>then</i>\n\n# not a heading",
    ],
)
def test_html_passes_through_markdown_untouched(html):
    rendered = render(html_to_markdown(html))
    assert "<em>" not in rendered and "<h1>" not in rendered and "<code>" not in rendered
    assert "*" in rendered or "#" in rendered or "indented" in rendered or "x" in rendered


def test_html_already_one_block_is_left_as_it_is():
    assert html_to_markdown("  <p>2 * 3</p>\n<p>ok</p> ") == "<p>2 * 3</p>\n<p>ok</p>"
    assert html_to_markdown("   ") == ""


def draft(kind=QuestionKind.SINGLE, options=(), **fields):
    return QuestionDraft(
        kind=kind, stem=fields.pop("stem", "Stem"), options=list(options), **fields
    )


def test_single_best_answer_needs_exactly_one_correct_option():
    none = draft(options=[OptionDraft("A"), OptionDraft("B")])
    two = draft(options=[OptionDraft("A", True), OptionDraft("B", True)])
    assert [p.message for p in check_draft(none)] == [
        "no option is marked correct. Mark one as correct."
    ]
    assert "2 options are marked correct" in check_draft(two)[0].message
    assert check_draft(draft(kind=QuestionKind.MULTIPLE, options=two.options)) == []


def test_option_count_and_duplicates_are_checked():
    one = check_draft(draft(options=[OptionDraft("A", True)]))
    assert "it has 1 option; give between 2 and 10." in [p.message for p in one]
    twins = check_draft(draft(options=[OptionDraft("Same", True), OptionDraft(" same ")]))
    assert "two options have the same text" in twins[0].message


def test_flashcards_need_a_back_and_no_options():
    problems = [
        p.message
        for p in check_draft(draft(kind=QuestionKind.FLASHCARD, options=[OptionDraft("A")]))
    ]
    assert "a flashcard has no options. Remove them." in problems
    assert "the back of the flashcard is empty. Write it." in problems
