"""Faculty follow the cohorts studying their sets (figures in aggregate, never one student),
and set them blocks to take."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from qbank import clock
from qbank.database import write_transaction
from qbank.domain import practice as rules
from qbank.extensions import db
from qbank.models import BlockAssignment, Cohort
from qbank.presentation import words
from qbank.presentation.charts import describe_duration, long_date, share_bars
from qbank.services import cohort_progress as progress
from qbank.services import practice
from qbank.services.practice import assignments
from qbank.views.bank import FACULTY
from qbank.views.forms import ActionForm
from qbank.views.guards import role_required

bp = Blueprint("progress", __name__, url_prefix="/sets")  # beside the sets they study


def get_followed_cohort(cohort_id: int) -> Cohort:
    """Load a cohort the signed-in user follows: 404 if there is none, 403 if not theirs."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not progress.can_follow_cohort(current_user, cohort):
        abort(403)
    return cohort


@bp.get("/cohorts")
@role_required(*FACULTY)
def cohorts() -> ResponseReturnValue:
    """List the cohorts studying the signed-in faculty member's sets, with recent figures."""
    return render_template(
        "progress/cohorts.html",
        summaries=progress.followed_cohorts(current_user, clock.now()),
        min_group_size=progress.MIN_GROUP_SIZE,
    )


@bp.get("/cohorts/<int:cohort_id>")
@role_required(*FACULTY)
def cohort(cohort_id: int) -> ResponseReturnValue:
    """Show how a cohort is doing, week by week and set by set, in aggregate."""
    followed = get_followed_cohort(cohort_id)
    return render_template(
        "progress/cohort.html",
        report=progress.cohort_progress(followed, current_user, clock.now()),
        assigned=assignments.of_cohort(current_user, followed),
        due_day=assignments.due_day,
        min_group_size=progress.MIN_GROUP_SIZE,
        most_of_a_set=progress.MOST_OF_A_SET,
        duration=describe_duration,
    )


# --- assigned blocks ---------------------------------------------------------------------

SECONDS_CHOICES = [
    *(SelectChoice(str(s), f"{s} seconds") for s in (60, 75, 90, 120, 180)),
    SelectChoice("", "Untimed"),
]


class AssignForm(FlaskForm):
    """A fixed block for the cohort; the set and tag filter come from the picker's GET."""

    title = StringField(
        "Title",
        validators=[DataRequired("Give the block a title."), Length(max=assignments.MAX_TITLE)],
    )
    set = HiddenField()
    tag = HiddenField()
    question = SelectMultipleField(
        "Questions, in the order members get them", coerce=int, validate_choice=False
    )
    all_shown = BooleanField("Every question listed below")
    # Each option is labelled by its own text: a message names the field as sent.
    mode = RadioField(
        "mode",
        choices=[
            SelectChoice(rules.Mode.TIMED.value, "Timed: nothing revealed until the end"),
            SelectChoice(
                rules.Mode.TUTOR.value, "Tutor: the answer and explanation after each question"
            ),
        ],
        default=rules.Mode.TIMED.value,
    )
    seconds = SelectField(
        "Time per question (timed mode)",
        choices=SECONDS_CHOICES,
        default=str(rules.DEFAULT_SECONDS_PER_QUESTION),
    )
    due = DateField(
        "Due by the end of",
        validators=[InputRequired("Give the due day as a date.")],
        description="In the cohort's time zone. Members may still start it later: "
        "it then counts as late.",
    )


def _assign_page(cohort: Cohort, form: AssignForm, status: int = 200) -> ResponseReturnValue:
    sets = assignments.assignable_sets(current_user, cohort)
    chosen = request.values.get("set", type=int)
    if chosen not in {s.id for s, _ in sets}:
        chosen = sets[0][0].id if sets else None
    tag = request.values.get("tag", "").strip()[:200]
    questions, total = assignments.pickable(chosen, tag) if chosen is not None else ([], 0)
    form.set.data = str(chosen or "")
    form.tag.data = tag
    return render_template(
        "progress/assign_block.html",
        cohort=cohort,
        form=form,
        sets=sets,
        chosen=chosen,
        tag=tag,
        tags=assignments.set_tags(chosen) if chosen is not None else [],
        questions=questions,
        total=total,
        max_shown=assignments.MAX_SHOWN,
        limits=rules,
    ), status


