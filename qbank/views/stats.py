"""A student's statistics, drawn as charts."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from qbank import clock
from qbank.presentation import charts
from qbank.services.stats import FORECAST_DAYS, HEATMAP_DAYS, MATURE_STABILITY_DAYS, student_stats
from qbank.services.study import backlog as backlogs

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Show the signed-in student's study statistics."""
    now = clock.now()
    stats = student_stats(current_user, now)
    retention = [
        (label, r.recalled, r.answers)
        for label, r in (
            ("Last 30 days", stats.retention_30_days),
            ("All time", stats.retention_all_time),
            (f"Young cards (under {MATURE_STABILITY_DAYS} days)", stats.retention_young),
            ("Mature cards", stats.retention_mature),
        )
        if r.answers
    ]
    pictures = {
        "heatmap": charts.year_heatmap(stats.daily_reviews, stats.today, HEATMAP_DAYS),
        "forecast": charts.due_forecast_chart(stats.due_forecast, stats.today),
        "retention": charts.share_bars(
            retention,
            "True retention",
            noun="review",
            target=stats.desired_retention,
            decimals=1,
        ),
        "tags": charts.share_bars(stats.tags, "Accuracy by tag"),
    }
    return render_template(
        "stats/index.html",
        stats=stats,
        charts=pictures,
        forecast_days=FORECAST_DAYS,
        mature_days=MATURE_STABILITY_DAYS,
        backlog=backlogs.backlog_of(current_user, now),
        backlog_days=backlogs.FORECAST_DAYS,
        duration=charts.describe_duration,
    )
