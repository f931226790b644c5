"""Faculty follow the cohorts studying their sets: figures in aggregate, never one student."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from qbank import clock
from qbank.extensions import db
from qbank.models import Cohort
from qbank.presentation.charts import describe_duration
from qbank.services import cohort_progress as progress
from qbank.views.bank import FACULTY
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
        min_group_size=progress.MIN_GROUP_SIZE,
        most_of_a_set=progress.MOST_OF_A_SET,
        duration=describe_duration,
    )
