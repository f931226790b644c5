"""Forms more than one blueprint uses."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired


class ActionForm(FlaskForm):
    """A button that carries only the CSRF token: the route and its URL say what it does."""


class ExamDayForm(FlaskForm):
    """The day of an exam on a set (a student's own, or a rep's for the cohort)."""

    day = DateField("Exam day", validators=[InputRequired("Give the exam day as a date.")])
