"""The student's own card browser: filter their cards and act on them."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from qbank import clock
from qbank.presentation import charts
from qbank.services import study
from qbank.services.study import browser
from qbank.views.forms import ActionForm

bp = Blueprint("card_browser", __name__, url_prefix="/study/cards")

STATUS_LABELS = {
    browser.Status.ALL: "All cards",
    browser.Status.NEW: "New",
    browser.Status.DUE: "Due today",
    browser.Status.DUE_WEEK: "Due within 7 days",
    browser.Status.MISSED: "Missed last time",
    browser.Status.FLAGGED: "Flagged",
    browser.Status.SUSPENDED: "Suspended",
    browser.Status.BURIED: "Buried",
}


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """List the student's cards: by set, tag and status, 50 a page."""
    try:
        status = browser.Status(request.args.get("status", browser.Status.ALL))
    except ValueError:
        status = browser.Status.ALL
    wanted = browser.CardFilter(
        set_id=request.args.get("set", type=int),
        tag=request.args.get("tag", "").strip()[:200],
        status=status,
        page=request.args.get("page", 1, type=int) or 1,
    )
    now = clock.now()
    page = browser.browse(current_user, now, wanted)
    return render_template(
        "card_browser/index.html",
        page=page,
        wanted=wanted,
        statuses=STATUS_LABELS,
        here=request.full_path.rstrip("?"),
        action=ActionForm(),
        today=study.calendar_of(current_user).day_of(now),
        long_date=charts.long_date,
    )
