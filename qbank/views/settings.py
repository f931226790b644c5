"""A student's study settings, and the devices signed in to the account."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from qbank import clock
from qbank.database import write_transaction
from qbank.domain.days import is_known_timezone, timezone_choices
from qbank.domain.gamification import Goal
from qbank.models import DailyGoal
from qbank.presentation import charts, words
from qbank.services import fsrs_tuning, sessions
from qbank.services import settings as settings_service
from qbank.services.settings import (
    GoalStart,
    StudySettings,
    lighter_weekdays,
    update_study_settings,
)
from qbank.views.forms import ActionForm

bp = Blueprint("settings", __name__, url_prefix="/settings")


class StudySettingsForm(FlaskForm):
    timezone = SelectField("Time zone", validate_choice=False)
    rollover_hour = IntegerField(
        "New day starts at (hour)",
        validators=[InputRequired(), NumberRange(0, 23, "Give an hour from 0 to 23.")],
        description="Answers before this hour count for the day before (4 means 4 a.m.).",
    )
    desired_retention = DecimalField(
        "Desired retention",
        places=2,
        validators=[
            InputRequired(),
            NumberRange(0.70, 0.97, "Choose a retention from 0.70 to 0.97."),
        ],
        description="The share of reviews you aim to remember. Higher means more reviews.",
    )
    new_cards_per_day = IntegerField(
        "New cards per day",
        validators=[InputRequired(), NumberRange(0, 500, "Choose 0 to 500 new cards a day.")],
    )
    max_reviews_per_day = IntegerField(
        "Maximum reviews per day",
        validators=[InputRequired(), NumberRange(0, 9999, "Choose 0 to 9,999 reviews a day.")],
    )
    new_cards_wait_for_reviews = BooleanField(
        "No new cards while reviews are behind",
        description=(
            "While more reviews are due than your daily maximum, new cards wait, so the "
            "backlog shrinks instead of growing."
        ),
    )
    lighter_weekdays = SelectMultipleField(
        "Lighter days",
        choices=[SelectChoice(n, day) for n, day in enumerate(calendar.day_name)],
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=(
            "Days that get about half the reviews of the others: reviews are moved a day or "
            "two within their normal spread, never made due later than FSRS allows."
        ),
    )
    confirm_rating = BooleanField(
        "After a right answer, let me choose Hard, Good or Easy",
        description="Off: a right answer counts as Good.",
    )
    practice_into_review = BooleanField(
        "Send what I miss in practice blocks to my daily reviews",
        description=(
            "A question missed in a block, or right by a guess, becomes a card (a card you "
            "already review lapses when missed). Off: blocks leave your reviews alone."
        ),
    )
    daily_goal = SelectField(
        "Daily goal",
        choices=[
            SelectChoice(DailyGoal.ALL_DUE.value, "Clear every card due today"),
            SelectChoice(DailyGoal.ANSWERS.value, "Answer a number of cards"),
        ],
        description="Each day you meet it adds one to your streak. Once you have answered "
        "today, a change starts tomorrow: a day keeps the goal it began with.",
    )
    daily_goal_answers = IntegerField(
        "Cards a day, for the number goal",
        validators=[InputRequired(), NumberRange(1, 1000, "Choose 1 to 1,000 cards a day.")],
    )

    def validate_timezone(self, field: SelectField) -> None:
        if not is_known_timezone(field.data or ""):
            raise ValidationError("Choose a time zone from the list.")


@dataclass(frozen=True)
class Optimized:
    """What pressing Optimize did: the fit, and if kept, the cards moved and the workload."""

    result: fsrs_tuning.TuningResult
    moved: int = 0
    workload_before: fsrs_tuning.WorkloadPoint | None = None
    workload_after: fsrs_tuning.WorkloadPoint | None = None


def _page(form: StudySettingsForm, optimized: Optimized | None = None) -> ResponseReturnValue:
    zone = ZoneInfo(current_user.timezone)
    devices = [
        (
            device,
            device.created_at.astimezone(zone),
            sessions.is_current(device, current_user.session_token),
        )
        for device in sessions.active_sessions(current_user, clock.now())
    ]
    return render_template(
        "settings/index.html",
        form=form,
        action=ActionForm(),
        readiness=fsrs_tuning.readiness(current_user),
        min_reviews=fsrs_tuning.MIN_REVIEWS,
        min_days=fsrs_tuning.MIN_DAYS,
        health=fsrs_tuning.health(current_user),
        optimized=optimized,
        now=clock.now(),
        devices=devices,
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def study_settings() -> ResponseReturnValue:
    """Change time zone, day rollover, retention and daily limits."""
    form = StudySettingsForm(obj=current_user)
    if request.method == "GET":
        form.lighter_weekdays.data = sorted(lighter_weekdays(current_user))
    form.timezone.choices = timezone_choices()
    if form.validate_on_submit():
        with write_transaction():
            goal_starts = update_study_settings(
                current_user,
                StudySettings(
                    timezone=form.timezone.data,
                    rollover_hour=form.rollover_hour.data,
                    desired_retention=float(form.desired_retention.data),
                    new_cards_per_day=form.new_cards_per_day.data,
                    max_reviews_per_day=form.max_reviews_per_day.data,
                    confirm_rating=form.confirm_rating.data,
                    daily_goal=Goal(form.daily_goal.data, form.daily_goal_answers.data),
                    new_cards_wait_for_reviews=form.new_cards_wait_for_reviews.data,
                    practice_into_review=form.practice_into_review.data,
                    lighter_weekdays=frozenset(form.lighter_weekdays.data or ()),
                ),
                clock.now(),
            )
        flash("Settings saved. They apply from your next card.", "success")
        if goal_starts is GoalStart.TOMORROW:
            flash("Your new daily goal starts tomorrow: today keeps the one it began with.", "info")
        elif goal_starts is GoalStart.LATER:
            flash(
                "Your new daily goal starts after the study days you have already begun "
                "in your previous time zone: they keep the goal they began with.",
                "info",
            )
        elif goal_starts is GoalStart.TODAY:
            flash("Your new daily goal counts from today.", "info")
        return redirect(url_for("settings.study_settings"))
    return _page(form)


@bp.post("/optimize")
@login_required
def optimize() -> ResponseReturnValue:
    """Fit the memory model to the student's earlier reviews; keep it if it predicts their
    later reviews better, and reschedule their cards with it."""
    form = StudySettingsForm(obj=current_user, formdata=None)
    form.timezone.choices = timezone_choices()
    if not ActionForm().validate_on_submit():
        return redirect(url_for("settings.study_settings"))
    now = clock.now()
    try:
        result = fsrs_tuning.fit(current_user, now)
    except fsrs_tuning.TuningError as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.study_settings"))
    if not result.stored:
        with write_transaction():
            fsrs_tuning.note_attempt(current_user, now)
        return _page(form, Optimized(result))
    retention = [current_user.desired_retention]
    before = fsrs_tuning.simulate_workload(current_user, retention, days=90)[0]
    after = fsrs_tuning.simulate_workload(
        current_user, retention, days=90, parameters=result.parameters_after
    )[0]
    with write_transaction():
        moved = fsrs_tuning.keep_parameters(current_user, result, now)
    return _page(form, Optimized(result, moved, before, after))


@bp.get("/workload")
@login_required
def workload() -> ResponseReturnValue:
    """Show the daily workload a few desired retentions would bring."""
    points = fsrs_tuning.simulate_workload(current_user)
    chart = charts.workload_chart(
        [(p.desired_retention, p.reviews_per_day, p.memorized) for p in points]
    )
    return render_template(
        "settings/workload.html", points=points, chart=chart, action=ActionForm()
    )


@bp.post("/retention")
@login_required
def choose_retention() -> ResponseReturnValue:
    """Use the desired retention the student picked on Help me decide."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("settings.workload"))
    try:
        retention = float(request.form.get("retention", ""))
        with write_transaction():
            settings_service.choose_retention(current_user, retention)
    except ValueError:
        flash("Choose one of the retentions listed.", "error")
        return redirect(url_for("settings.workload"))
    flash(f"Desired retention is {retention:.2f} from your next answer.", "success")
    return redirect(url_for("settings.workload"))


@bp.post("/devices/<int:session_id>/logout")
@login_required
def end_device(session_id: int) -> ResponseReturnValue:
    """Log out one of the signed-in user's devices."""
    if ActionForm().validate_on_submit():
        with write_transaction():
            ended = sessions.end_session(current_user, session_id, clock.now())
        # Another user's session id finds nothing: only the user's own rows are touched.
        if ended:
            flash("That device is logged out.", "success")
        else:
            flash("That device was already logged out.", "info")
    return redirect(url_for("settings.study_settings") + "#devices")


@bp.post("/devices/logout-others")
@login_required
def end_other_devices() -> ResponseReturnValue:
    """Log out every device of the signed-in user but this one."""
    if ActionForm().validate_on_submit():
        with write_transaction():
            ended = sessions.end_other_sessions(
                current_user, current_user.session_token, clock.now()
            )
        flash(
            f"Logged out {words.counted(ended, 'other device')}."
            if ended
            else "No other device was logged in.",
            "success" if ended else "info",
        )
    return redirect(url_for("settings.study_settings") + "#devices")
