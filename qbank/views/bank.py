"""Faculty's question sets: authoring, publishing, item statistics and exporting."""

from __future__ import annotations

from pathlib import PurePath

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import SelectChoice

from qbank import clock
from qbank.database import write_transaction
from qbank.domain import item_analysis
from qbank.extensions import db
from qbank.importers import qbank_csv, qbank_json
from qbank.importers.drafts import check_draft
from qbank.models import Question, QuestionSet, Role, Visibility
from qbank.services import access, exports, item_stats, reports
from qbank.services import question_bank as bank
from qbank.services.media import MediaRefused, media_url, store_media
from qbank.views.bank_forms import QuestionForm, SetForm, SetSettingsForm
from qbank.views.forms import ActionForm
from qbank.views.guards import role_required
from qbank.views.saving import saving

bp = Blueprint("bank", __name__, url_prefix="/sets")
FACULTY = (Role.FACULTY, Role.ADMIN)
PAGE_SIZE = 50


def get_set(set_id: int) -> QuestionSet:
    """Load a set the signed-in user manages: 404 if there is none, 403 if not theirs."""
    question_set = db.get_or_404(QuestionSet, set_id)
    if not access.manages_set(current_user, question_set):
        abort(403)
    return question_set


def get_question(question_set: QuestionSet, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.set_id != question_set.id:
        abort(404)
    return question


@bp.get("/")
@role_required(*FACULTY)
def index() -> ResponseReturnValue:
    """List the sets the signed-in faculty member manages."""
    return render_template("bank/index.html", sets=bank.sets_owned_by(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*FACULTY)
def new_set() -> ResponseReturnValue:
    """Create an empty set."""
    form = SetForm()
    if form.validate_on_submit():
        with write_transaction():
            question_set = bank.create_set(
                current_user, form.title.data, form.description.data or "", clock.now()
            )
        flash("Set created. Add questions or import a file.", "success")
        return redirect(url_for("bank.show_set", set_id=question_set.id))
    return render_template("bank/set_form.html", form=form, question_set=None)


@bp.get("/<int:set_id>")
@role_required(*FACULTY)
def show_set(set_id: int) -> ResponseReturnValue:
    """Show a set's questions, filtered by text and tag, with its reports."""
    question_set = get_set(set_id)
    text = request.args.get("q", "").strip()
    tag = request.args.get("tag", "").strip()
    retired = request.args.get("retired") == "1"
    page = db.paginate(
        bank.questions_in_set(question_set, text, tag, retired),
        per_page=PAGE_SIZE,
        max_per_page=PAGE_SIZE,
    )
    open_reports = reports.open_reports(question_set)
    return render_template(
        "bank/set.html",
        question_set=question_set,
        page=page,
        text=text,
        tag=tag,
        retired=retired,
        versions=bank.current_versions(page.items),
        tags=bank.tags_in_set(question_set),
        reports=open_reports,
        report_reasons=reports.REPORT_REASONS,
        toggle=ActionForm(),
    )


@bp.route("/<int:set_id>/settings", methods=["GET", "POST"])
@role_required(*FACULTY)
def set_settings(set_id: int) -> ResponseReturnValue:
    """Change a set's title, description and who can study it."""
    question_set = get_set(set_id)
    form = SetSettingsForm(obj=question_set)
    form.cohorts.choices = [
        SelectChoice(c.id, c.name) for c in bank.sharing_choices(question_set, current_user)
    ]
    if request.method == "GET":
        form.cohorts.data = bank.shared_cohort_ids(question_set)
    if form.validate_on_submit():
        visibility = Visibility(form.visibility.data)
        if visibility == Visibility.COHORTS and not form.cohorts.choices:
            form.visibility.errors.append(
                "No cohort has invited you yet, so there is none to assign it to. "
                "Pick another option for now."
            )
        elif visibility == Visibility.COHORTS and not form.cohorts.data:
            form.cohorts.errors.append("Choose at least one cohort, or pick another option.")
        else:
            set_id = question_set.id
            with write_transaction():
                bank.update_set(
                    question_set,
                    form.title.data,
                    form.description.data or "",
                    visibility,
                    form.cohorts.data or [],
                    current_user,
                    clock.now(),
                )
            flash("Settings saved.", "success")
            return redirect(url_for("bank.show_set", set_id=set_id))
    return render_template("bank/set_form.html", form=form, question_set=question_set)


@bp.post("/<int:set_id>/publish")
@role_required(*FACULTY)
def publish(set_id: int) -> ResponseReturnValue:
    """Publish the set to the students it is open to, or take it back to draft."""
    question_set = get_set(set_id)
    if ActionForm().validate_on_submit():
        publish_it = request.form.get("published") == "1"
        with saving(bank.BankError) as saved:
            bank.publish_set(question_set, publish_it, clock.now())
        if saved:
            if not publish_it:
                flash("Back to draft: students no longer see it.", "success")
            elif question_set.visibility == Visibility.PRIVATE:
                flash(
                    "Published, but the set is private: open it to everyone or assign it to "
                    "cohorts in Settings so students can study it.",
                    "info",
                )
            else:
                flash("Published.", "success")
    return redirect(url_for("bank.show_set", set_id=question_set.id))


@bp.post("/<int:set_id>/retire")
@role_required(*FACULTY)
def retire(set_id: int) -> ResponseReturnValue:
    """Retire the set (students' history stays) or restore it."""
    question_set = get_set(set_id)
    if ActionForm().validate_on_submit():
        retire_it = request.form.get("retired") == "1"
        with write_transaction():
            bank.retire_set(question_set, retire_it, clock.now())
        flash("Set retired." if retire_it else "Set restored.", "success")
    return redirect(url_for("bank.show_set", set_id=question_set.id))


@bp.post("/<int:set_id>/reports/<int:report_id>/resolve")
@role_required(*FACULTY)
def resolve_report(set_id: int, report_id: int) -> ResponseReturnValue:
    """Mark a student's report as dealt with."""
    question_set = get_set(set_id)
    report = reports.report_in_set(question_set, report_id)
    if report is None:
        abort(404)
    if ActionForm().validate_on_submit():
        with write_transaction():
            reports.resolve_report(report, current_user, clock.now())
        flash("Report marked as dealt with.", "success")
    return redirect(url_for("bank.show_set", set_id=question_set.id))


@bp.route("/<int:set_id>/questions/new", methods=["GET", "POST"])
@role_required(*FACULTY)
def new_question(set_id: int) -> ResponseReturnValue:
    """Write a new question."""
    question_set = get_set(set_id)
    form = QuestionForm()
    if form.validate_on_submit() and _attach_image(form) and _draft_is_valid(form):
        question, _ = _save(form, question_set)
        flash("Question saved.", "success")
        return redirect(url_for("bank.show_question", set_id=set_id, question_id=question.id))
    return render_template(
        "bank/question_form.html", form=form, question_set=question_set, question=None
    )


@bp.route("/<int:set_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required(*FACULTY)
def edit_question(set_id: int, question_id: int) -> ResponseReturnValue:
    """Change a question; answered questions get a new version."""
    question_set = get_set(set_id)
    question = get_question(question_set, question_id)
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(bank.draft_of(question, bank.current_version(question)))
    if form.validate_on_submit() and _attach_image(form) and _draft_is_valid(form):
        _, outcome = _save(form, question_set, question)
        flash(
            {
                "versioned": "Saved as a new version. Students' past answers keep the old one.",
                "updated": "Question saved.",
                "unchanged": "Nothing changed.",
            }[outcome],
            "success",
        )
        return redirect(url_for("bank.show_question", set_id=set_id, question_id=question.id))
    return render_template(
        "bank/question_form.html", form=form, question_set=question_set, question=question
    )


def _save(
    form: QuestionForm, question_set: QuestionSet, question: Question | None = None
) -> tuple[Question, str]:
    """Save the form's question (new, or a change to ``question``) with the images it shows."""
    draft = form.to_draft()
    with write_transaction():
        return bank.save_question(
            question_set,
            draft,
            current_user,
            clock.now(),
            question=question,
            media=bank.media_used_by(draft, current_user),
        )


def _attach_image(form: QuestionForm) -> bool:
    """Store an uploaded image and add it to the end of the stem; say if that went well."""
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        return True
    try:
        # Its own transaction: a form sent back for a fix keeps the image it already has.
        with write_transaction():
            media = store_media(
                current_app.extensions["qbank_media"], upload.read(), current_user, clock.now()
            )
            url = media_url(media.sha256)
    except MediaRefused as exc:
        form.image.errors = [str(exc)[0].upper() + str(exc)[1:]]
        return False
    alt = PurePath(upload.filename).stem.replace("]", "")[:80]
    form.stem.data = f"{form.stem.data.rstrip()}\n\n![{alt}]({url})"
    return True


def _draft_is_valid(form: QuestionForm) -> bool:
    draft = form.to_draft()
    problems = [p.message[0].upper() + p.message[1:] for p in check_draft(draft)]
    problems += bank.media_problems(draft, current_user)
    form.form_errors.extend(problems)
    return not problems


@bp.get("/<int:set_id>/questions/<int:question_id>")
@role_required(*FACULTY)
def show_question(set_id: int, question_id: int) -> ResponseReturnValue:
    """Preview a question exactly as students see it, answered."""
    question_set = get_set(set_id)
    question = get_question(question_set, question_id)
    return render_template(
        "bank/question.html",
        question_set=question_set,
        question=question,
        version=bank.current_version(question),
        figures=item_stats.question_statistics(question),
        flag_text=item_analysis.FLAG_TEXT,
        min_answers=item_analysis.MIN_ANSWERS,
        toggle=ActionForm(),
    )


@bp.get("/<int:set_id>/statistics")
@role_required(*FACULTY)
def statistics(set_id: int) -> ResponseReturnValue:
    """Each question's first answers: too hard, too easy, or possibly faulty."""
    question_set = get_set(set_id)
    figures = item_stats.set_statistics(question_set)  # the whole set: discrimination needs it
    pages = max(1, -(-len(figures) // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    return render_template(
        "bank/statistics.html",
        question_set=question_set,
        figures=figures,
        shown=figures[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        pages=pages,
        flagged=[f for f in figures if f.flags],
        flag_text=item_analysis.FLAG_TEXT,
        min_answers=item_analysis.MIN_ANSWERS,
    )


@bp.post("/<int:set_id>/questions/<int:question_id>/retire")
@role_required(*FACULTY)
def retire_question(set_id: int, question_id: int) -> ResponseReturnValue:
    """Retire a question (its history stays) or restore it."""
    question_set = get_set(set_id)
    question = get_question(question_set, question_id)
    if ActionForm().validate_on_submit():
        retire_it = request.form.get("retired") == "1"
        with write_transaction():
            bank.retire_question(question, retire_it, clock.now())
        flash("Question retired." if retire_it else "Question restored.", "success")
    return redirect(url_for("bank.show_question", set_id=set_id, question_id=question.id))


@bp.get("/<int:set_id>/export.<any(json, csv):fmt>")
@role_required(*FACULTY)
def export(set_id: int, fmt: str) -> ResponseReturnValue:
    """Download the set as qbank JSON (with images) or CSV."""
    question_set = get_set(set_id)
    drafts, media = exports.set_contents(question_set, current_app.extensions["qbank_media"])
    if fmt == "json":
        body = qbank_json.write(drafts, question_set.title, question_set.description, media)
        mimetype = "application/json"
    else:
        body = qbank_csv.write(drafts)
        mimetype = "text/csv"
    filename = exports.file_name(question_set.title, fmt)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
