"""Anki's template language: fields, filters, conditional sections and cloze deletions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qbank.importers.anki.sides import HTML_TAG

MAX_TEMPLATE_NESTING = 50  # sections or clozes inside one another; real decks use two or three
_HANDLEBARS = re.compile(r"\{\{([^{}]*)\}\}")
_CLOZE_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}")
# Anki's test for an empty field: nothing but whitespace and line breaks.
_EMPTY_FIELD = re.compile(r"(?:\s|</?(?:br|div)\s?/?>)*", re.IGNORECASE)


@dataclass(frozen=True)
class _Replacement:
    field: str
    filters: tuple[str, ...]  # in the order they apply: the one next to the field first


@dataclass
class _Section:
    field: str
    inverted: bool  # {{^Field}}: shown when the field is empty
    children: list[Node]


Node = str | _Replacement | _Section


def parse_template(template: str, problems: set[str]) -> list[Node]:
    """Parse ``{{Field}}``, ``{{filter:Field}}`` and ``{{#Field}}...{{/Field}}`` sections."""
    root: list[Node] = []
    open_sections: list[_Section] = []
    position = 0
    for match in _HANDLEBARS.finditer(template):
        current = open_sections[-1].children if open_sections else root
        current.append(template[position : match.start()])
        position = match.end()
        tag = match.group(1).strip()
        if tag[:1] in ("#", "^") and len(open_sections) < MAX_TEMPLATE_NESTING:
            section = _Section(tag[1:].strip(), tag[0] == "^", [])
            current.append(section)
            open_sections.append(section)
        elif tag[:1] == "/":
            name = tag[1:].strip()
            if open_sections and open_sections[-1].field == name:
                open_sections.pop()
            else:
                problems.add(f"{{{{/{name}}}}} closes no open section; qbank ignored it.")
        elif tag[:1] not in ("#", "^", "!", "=", ""):
            *filters, name = tag.split(":")
            current.append(_Replacement(name.strip(), tuple(f.strip() for f in reversed(filters))))
    (open_sections[-1].children if open_sections else root).append(template[position:])
    for section in open_sections:
        problems.add(f"{{{{#{section.field}}}}} is never closed; qbank closed it at the end.")
    return root


@dataclass(frozen=True)
class Card:
    """What a template is rendered with: one side of the note's first card."""

    fields: dict[str, str]
    cloze: int | None  # the cloze number this card hides
    answer: bool
    problems: set[str]


def render(nodes: list[Node], card: Card) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, _Section):
            empty = _EMPTY_FIELD.fullmatch(_field(node.field, card)) is not None
            if empty == node.inverted:
                parts.append(render(node.children, card))
        else:
            parts.append(_replace(node, card))
    return "".join(parts)


def _field(name: str, card: Card) -> str:
    if name not in card.fields:
        card.problems.add(
            f'its card uses the field "{name}", which the note type does not have; '
            "qbank left it out."
        )
        return ""
    return card.fields[name]


def _replace(node: _Replacement, card: Card) -> str:
    filters = [f.split(" ", 1)[0] for f in node.filters if f]
    if "type" in filters or "tts" in filters:
        return ""  # a box to type the answer in, or speech: nothing to show
    value = _field(node.field, card)
    for name in filters:
        if name == "text":
            value = HTML_TAG.sub("", value)
        elif name == "cloze":
            value = render_clozes(parse_clozes(value), card.cloze, card.answer)
        elif name != "hint":  # a hint is shown as it is
            card.problems.add(
                f'qbank does not know the filter "{name}"; the field {node.field} is shown '
                "without it."
            )
    return value


@dataclass
class _Cloze:
    number: int
    children: list[str | _Cloze]
    hint: str = ""


def parse_clozes(text: str) -> list[str | _Cloze]:
    """Parse ``{{c1::answer::hint}}`` deletions, which may nest; the rest stays text."""
    root: list[str | _Cloze] = []
    open_clozes: list[_Cloze] = []
    position = 0
    for match in _CLOZE_TOKEN.finditer(text):
        current = open_clozes[-1].children if open_clozes else root
        current.append(text[position : match.start()])
        position = match.end()
        if match.group(1) is not None and len(open_clozes) < MAX_TEMPLATE_NESTING:
            open_clozes.append(_Cloze(_cloze_number(match.group(1)), []))
        elif match.group(1) is None and open_clozes:
            cloze = open_clozes.pop()
            last = cloze.children[-1] if cloze.children else ""
            if isinstance(last, str) and "::" in last:
                cloze.children[-1], cloze.hint = last.split("::", 1)
            (open_clozes[-1].children if open_clozes else root).append(cloze)
        else:
            current.append(match.group(0))
    (open_clozes[-1].children if open_clozes else root).append(text[position:])
    while open_clozes:  # never closed: it was text after all
        cloze = open_clozes.pop()
        parent = open_clozes[-1].children if open_clozes else root
        parent += [f"{{{{c{cloze.number}::", *cloze.children]
    return root


def _cloze_number(digits: str) -> int:
    """Read a cloze's number; one too long to read counts as 0, which makes no card, as in Anki."""
    try:
        return int(digits)
    except ValueError:  # more than the 4,300 digits int() reads
        return 0


def render_clozes(nodes: list[str | _Cloze], active: int | None, answer: bool) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.number != active:
            parts.append(render_clozes(node.children, active, answer))
        elif answer:
            parts.append(f"<b>{render_clozes(node.children, active, answer)}</b>")
        else:
            parts.append(f"<b>[{node.hint or '...'}]</b>")
    return "".join(parts)


def cloze_numbers(nodes: list[str | _Cloze]) -> set[int]:
    numbers = set()
    for node in nodes:
        if isinstance(node, _Cloze):
            numbers |= {node.number} | cloze_numbers(node.children)
    return numbers - {0}
