"""The daily review: today's cards, answering, undo and card actions.

Every step is a plain page and form, so studying works without JavaScript; with it,
static/js/study.js swaps pages in place and adds the keyboard.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from qbank import clock
from qbank.database import write_transaction
from qbank.domain import answers, scheduling
from qbank.domain.scheduling import Memory
from qbank.extensions import db
from qbank.models import Question, QuestionKind, QuestionSet, ReviewLog
from qbank.presentation import words
from qbank.services import access, exams, gamification, reports, study
from qbank.services.question_bank import current_version
from qbank.services.study import backlog as backlogs
from qbank.views.forms import ActionForm, ExamDayForm
from qbank.views.guards import safe_next_url, signing_secret
from qbank.views.saving import saving

bp = Blueprint("study", __name__, url_prefix="/study")
DEFAULT_SPREAD_DAYS = 5


class ReportForm(FlaskForm):
    reason = SelectField(
        "What is wrong?",
        choices=[SelectChoice(key, label) for key, label in reports.REPORT_REASONS.items()],
    )
    comment = TextAreaField("Details (optional)", validators=[Optional(), Length(max=2000)])


def _render_card(
    question_id: int,
    reveal: bool = False,
    error: str | None = None,
    queue: study.Queue | None = None,
) -> ResponseReturnValue:
    now = clock.now()
    try:
        card = study.card_view(current_user, question_id, now, signing_secret())
    except study.StudyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("study.today"))
    if queue is None:
        queue = study.queue_for(current_user, now)
    return render_template(
        "study/card.html",
        card=card,
        reveal=reveal,
        error=error,
        size=queue.size,
        behind=queue.behind,
        position=queue.today.done + 1,
        describe=scheduling.describe_interval,
        action=ActionForm(),
    ), (422 if error else 200)


@bp.get("/")
@login_required
def today() -> ResponseReturnValue:
    """Show the next card of today's queue, or say that today is done."""
    now = clock.now()
    queue = study.queue_for(current_user, now)
    pick = study.pick_next(queue)
    if pick is None:
        return render_template(
            "study/done.html",
            queue=queue,
            wait=(queue.later - now) if queue.later else None,
            describe=scheduling.describe_interval,
            action=ActionForm(),
        )
    return _render_card(pick[1], queue=queue)  # the queue just built serves the progress bar


@bp.get("/cards/<int:question_id>")
@login_required
def card(question_id: int) -> ResponseReturnValue:
    """Show one card; ``?reveal=1`` shows a flashcard's back with the rating buttons."""
    return _render_card(question_id, reveal=request.args.get("reveal") == "1")


@bp.post("/answer")
@login_required
def answer() -> ResponseReturnValue:
    """Record an answer (once, however often it is sent) and show how it went."""
    if not ActionForm().validate_on_submit():
        abort(400)
    question_id = request.form.get("question_id", type=int)
    token = request.form.get("token", "")
    chosen = request.form.getlist("chosen")
    rating = request.form.get("rating", type=int)
    guessed = request.form.get("guessed") == "1"
    if question_id is None or not token:
        abort(400)
    now = clock.now()
    stamp = request.form.get("shown", "")[:64]
    time_taken = study.time_since_issue(signing_secret(), current_user, question_id, stamp, now)

    question = db.get_or_404(Question, question_id)
    version = current_version(question)
    is_choice = version.kind != QuestionKind.FLASHCARD
    if answers.awaits_rating(
        current_user.confirm_rating, is_choice, version.options, chosen, rating, guessed
    ):
        return _render_check(question_id, chosen, token, stamp)

    try:
        with write_transaction():
            study.lock_student(current_user)
            log, _ = study.record_answer(
                current_user,
                question_id,
                token,
                chosen,
                rating,
                time_taken,
                now,
                signing_secret(),
                guessed=guessed,
            )
    except study.StaleCard as exc:
        flash(str(exc), "info")
        return redirect(url_for("study.today"))
    except study.StudyError as exc:
        return _render_card(question_id, error=str(exc))
    for badge in gamification.badges_earned_by(log):
        flash(f"Badge earned: {badge.name}. {badge.description}", "badge")
    if not is_choice:
        after = Memory.from_json(log.state_after)
        wait = scheduling.wait(after, log.reviewed_at, study.calendar_of(current_user))
        flash(
            f"{scheduling.RATING_NAMES[log.rating]}: next in {scheduling.describe_interval(wait)}.",
            "success",
        )
        return redirect(url_for("study.today"))
    return redirect(url_for("study.result", review_id=log.id))


def _render_check(
    question_id: int, chosen: list[str], token: str, stamp: str
) -> ResponseReturnValue:
    now = clock.now()
    card = study.card_view(current_user, question_id, now, signing_secret())
    return render_template(
        "study/result.html",
        card=card,
        version=card.version,
        options=card.options,
        chosen=set(chosen),
        correct=True,
        review=None,
        intervals=card.intervals,
        token=token,
        stamp=stamp,
        describe=scheduling.describe_interval,
        action=ActionForm(),
        size=study.queue_size(current_user, now),
    )


@bp.get("/reviews/<int:review_id>")
@login_required
def result(review_id: int) -> ResponseReturnValue:
    """Show an answered card: right or wrong, every rationale, the explanation, the intervals."""
    review = db.session.get(ReviewLog, review_id)
    if review is None or review.user_id != current_user.id:
        abort(404)
    if not access.can_see_question(current_user, review.question_id):
        flash(
            "That question is no longer shared with you. Your answers to it stay in your stats.",
            "info",
        )
        return redirect(url_for("study.today"))
    answered = study.answered_card(current_user, review)
    return render_template(
        "study/result.html",
        card=None,
        version=answered.version,
        options=answered.options,
        chosen=set(review.chosen),
        correct=review.correct,
        review=review,
        intervals=answered.intervals,
        describe=scheduling.describe_interval,
        action=ActionForm(),
        size=study.queue_size(current_user, clock.now()),
    )


