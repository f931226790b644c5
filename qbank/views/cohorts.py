"""Cohorts: students create and join them; class reps run them and their leaderboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from qbank import clock
from qbank.database import write_transaction
from qbank.domain import leaderboard as board_rules
from qbank.domain.days import timezone_choices
from qbank.domain.spreadsheets import guard_cell
from qbank.extensions import db
from qbank.models import Cohort, Membership, QuestionSet
from qbank.presentation import words
from qbank.services import cohorts, exams, leaderboard
from qbank.views.forms import ActionForm, ExamDayForm
from qbank.views.saving import saving

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


Choice = TypeVar("Choice", bound=str)


def _choices(labels: Mapping[Choice, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class CreateForm(FlaskForm):
    name = StringField("Cohort name", validators=[DataRequired(), Length(max=120)])


class JoinForm(FlaskForm):
    code = StringField("Join code", validators=[DataRequired(), Length(max=20)])


class InviteForm(FlaskForm):
    """The e-mail of a faculty member to invite; ``command`` reads and checks it."""

    email = EmailField("Faculty e-mail")


class BoardForm(FlaskForm):
    name = StringField("Cohort name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone (weeks start on Monday here)", validate_choice=False)
    window = SelectField("Time window", choices=_choices(words.BOARD_WINDOWS))
    window_start = DateField("From (custom window)", validators=[Optional()])
    window_end = DateField("To (custom window)", validators=[Optional()])
    metric = SelectField("Ranked by", choices=_choices(words.BOARD_METRICS))
    accuracy_min_answers = IntegerField(
        "Minimum answers to rank by accuracy", validators=[NumberRange(0, 100000)], default=50
    )
    anonymous = BooleanField("Show pseudonyms instead of names")
    view = SelectField("Each member sees", choices=_choices(words.BOARD_VIEWS))
    frozen_on = DateField("Freeze the board on (optional)", validators=[Optional()])


def get_cohort(cohort_id: int, rep: bool = False) -> tuple[Cohort, Membership]:
    """Load a cohort the signed-in user belongs to (as rep if asked): else 404 or 403."""
    cohort = db.get_or_404(Cohort, cohort_id)
    membership = cohorts.membership_of(current_user, cohort)
    if membership is None:
        abort(404)
    if rep and not membership.is_rep:
        abort(403)
    return cohort, membership


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """List the student's cohorts, with forms to create or join one."""
    return render_template(
        "cohorts/index.html",
        lines=cohorts.cohorts_of(current_user),
        create=CreateForm(),
        join=JoinForm(code=request.args.get("code", "")),
    )


@bp.post("/new")
@login_required
def create() -> ResponseReturnValue:
    """Create a cohort; its creator becomes its class rep."""
    form = CreateForm()
    if not form.validate_on_submit():
        flash("Give the cohort a name.", "error")
        return redirect(url_for("cohorts.index"))
    with write_transaction():
        cohort = cohorts.create_cohort(
            form.name.data, current_user, current_user.timezone, clock.now()
        )
    flash(f"Cohort created. Share the code {cohort.join_code} with your class.", "success")
    return redirect(url_for("cohorts.manage", cohort_id=cohort.id))