@bp.get("/cohorts/<int:cohort_id>/blocks/new")
@role_required(*FACULTY)
def new_block(cohort_id: int) -> ResponseReturnValue:
    """Pick questions from one of your sets for a block every member takes."""
    followed = get_followed_cohort(cohort_id)
    form = AssignForm(formdata=None)
    form.due.data = progress.cohort_today(followed, clock.now()) + timedelta(days=7)
    return _assign_page(followed, form)


@bp.post("/cohorts/<int:cohort_id>/blocks/new")
@role_required(*FACULTY)
def create_block(cohort_id: int) -> ResponseReturnValue:
    """Set the block for the cohort; its members see it on their dashboards."""
    followed = get_followed_cohort(cohort_id)
    form = AssignForm()
    if not form.validate_on_submit():
        form.form_errors.append("Nothing was set: see the fields marked below.")
        return _assign_page(followed, form, 422)
    set_id = int(form.set.data) if (form.set.data or "").isdigit() else 0
    picked = list(form.question.data or [])
    if form.all_shown.data:
        shown, _ = assignments.pickable(set_id, form.tag.data or "")
        picked += [q.question_id for q in shown]
    seconds = form.seconds.data or ""
    spec = assignments.Spec(
        title=form.title.data or "",
        set_id=set_id,
        question_ids=tuple(picked),
        mode=rules.Mode(form.mode.data),
        seconds_per_question=int(seconds) if seconds.isdigit() else None,
        due_on=form.due.data,
    )
    try:
        with write_transaction():
            assignment = assignments.assign(current_user, followed, spec, clock.now())
    except practice.PracticeError as exc:
        form.form_errors.append(str(exc))
        return _assign_page(followed, form, 422)
    flash(
        f"“{assignment.title}” is set for {followed.name}: "
        f"{words.counted(len(assignment.questions), 'question')}.",
        "success",
    )
    return redirect(url_for("progress.block", cohort_id=followed.id, assignment_id=assignment.id))


def _managed_assignment(cohort: Cohort, assignment_id: int) -> BlockAssignment:
    assignment = db.get_or_404(BlockAssignment, assignment_id)
    if assignment.cohort_id != cohort.id:
        abort(404)
    if not assignments.may_manage(current_user, assignment):
        abort(403)
    return assignment


@bp.get("/cohorts/<int:cohort_id>/blocks/<int:assignment_id>")
@role_required(*FACULTY)
def block(cohort_id: int, assignment_id: int) -> ResponseReturnValue:
    """Who has taken the block, and how the class did, in aggregate."""
    followed = get_followed_cohort(cohort_id)
    assignment = _managed_assignment(followed, assignment_id)
    report = assignments.class_report(assignment)
    bands = None
    if report.scores is not None:
        step = 100 // rules.BANDS
        bands = share_bars(
            [
                (
                    f"{n * step} to {n * step + step - (0 if n == rules.BANDS - 1 else 1)}%",
                    count,
                    report.scores.students,
                )
                for n, count in enumerate(report.scores.bands)
            ],
            "Members by score",
            noun="member",
        )
    return render_template(
        "progress/assignment.html",
        report=report,
        bands=bands,
        due=long_date(assignments.due_day(assignment, followed)),
        min_group_size=progress.MIN_GROUP_SIZE,
        duration=describe_duration,
        action=ActionForm(),
    )


@bp.post("/cohorts/<int:cohort_id>/blocks/<int:assignment_id>/withdraw")
@role_required(*FACULTY)
def withdraw_block(cohort_id: int, assignment_id: int) -> ResponseReturnValue:
    """Take the block back from the members; attempts already made stay theirs."""
    if not ActionForm().validate_on_submit():
        abort(400)
    followed = get_followed_cohort(cohort_id)
    with write_transaction():
        assignment = _managed_assignment(followed, assignment_id)
        title = assignment.title
        assignments.withdraw(assignment)
    flash(f"“{title}” is withdrawn. Members who took it keep their blocks.", "success")
    return redirect(url_for("progress.cohort", cohort_id=followed.id))
