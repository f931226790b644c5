"""Rendering question text: however deeply a text nests, the page shows it in bounded work."""

from html.parser import HTMLParser

from qbank.presentation.markup import MAX_DEPTH, MAX_OPEN_FORMATTING, render


class _Depth(HTMLParser):
    """The deepest nesting of elements in well-formed HTML, and how many of each there are."""

    VOID = {"br", "hr", "img"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = self.deepest = 0
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        self.depth -= 1


def shape(html: str) -> _Depth:
    parser = _Depth()
    parser.feed(html)
    return parser


def test_html_nested_deeper_than_qbank_shows_keeps_its_text_and_shows_the_rest_as_text():
    html = render("<div>" * 20_000 + "the stem" + "</div>" * 20_000)
    assert "the stem" in html
    assert shape(html).deepest <= MAX_DEPTH
    assert "&lt;div&gt;" in html  # the tags past the limit, shown for the author to fix


def test_nesting_up_to_the_limit_is_rendered_as_written():
    text = "<div>" * MAX_DEPTH + "deep" + "</div>" * MAX_DEPTH
    html = render(text)
    assert shape(html).counts["div"] == MAX_DEPTH
    assert "&lt;" not in html


def test_closed_tags_never_count_against_the_limit():
    html = render("".join(f"<p><b>{n}</b> and <i>{n}</i></p>" for n in range(5_000)))
    assert "&lt;" not in html
    assert shape(html).counts["b"] == 5_000


def test_deeply_nested_markdown_lists_and_quotes_render():
    for text in ("> " * 200_000 + "quoted", "- " * 200_000 + "listed", "1. " * 100_000 + "n"):
        html = render(text)
        assert shape(html).deepest <= MAX_DEPTH


def test_formatting_left_open_cannot_multiply_into_a_huge_page():
    # Each <div> closes the <b>s left open inside the first one; a browser's parser then
    # opens them all again inside every later <div> that holds text.
    rounds = 500
    opened = "".join(f'<b title="{n}">' for n in range(500))
    html = render("<div>" + opened + "</div>" + "<div>x</div>" * rounds)
    assert shape(html).counts.get("b", 0) <= (MAX_OPEN_FORMATTING + 1) * (rounds + 1)
