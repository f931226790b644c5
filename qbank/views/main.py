"""The landing page and the student's dashboard."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from qbank import clock
from qbank.domain import gamification as rules
from qbank.domain.scheduling import describe_interval
from qbank.services import fsrs_tuning, practice
from qbank.services.dashboard import dashboard_for
from qbank.services.practice import assignments
from qbank.services.study import queue_for

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show what qbank is, or send a signed-in user to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/index.html")


@bp.get("/points")
@login_required
def points() -> ResponseReturnValue:
    """Explain in plain words how points, levels, streaks and badges work."""
    return render_template("main/points.html", rules=rules)


@bp.get("/dashboard")
@login_required
def dashboard() -> ResponseReturnValue:
    """Show today's study summary, cohorts and sets."""
    now = clock.now()
    queue = queue_for(current_user, now)
    zone = ZoneInfo(current_user.timezone)
    return render_template(
        "main/dashboard.html",
        board=dashboard_for(current_user, now),
        queue=queue,
        # When the next card falls due, on the student's clock, and how long until then.
        next_review=queue.later.astimezone(zone) if queue.later else None,
        next_review_in=describe_interval(queue.later - now) if queue.later else None,
        local_today=now.astimezone(zone).date(),
        open_block=practice.open_block(current_user),
        optimize_now=fsrs_tuning.readiness(current_user).suggested(now),
        # Blocks still to do, and those done that were due in the last week.
        assigned=assignments.for_member(current_user, include_done_since=now - timedelta(days=7)),
    )