@bp.route("/backlog", methods=["GET", "POST"])
@login_required
def backlog() -> ResponseReturnValue:
    """After a break: how long the due reviews take at the limit, and spreading them out."""
    now = clock.now()
    days = request.values.get("days", DEFAULT_SPREAD_DAYS, type=int)
    days = min(max(days, 2), backlogs.MAX_SPREAD_DAYS)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        with write_transaction():
            study.lock_student(current_user)
            moved = backlogs.spread_backlog(current_user, now, days)
        flash(
            f"Spread over {words.counted(days, 'day')}: "
            f"{words.counted(moved, 'review')} moved to the coming days.",
            "success",
        )
        return redirect(url_for("study.today"))
    return render_template(
        "study/backlog.html",
        backlog=backlogs.backlog_of(current_user, now),
        plan=backlogs.plan_spread(current_user, now, days),
        days=days,
        max_days=backlogs.MAX_SPREAD_DAYS,
        action=ActionForm(),
    )


@bp.get("/exams")
@login_required
def exams_page() -> ResponseReturnValue:
    """Each set studied, its exam date, and the chance of recall predicted for that day."""
    now = clock.now()
    return render_template(
        "study/exams.html",
        lines=exams.exam_plan(current_user, now),
        form=ExamDayForm(),
        today=study.calendar_of(current_user).day_of(now),
        action=ActionForm(),
    )


@bp.post("/exams/<int:set_id>")
@login_required
def set_exam(set_id: int) -> ResponseReturnValue:
    """Give a set an exam day (reviews that would fall short move before it), or clear it."""
    if not ActionForm().validate_on_submit():
        abort(400)
    question_set = db.session.get(QuestionSet, set_id)
    if question_set is None or not access.can_see_set(current_user, question_set):
        abort(404)
    now = clock.now()
    if request.form.get("clear"):
        with write_transaction():
            exams.clear_exam(current_user, question_set)
        flash(f"Exam date for {question_set.title} cleared.", "success")
        return redirect(url_for("study.exams_page"))
    form = ExamDayForm()
    if not form.validate() or form.day.data is None:
        flash("Give the exam day as a date.", "error")
        return redirect(url_for("study.exams_page"))
    day = form.day.data
    with saving(exams.ExamError) as saved:
        study.lock_student(current_user)
        moved = exams.set_exam(current_user, question_set, day, now)
    if saved:
        flash(
            f"Exam on {day:%-d %B %Y} for {question_set.title}: "
            f"{words.counted(moved, 'review')} brought before it.",
            "success",
        )
    return redirect(url_for("study.exams_page"))


@bp.post("/undo")
@login_required
def undo() -> ResponseReturnValue:
    """Take back the last answer and show that card again."""
    if not ActionForm().validate_on_submit():
        abort(400)
    plan = study.plan_undo(current_user)
    with write_transaction():
        study.lock_student(current_user)
        log = study.undo_last_answer(current_user, clock.now(), plan)
    if log is None:
        flash("There is no answer to undo.", "info")
        return redirect(url_for("study.today"))
    flash("Answer undone. Answer this card again.", "info")
    return redirect(url_for("study.card", question_id=log.question_id))


CARD_ACTIONS = "suspend, unsuspend, bury, unbury, flag, unflag, reset"


@bp.post(f"/cards/<int:question_id>/<any({CARD_ACTIONS}):action>")
@login_required
def card_action(question_id: int, action: str) -> ResponseReturnValue:
    """Suspend, bury until tomorrow, flag or reset a card, or undo one of those.

    The form may say where to go back to (``next``: the card browser with its filters);
    else the student goes on with today's queue.
    """
    if not ActionForm().validate_on_submit():
        abort(400)
    back = redirect(safe_next_url(request.form.get("next")) or url_for("study.today"))
    now = clock.now()
    with saving(study.StudyError) as saved:
        if action in ("suspend", "unsuspend"):
            study.set_suspended(current_user, question_id, action == "suspend", now)
            message = (
                "Card suspended: it will not come up until you unsuspend it."
                if action == "suspend"
                else "Card unsuspended."
            )
        elif action == "bury":
            study.bury(current_user, question_id, now)
            message = "Card buried until tomorrow."
        elif action == "unbury":
            study.unbury(current_user, question_id, now)
            message = "Card unburied: it is back in today's queue if it is due."
        elif action == "reset":
            reset = study.reset(current_user, question_id)
            message = (
                "Card reset: it comes back as a new card. Its answers stay in its history."
                if reset
                else "That card is new already."
            )
        else:
            study.set_flagged(current_user, question_id, action == "flag", now)
            message = "Card flagged for later." if action == "flag" else "Flag removed."
    if saved:
        flash(message, "success")
    return back


@bp.route("/cards/<int:question_id>/report", methods=["GET", "POST"])
@login_required
def report(question_id: int) -> ResponseReturnValue:
    """Tell the set's owner that a question is faulty."""
    if not access.can_study(current_user, question_id):
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                reports.report_question(
                    current_user,
                    question_id,
                    form.reason.data,
                    form.comment.data or "",
                    clock.now(),
                )
        except reports.ReportRefused as exc:
            form.reason.errors = [str(exc)]
        else:
            flash("Thank you: the set's author will see your report.", "success")
            return redirect(url_for("study.today"))
    question = db.session.get(Question, question_id)
    assert question is not None  # can_study found it
    return render_template(
        "study/report.html", form=form, version=current_version(question), question_id=question_id
    )
