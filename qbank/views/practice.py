"""Practice blocks: the builder, the exam screen, the end, the score report, past blocks.

Every step is a plain form, so a block works without JavaScript: the navigator, previous,
next, mark, pause and end are buttons of the question's form, and each sends the work on
the question shown. static/js/practice.js adds the countdown, the keys, striking an
option with a right-click and the highlighter.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)

from qbank import clock
from qbank.database import write_transaction
from qbank.domain import answers
from qbank.domain import practice as rules
from qbank.extensions import db
from qbank.models import PracticeBlock, QuestionVersion
from qbank.presentation import charts, words
from qbank.services import access, lab_values, practice, study
from qbank.services.practice import assignments
from qbank.views.forms import ActionForm
from qbank.views.guards import signing_secret
from qbank.views.saving import saving

bp = Blueprint("practice", __name__, url_prefix="/practice")

POOL_LABELS = {
    rules.Pool.UNUSED: "Unused",
    rules.Pool.INCORRECT: "Incorrect last time",
    rules.Pool.MARKED: "Marked",
    rules.Pool.FLAGGED: "Flagged",
    rules.Pool.ALL: "All",
}
DEFAULT_SIZE = 40


class BlockForm(FlaskForm):
    """The builder's fields that a message names by label (``views.unstorable``); the
    form is parsed by ``_request_from``. Options labelled by their own text are named
    by the field's name."""

    sent = HiddenField()
    pool = SelectMultipleField("Pools")
    tag = SelectMultipleField("Tags")
    # Each option of these is labelled by its own text: a message names them as sent.
    set = SelectMultipleField("set")
    mode = RadioField("mode")
    order = RadioField("order")
    size = IntegerField("Questions")
    seconds = SelectField("Time per question (timed mode)")


class WorkForm(FlaskForm):
    """A block question's fields that a message names by label; ``save`` parses them."""

    shown = HiddenField()
    struck = SelectMultipleField("Strike out")
    # Each option of these is labelled by its own text: a message names them as sent.
    chosen = SelectMultipleField("chosen")
    guessed = BooleanField("guessed")
    marked = BooleanField("marked")
    notes = TextAreaField("Your notes on this question")
    go = HiddenField()


def _local(moment: datetime) -> str:
    """A moment on the student's clock: "3 Dec 2026, 21:40"."""
    return words.local_moment(moment, current_user.timezone)


def _request_from(values: MultiDict[str, str]) -> practice.Request:
    """The builder's choices as the form sent them; unknown values are dropped."""
    pools = tuple(p for p in rules.Pool if p.value in values.getlist("pool"))
    try:
        mode = rules.Mode(values.get("mode", rules.Mode.TUTOR))
    except ValueError:
        mode = rules.Mode.TUTOR
    try:
        order = rules.Order(values.get("order", rules.Order.RANDOM))
    except ValueError:
        order = rules.Order.RANDOM
    seconds = values.get("seconds", str(rules.DEFAULT_SECONDS_PER_QUESTION))
    return practice.Request(
        set_ids=tuple(values.getlist("set", type=int)),
        tags=tuple(t.strip()[:200] for t in values.getlist("tag") if t.strip()),
        pools=pools if "pool" in values or values.get("sent") else (rules.Pool.UNUSED,),
        size=values.get("size", DEFAULT_SIZE, type=int) or 0,
        mode=mode,
        seconds_per_question=int(seconds) if seconds.isdigit() else None,
        order=order,
    )


def _tag_groups(
    tags: list[tuple[str, int]],
) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Each top-level tag with its count and the tags below it, for the builder's tree."""
    groups: dict[str, tuple[int, list[tuple[str, int]]]] = {}
    for name, count in tags:
        top = name.split("::", 1)[0]
        if top == name:
            groups[top] = (count, groups.get(top, (0, []))[1])
        else:
            groups.setdefault(top, (0, []))[1].append((name, count))
    return [(top, count, below) for top, (count, below) in groups.items()]