@bp.post("/join")
@login_required
def join() -> ResponseReturnValue:
    """Join a cohort with its code."""
    form = JoinForm()
    if not form.validate_on_submit():
        flash("Type the join code your class rep gave you.", "error")
        return redirect(url_for("cohorts.index"))
    with saving(cohorts.CohortError) as saved:
        cohort = cohorts.join_by_code(current_user, form.code.data, clock.now())
    if not saved:
        return redirect(url_for("cohorts.index", code=form.code.data))
    flash(f"You joined {cohort.name}.", "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.get("/join/<code>")
@login_required
def join_link(code: str) -> ResponseReturnValue:
    """A shared join link: show the join form filled in, to confirm with one tap."""
    return redirect(url_for("cohorts.index", code=code))


@bp.get("/<int:cohort_id>")
@login_required
def show(cohort_id: int) -> ResponseReturnValue:
    """Show the cohort's leaderboard."""
    cohort, membership = get_cohort(cohort_id)
    standings = leaderboard.standings(cohort, clock.now())
    places = board_rules.seen_by(
        standings.places, cohort.board_view, current_user.id, membership.is_rep
    )
    return render_template(
        "cohorts/show.html",
        cohort=cohort,
        membership=membership,
        standings=standings,
        places=places,
        action=ActionForm(),
    )


@bp.post("/<int:cohort_id>/shown")
@login_required
def shown(cohort_id: int) -> ResponseReturnValue:
    """Opt out of the board, or back in."""
    _, membership = get_cohort(cohort_id)
    if ActionForm().validate_on_submit():
        with write_transaction():
            cohorts.set_shown(membership, request.form.get("shown") == "1")
        flash(
            "You are on the board."
            if membership.show_on_leaderboard
            else "You are hidden from the board.",
            "success",
        )
    return redirect(url_for("cohorts.show", cohort_id=cohort_id))


@bp.post("/<int:cohort_id>/leave")
@login_required
def leave(cohort_id: int) -> ResponseReturnValue:
    """Leave a cohort."""
    cohort, _ = get_cohort(cohort_id)
    if ActionForm().validate_on_submit():
        name = cohort.name
        with saving(cohorts.CohortError) as saved:
            cohorts.leave(current_user, cohort)
        if not saved:
            return redirect(url_for("cohorts.show", cohort_id=cohort_id))
        flash(f"You left {name}.", "success")
    return redirect(url_for("cohorts.index"))


def _frozen_at(form: BoardForm, tz: str) -> datetime | None:
    if not form.frozen_on.data:
        return None
    local_midnight = datetime.combine(form.frozen_on.data, time(0), tzinfo=ZoneInfo(tz))
    return local_midnight.astimezone(UTC)


@bp.route("/<int:cohort_id>/manage", methods=["GET", "POST"])
@login_required
def manage(cohort_id: int) -> ResponseReturnValue:
    """Let the rep rename the cohort and set its leaderboard."""
    cohort, _ = get_cohort(cohort_id, rep=True)
    form = BoardForm(
        obj=cohort,
        window=cohort.board_window,
        metric=cohort.board_metric,
        view=cohort.board_view,
        frozen_on=cohort.frozen_at.astimezone(ZoneInfo(cohort.timezone)).date()
        if cohort.frozen_at
        else None,
    )
    form.timezone.choices = timezone_choices()
    if form.validate_on_submit():
        settings = cohorts.BoardSettings(
            name=form.name.data,
            timezone=form.timezone.data,
            window=form.window.data,
            window_start=form.window_start.data,
            window_end=form.window_end.data,
            metric=form.metric.data,
            accuracy_min_answers=form.accuracy_min_answers.data or 0,
            anonymous=form.anonymous.data,
            view=form.view.data,
            frozen_at=_frozen_at(form, form.timezone.data),
        )
        try:
            with write_transaction():
                cohorts.update_board(cohort, settings)
        except cohorts.CohortError as exc:
            form.window_start.errors = [str(exc)]
        else:
            flash("Leaderboard settings saved.", "success")
            return redirect(url_for("cohorts.manage", cohort_id=cohort.id))
    return render_template(
        "cohorts/manage.html",
        cohort=cohort,
        form=form,
        members=cohorts.members(cohort),
        action=ActionForm(),
        invite=InviteForm(),
        sets=cohorts.assignable_sets(cohort),
        exam_days=exams.cohort_exam_days(cohort),
        faculty=cohorts.cohort_faculty(cohort),
        join_url=url_for("cohorts.join_link", code=cohort.join_code, _external=True),
    )


@bp.post("/<int:cohort_id>/<any(rotate, remove, appoint, assign, invite, uninvite):command>")
@login_required
def command(cohort_id: int, command: str) -> ResponseReturnValue:
    """Rotate the code, remove a member, appoint a rep, assign a set, or invite faculty."""
    cohort, _ = get_cohort(cohort_id, rep=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    target = request.form.get("target", 0, type=int)  # ids start at 1
    email = request.form.get("email", "").strip()[:254]
    if (command == "invite" and not email) or (command not in ("rotate", "invite") and not target):
        abort(400)
    question_set = None
    if command == "assign":
        question_set = db.get_or_404(QuestionSet, target)
    now = clock.now()
    with saving(cohorts.CohortError) as saved:
        if command == "rotate":
            code = cohorts.rotate_code(cohort)
            message = f"New join code: {code}. The old one no longer works."
        elif command == "remove":
            cohorts.remove_member(cohort, target, current_user, now)
            message = "Member removed."
        elif command == "appoint":
            cohorts.appoint_rep(cohort, target)
            message = "New rep appointed."
        elif command == "assign":
            assert question_set is not None  # loaded above
            cohorts.assign_set(cohort, question_set, current_user, now)
            message = "Set assigned: members now have it in their queue."
        elif command == "invite":
            faculty = cohorts.invite_faculty(cohort, email, current_user, now)
            message = f"{faculty.display_name} can now share sets with this cohort."
        else:
            cohorts.remove_faculty(cohort, target, current_user, now)
            message = "Faculty member removed: they no longer follow this cohort."
    if saved:
        flash(message, "success")
    return redirect(url_for("cohorts.manage", cohort_id=cohort_id))


@bp.post("/<int:cohort_id>/exams/<int:set_id>")
@login_required
def exam(cohort_id: int, set_id: int) -> ResponseReturnValue:
    """The rep gives an assigned set an exam day for every member, or clears it."""
    cohort, _ = get_cohort(cohort_id, rep=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    question_set = db.get_or_404(QuestionSet, set_id)
    back = redirect(url_for("cohorts.manage", cohort_id=cohort_id))
    if request.form.get("clear"):
        with write_transaction():
            exams.clear_cohort_exam(cohort, question_set)
        flash(f"The cohort's exam date for {question_set.title} is cleared.", "success")
        return back
    form = ExamDayForm()
    if not form.validate() or form.day.data is None:
        flash("Give the exam day as a date.", "error")
        return back
    day = form.day.data
    with saving(exams.ExamError) as saved:
        moved = exams.set_cohort_exam(current_user, cohort, question_set, day, clock.now())
    if saved:
        flash(
            f"Exam on {day:%-d %B %Y} for {question_set.title}: members' reviews that "
            f"would fall short on the day come before it ({words.counted(moved, 'review')}).",
            "success",
        )
    return back


@bp.get("/<int:cohort_id>/standings.csv")
@login_required
def export(cohort_id: int) -> ResponseReturnValue:
    """Download the current standings as CSV (reps only)."""
    cohort, _ = get_cohort(cohort_id, rep=True)
    standings = leaderboard.standings(cohort, clock.now())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "name", standings.metric, "window_from", "window_to"])
    for place in standings.places:
        writer.writerow(
            [
                place.rank,
                guard_cell(place.entry.name),
                place.entry.score,
                standings.first_day or "",
                standings.last_day,
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="standings-{cohort.id}.csv"'},
    )
