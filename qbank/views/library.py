"""Students find the question sets open to them and choose what to study."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from qbank import clock
from qbank.extensions import db
from qbank.models import QuestionSet
from qbank.services import enrollment
from qbank.views.forms import ActionForm
from qbank.views.saving import saving

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """List the sets open to the student, marking the ones they study."""
    return render_template(
        "library/index.html", lines=enrollment.library_for(current_user), action=ActionForm()
    )


@bp.post("/<int:set_id>/<any(enroll, unenroll):choice>")
@login_required
def change(set_id: int, choice: str) -> ResponseReturnValue:
    """Start or stop studying a set."""
    question_set = db.session.get(QuestionSet, set_id)
    if question_set is None or not ActionForm().validate_on_submit():
        abort(404)
    title = question_set.title
    with saving(enrollment.EnrollmentError) as saved:
        if choice == "enroll":
            enrollment.enroll(current_user, question_set, clock.now())
        else:
            enrollment.unenroll(current_user, question_set, clock.now())
    if not saved:
        return redirect(url_for("library.index"))
    if choice == "enroll":
        message = f"You now study “{title}”. Its cards join today's queue."
    else:
        message = f"“{title}” left your queue. Your history is kept."
    flash(message, "success")
    return redirect(url_for("library.index"))