def _builder(wanted: practice.Request, status: int = 200) -> ResponseReturnValue:
    found = practice.choices(current_user, wanted)
    return render_template(
        "practice/builder.html",
        wanted=wanted,
        choices=found,
        tag_groups=_tag_groups(found.tags),
        pools=POOL_LABELS,
        modes=rules.Mode,
        orders=rules.Order,
        limits=rules,
        open_block=practice.open_block(current_user),
        assigned=assignments.for_member(current_user),
        action=ActionForm(),
    ), status


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The block builder: sources, pools, size, mode and order, with counts."""
    return _builder(_request_from(request.args))


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    """Build the block the form asks for and open its first question."""
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = _request_from(request.form)
    try:
        with write_transaction():
            study.lock_student(current_user)
            block = practice.build(current_user, wanted, clock.now())
    except practice.PracticeError as exc:
        flash(str(exc), "error")
        return _builder(wanted, 422)
    if block.time_limit_s is not None:
        flash(f"Timed block: {words.counted(block.time_limit_s // 60, 'minute')}.", "info")
    return redirect(url_for("practice.question", block_id=block.id, position=1))


def _own_block(block_id: int) -> PracticeBlock:
    block = practice.block_of(current_user, block_id)
    if block is None:
        abort(404)
    return block


@bp.get("/blocks/<int:block_id>")
@login_required
def resume(block_id: int) -> ResponseReturnValue:
    """Back to where the student left the block, or to its report once it has ended."""
    block = _own_block(block_id)
    if block.ended_at is not None:
        return redirect(url_for("practice.report", block_id=block.id))
    return redirect(url_for("practice.question", block_id=block.id, position=block.position))


def _ended(block: PracticeBlock) -> ResponseReturnValue:
    flash("Time is up: the block ended at its deadline. Here is how it went.", "info")
    return redirect(url_for("practice.report", block_id=block.id))


@bp.get("/blocks/<int:block_id>/<int:position>")
@login_required
def question(block_id: int, position: int) -> ResponseReturnValue:
    """One question of the block, with the navigator and the exam tools."""
    block = _own_block(block_id)
    if block.ended_at is not None:
        return redirect(url_for("practice.report", block_id=block.id))
    if not 1 <= position <= len(block.items):
        return redirect(url_for("practice.question", block_id=block.id, position=block.position))
    now = clock.now()
    with write_transaction():
        still_open = practice.show(current_user, block, position, now)
    if not still_open:
        return _ended(block)
    item = practice.item_at(block, position)
    version = db.session.get_one(QuestionVersion, item.question_version_id)
    tutor = block.mode == rules.Mode.TUTOR
    return render_template(
        "practice/question.html",
        block=block,
        item=item,
        version=version,
        shared=access.can_see_question(current_user, item.question_id),
        options=answers.shuffled_options(version.options, current_user.id, item.question_id),
        revealed=tutor and item.chosen is not None,
        remaining=practice.timing_of(block).remaining(now),
        stamp=study.issue_stamp(signing_secret(), current_user, item.question_id, now),
        unanswered_and_marked=practice.unanswered_and_marked(block),
        action=ActionForm(),
    )


@bp.post("/blocks/<int:block_id>/<int:position>")
@login_required
def save(block_id: int, position: int) -> ResponseReturnValue:
    """Keep the work on the question shown, then go where the pressed button says."""
    if not ActionForm().validate_on_submit():
        abort(400)
    block = _own_block(block_id)
    if block.ended_at is not None:
        return redirect(url_for("practice.report", block_id=block.id))
    now = clock.now()
    item = practice.item_at(block, position) if 1 <= position <= len(block.items) else None
    if item is None:
        abort(404)
    work = practice.Work(
        chosen=tuple(request.form.getlist("chosen")),
        guessed=request.form.get("guessed") == "1",
        marked=request.form.get("marked") == "1",
        struck=tuple(request.form.getlist("struck")),
        notes=request.form.get("notes", ""),
        time_ms=study.time_since_issue(
            signing_secret(),
            current_user,
            item.question_id,
            request.form.get("shown", "")[:64],
            now,
        ),
    )
    go = request.form.get("go", "")
    with saving(practice.PracticeError) as saved:
        kept = practice.save(current_user, block, position, work, now)
        if kept is not None and go == "pause":
            practice.pause(current_user, block, now)
        time_up = kept is not None and practice.timing_of(block).remaining(now) == timedelta(0)
        if time_up:  # the countdown ran out: this was the last save, and the block ends
            practice.end(current_user, block, now)
    if not saved:
        return redirect(url_for("practice.question", block_id=block.id, position=position))
    if kept is None or time_up:
        return _ended(block)
    if go == "pause":
        flash(
            f"Block paused at question {position} of {len(block.items)}; the clock is stopped. "
            "Resume it here or from your dashboard.",
            "success",
        )
        return redirect(url_for("practice.index"))
    if go == "end":
        return redirect(url_for("practice.end", block_id=block.id))
    target = int(go) if go.isdigit() else position
    target = min(max(target, 1), len(block.items))
    return redirect(url_for("practice.question", block_id=block.id, position=target))


@bp.route("/blocks/<int:block_id>/end", methods=["GET", "POST"])
@login_required
def end(block_id: int) -> ResponseReturnValue:
    """Warn about unanswered and marked questions; on confirm, end the block."""
    block = _own_block(block_id)
    if block.ended_at is not None:
        return redirect(url_for("practice.report", block_id=block.id))
    if request.method == "GET":
        unanswered, marked = practice.unanswered_and_marked(block)
        return render_template(
            "practice/end.html",
            block=block,
            unanswered=unanswered,
            marked=marked,
            remaining=practice.timing_of(block).remaining(clock.now()),
            action=ActionForm(),
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    with write_transaction():
        practice.lock(current_user, block)
        practice.end(current_user, block, clock.now())
    return redirect(url_for("practice.report", block_id=block.id))


@bp.get("/blocks/<int:block_id>/report")
@login_required
def report(block_id: int) -> ResponseReturnValue:
    """The score report: score, time, by tag, the percentile, and each question as answered."""
    block = _own_block(block_id)
    if block.ended_at is None:
        return redirect(url_for("practice.resume", block_id=block.id))
    found = practice.report(current_user, block, clock.now())
    return render_template(
        "practice/report.html",
        report=found,
        shared=access.visible_question_ids(
            current_user, [row.item.question_id for row in found.rows]
        ),
        ordinal=rules.ordinal,
        into_review=current_user.practice_into_review,
        duration=charts.describe_duration,
        local=_local,
    )


@bp.get("/previous")
@login_required
def previous() -> ResponseReturnValue:
    """The student's blocks, newest first."""
    page = request.args.get("page", 1, type=int) or 1
    blocks, pages = practice.previous(current_user, page)
    return render_template(
        "practice/previous.html",
        blocks=blocks,
        page=min(max(page, 1), pages),
        pages=pages,
        local=_local,
    )


