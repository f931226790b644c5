"""Notes to flashcard drafts: each note's first card, its deck and tags, what was skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable

from qbank.importers.anki.collection import Collection, Note, NoteType
from qbank.importers.anki.media import Media
from qbank.importers.anki.messages import EXPORT_AGAIN, count, shorten
from qbank.importers.anki.sides import has_content, html_block, trim, visible_text
from qbank.importers.anki.templates import Card, cloze_numbers, parse_clozes, render, render_clozes
from qbank.importers.drafts import ParseResult, QuestionDraft, check_draft
from qbank.models import QuestionKind
from qbank.models.questions import TAG_NAME_LENGTH

DEFAULT_DECK = "Default"
MAX_TAG_LENGTH = TAG_NAME_LENGTH
_ANSWER_MARKER = re.compile(r"<hr\s+id\s*=\s*[\"']?answer[\"']?\s*/?>", re.IGNORECASE)


def read_notes(collection: Collection, media: Media, source: str, result: ParseResult) -> None:
    if not collection.notes:
        result.error(source, "the deck has no notes. Check that you exported the right deck.")
        return
    deck_names = sorted({n.deck for n in collection.notes if n.deck})
    common = _common_deck(deck_names)
    if common and common != DEFAULT_DECK:
        result.title = common
        deck = next((d for d in collection.decks.values() if d.name == common), None)
        result.description = html_block(trim(deck.description)) if deck else ""
    tag_decks = len(deck_names) > 1
    seen_ids: dict[str, int] = {}
    for number, note in enumerate(collection.notes, start=1):
        where = _location(number, note.fields[0])
        note_type = collection.note_types.get(note.type_id)
        if note_type is None:
            result.error(
                where, f"its note type is missing from the package or damaged. {EXPORT_AGAIN}"
            )
            continue
        note_type.used = True
        draft = _draft(note, note_type, where, media, result)
        if draft is None:
            continue
        if tag_decks and note.deck and note.deck != DEFAULT_DECK:
            draft.tags.append(note.deck)
        draft.tags = _tags(draft.tags, where, result)
        if draft.external_id in seen_ids:
            result.error(
                where,
                f"it has the same Anki id as note {seen_ids[draft.external_id]}, so a later "
                "import could not tell them apart. Delete or recreate one of them in Anki, "
                "then export again.",
            )
        elif draft.external_id:
            seen_ids[draft.external_id] = number
        result.problems.extend(check_draft(draft))
        result.drafts.append(draft)
    _report_note_types(collection.note_types.values(), result)
    if not result.drafts and not result.errors:
        result.error(source, "none of the notes can be imported; the skipped list says why.")


def _draft(
    note: Note, note_type: NoteType, where: str, media: Media, result: ParseResult
) -> QuestionDraft | None:
    """Render the note's first card into a draft, or skip the note and say why."""
    label = _label(note.fields[0]) or where
    numbers = set().union(*(cloze_numbers(parse_clozes(f)) for f in note.fields))
    if note_type.cloze and not numbers:
        result.skip(where, label, "it has no cloze such as {{c1::...}}, so Anki makes no card.")
        return None
    if note_type.cloze and len(numbers) > 1:
        note_type.several_clozes += 1
    values = note.fields + [""] * (len(note_type.fields) - len(note.fields))
    fields = {
        "Tags": " ".join(note.tags),
        "Type": note_type.name,
        "Deck": note.deck,
        "Subdeck": note.deck.rsplit("::", 1)[-1],
        "Card": note_type.card,
        "CardFlag": "",
        "FrontSide": "",  # the back leaves the front out; see _answer
    } | dict(zip(note_type.fields, values, strict=False))
    active = min(numbers) if numbers else None
    front = trim(render(note_type.front, Card(fields, active, False, note_type.problems)))
    if not has_content(front):
        result.skip(where, label, "its front is empty, so Anki makes no card from it.")
        return None
    back = render(note_type.back, Card(fields, active, True, note_type.problems))
    back = trim(_answer(back, front))
    missing: set[str] = set()
    shown_front = trim(media.attach(front, missing))
    shown_back = trim(media.attach(back, missing))
    for src in sorted(missing):
        result.warn(
            where,
            f'it shows the image "{shorten(src)}", which is not in the package, so qbank '
            "left it out. Add the image to the note in Anki and export again.",
        )
    for side, before, after in (("front", front, shown_front), ("back", back, shown_back)):
        if has_content(before) and not has_content(after):
            result.skip(
                where,
                label,
                f"its {side} holds only sound or images missing from the package, which qbank "
                "cannot show.",
            )
            return None
    return QuestionDraft(
        kind=QuestionKind.FLASHCARD,
        stem=html_block(shown_front),
        explanation=html_block(shown_back),
        tags=list(note.tags),
        external_id=note.guid or None,
        location=where,
    )


def _answer(back: str, front: str) -> str:
    """Keep what the back adds to the front: what follows Anki's ``<hr id=answer>``."""
    marker = _ANSWER_MARKER.search(back)
    if marker is None:
        return back
    before = visible_text(back[: marker.start()])
    # Above the marker is {{FrontSide}} (rendered empty here) or the front's fields again.
    if before in visible_text(front):
        return back[marker.end() :]
    return back


def _report_note_types(note_types: Iterable[NoteType], result: ParseResult) -> None:
    for note_type in note_types:
        if not note_type.used:
            continue
        where = f'note type "{note_type.name}"'
        for problem in sorted(note_type.problems):
            result.warn(where, problem)
        if note_type.other_cards and not note_type.cloze:
            result.skip(
                where,
                ", ".join(note_type.other_cards),
                f"qbank makes one flashcard per note, from its first card type "
                f'("{note_type.card}").',
            )
        if note_type.several_clozes:
            result.skip(
                where,
                "clozes after the first",
                f"qbank makes one flashcard per note, hiding its first cloze; in "
                f"{count(note_type.several_clozes, 'note')} the other clozes show filled in.",
            )


def _tags(tags: list[str], where: str, result: ParseResult) -> list[str]:
    kept = []
    for tag in dict.fromkeys(tags):
        if len(tag) > MAX_TAG_LENGTH:
            result.warn(
                where,
                f'the tag "{shorten(tag)}" is longer than {MAX_TAG_LENGTH} characters, so '
                "qbank left it out. Shorten it in Anki and export again.",
            )
        else:
            kept.append(tag)
    return kept


def _common_deck(names: list[str]) -> str:
    """The deepest deck that holds all of ``names``: "A::B" for "A::B::C" and "A::B"."""
    if not names:
        return ""
    common = names[0].split("::")
    for name in names[1:]:
        parts = name.split("::")
        length = 0
        while length < min(len(common), len(parts)) and common[length] == parts[length]:
            length += 1
        common = common[:length]
    return "::".join(common)


def _label(first_field: str) -> str:
    return shorten(visible_text(render_clozes(parse_clozes(first_field), None, True)))


def _location(number: int, first_field: str) -> str:
    label = _label(first_field)
    return f'note {number} ("{label}")' if label else f"note {number}"
