"""Forms for question sets and questions, and turning them into drafts."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from qbank.importers.drafts import MAX_OPTIONS, OPTION_KEYS, OptionDraft, QuestionDraft
from qbank.models import QuestionKind, Visibility

KIND_LABELS = {
    QuestionKind.SINGLE: "Single best answer",
    QuestionKind.MULTIPLE: "Multiple response (select all that apply)",
    QuestionKind.TRUE_FALSE: "True / false",
    QuestionKind.FLASHCARD: "Flashcard (front and back)",
}
VISIBILITY_LABELS = {
    Visibility.PRIVATE: "Private: only you",
    Visibility.COHORTS: "Assigned to cohorts",
    Visibility.PUBLIC: "Open to everyone on this server",
}


class SetForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class SetSettingsForm(SetForm):
    visibility = SelectField(
        "Who can study it",
        choices=[SelectChoice(v.value, label) for v, label in VISIBILITY_LABELS.items()],
    )
    cohorts = SelectMultipleField("Cohorts", coerce=int, validate_choice=True)


class OptionForm(Form):
    text = TextAreaField("Option", validators=[Optional(), Length(max=5000)])
    correct = BooleanField("Correct")
    rationale = TextAreaField("Why", validators=[Optional(), Length(max=10000)])
    fixed = BooleanField("Keep last when shuffled")


class QuestionForm(FlaskForm):
    """A question with up to ten option rows; empty rows are ignored."""

    kind = SelectField(
        "Kind", choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    stem = TextAreaField(
        "Question (front of a flashcard)",
        validators=[DataRequired(message="Write the question."), Length(max=20000)],
        description="Markdown: **bold**, *italic*, lists, tables, H<sub>2</sub>O.",
    )
    options = FieldList(FormField(OptionForm), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)
    explanation = TextAreaField(
        "Explanation (back of a flashcard)",
        validators=[Optional(), Length(max=20000)],
        description="Shown after the answer: why the right answer is right.",
    )
    reference = StringField("Reference", validators=[Optional(), Length(max=500)])
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=2000)],
        description="Separate with commas; nest with ::, e.g. Cardiology::Arrhythmia.",
    )
    external_id = StringField("External id", validators=[Optional(), Length(max=200)])
    image = FileField(
        "Add an image",
        description="PNG, JPEG, GIF or WebP. It is added to the end of the question; move the "
        "line it adds to place it elsewhere.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each row's fields say which option they belong to, on the page and in messages.
        for letter, entry in zip(OPTION_KEYS, self.options, strict=False):
            entry.form.text.label.text = f"Option {letter}"
            entry.form.rationale.label.text = f"Why, option {letter}"
            entry.form.correct.label.text = f"Correct, option {letter}"
            entry.form.fixed.label.text = f"Keep last, option {letter}"

    def to_draft(self) -> QuestionDraft:
        kind = QuestionKind(self.kind.data)
        options = []
        if kind != QuestionKind.FLASHCARD:
            options = [
                OptionDraft(
                    text=(entry.text.data or "").strip(),
                    correct=bool(entry.correct.data),
                    rationale=(entry.rationale.data or "").strip(),
                    fixed=bool(entry.fixed.data),
                )
                for entry in self.options
                if (entry.text.data or "").strip()
            ]
        return QuestionDraft(
            kind=kind,
            stem=(self.stem.data or "").strip(),
            options=options,
            explanation=(self.explanation.data or "").strip(),
            reference=(self.reference.data or "").strip(),
            tags=parse_tags(self.tags.data or ""),
            external_id=(self.external_id.data or "").strip() or None,
        )

    def fill_from(self, draft: QuestionDraft) -> None:
        self.kind.data = draft.kind.value
        self.stem.data = draft.stem
        self.explanation.data = draft.explanation
        self.reference.data = draft.reference
        self.tags.data = ", ".join(draft.tags)
        self.external_id.data = draft.external_id or ""
        for entry, option in zip(self.options, draft.options, strict=False):
            entry.text.data = option.text
            entry.correct.data = option.correct
            entry.rationale.data = option.rationale
            entry.fixed.data = option.fixed


def parse_tags(text: str) -> list[str]:
    """Split a tag field on commas and semicolons; tidy the spaces around ``::``."""
    tags = []
    for raw in text.replace(";", ",").split(","):
        tag = "::".join(part.strip() for part in raw.split("::") if part.strip())
        if tag and tag not in tags:
            tags.append(tag[:200])
    return tags


class UploadForm(FlaskForm):
    file = FileField("Question file", validators=[FileRequired("Choose a file to upload.")])
    format = SelectField("Format")
    target = SelectField("Import into", coerce=int)
    title = StringField(
        "Title of the new set",
        validators=[Optional(), Length(max=200)],
        description="Leave empty to use the title inside the file, or its name.",
    )