@bp.get("/lab-values")
@login_required
def labs() -> ResponseReturnValue:
    """The lab values sheet, searchable (also a panel of the exam screen)."""
    query = request.args.get("q", "").strip()[:100]
    return render_template("practice/lab_values.html", query=query, panels=lab_values.search(query))


# --- blocks set by faculty ---------------------------------------------------------------


def _assigned(assignment_id: int) -> assignments.Assigned:
    """A block set for one of the student's cohorts; any other is as good as missing."""
    found = assignments.assigned_to(current_user, assignment_id)
    if found is None:
        abort(404)
    return found


@bp.get("/assigned/<int:assignment_id>")
@login_required
def assigned(assignment_id: int) -> ResponseReturnValue:
    """What the faculty member set: questions, mode, time and due day; start, resume or report."""
    line = _assigned(assignment_id)
    return render_template(
        "practice/assigned.html",
        line=line,
        late=line.late(clock.now()),
        open_block=practice.open_block(current_user),
        duration=charts.describe_duration,
        action=ActionForm(),
    )


@bp.post("/assigned/<int:assignment_id>/start")
@login_required
def start_assigned(assignment_id: int) -> ResponseReturnValue:
    """Start the student's one attempt at the block (or go back to it)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    line = _assigned(assignment_id)
    try:
        with write_transaction():
            study.lock_student(current_user)
            block = assignments.start(current_user, line, clock.now())
    except practice.PracticeError as exc:
        flash(str(exc), "error")
        return redirect(url_for("practice.assigned", assignment_id=assignment_id))
    return redirect(url_for("practice.resume", block_id=block.id))
