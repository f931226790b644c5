"""A card's info page: its memory, forgetting curve and answers, for the signed-in student."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from qbank import clock
from qbank.domain import scheduling
from qbank.presentation import charts
from qbank.services.study import info

bp = Blueprint("card_info", __name__, url_prefix="/study/cards")


@bp.get("/<int:question_id>/info")
@login_required
def show(question_id: int) -> ResponseReturnValue:
    """Show what the schedule knows of one of the student's cards, and their answers to it."""
    card = info.card_info(current_user, question_id, clock.now())
    if card is None:
        abort(404)
    curve = None
    if card.curve and card.last_review_day is not None:
        marks = [
            charts.CurveMark(name, recall.days_after_review, recall.chance, recall.day)
            for name, recall in (("Today", card.now), ("Due", card.at_due), ("Exam", card.on_exam))
            if recall is not None
        ]
        curve = charts.forgetting_curve(
            card.curve, card.last_review_day, card.desired_retention, marks
        )
    return render_template(
        "card_info/show.html",
        card=card,
        curve=curve,
        describe=scheduling.describe_interval,
        duration=charts.describe_duration,
        long_date=charts.long_date,
    )
