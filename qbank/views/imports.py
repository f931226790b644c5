"""Importing a question file: upload it, read its report, confirm it all at once."""

from __future__ import annotations

from pathlib import PurePath

from flask import (
    Blueprint,
    Response,
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
from qbank.importers import formats, qbank_csv
from qbank.services import imports
from qbank.services import question_bank as bank
from qbank.views.bank import FACULTY, get_set
from qbank.views.bank_forms import UploadForm
from qbank.views.forms import ActionForm
from qbank.views.guards import role_required
from qbank.views.saving import saving

bp = Blueprint("imports", __name__, url_prefix="/sets")  # beside the sets it fills


@bp.get("/import/template.csv")
@role_required(*FACULTY)
def csv_template() -> ResponseReturnValue:
    """Download the CSV template with worked examples."""
    return Response(
        qbank_csv.template(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="qbank-template.csv"'},
    )


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.format.choices = [SelectChoice("", "Detect from the file")] + [
        SelectChoice(name, label) for name, label in formats.format_choices()
    ]
    form.target.choices = [SelectChoice(0, "A new set")] + [
        SelectChoice(line.question_set.id, line.question_set.title)
        for line in bank.sets_owned_by(current_user)
    ]
    return form


@bp.route("/import", methods=["GET", "POST"])
@role_required(*FACULTY)
def upload() -> ResponseReturnValue:
    """Upload a question file; the report comes before anything is saved."""
    form = _upload_form()
    if request.method == "GET" and request.args.get("set"):
        form.target.data = request.args.get("set", type=int)
    if form.validate_on_submit():
        target = get_set(form.target.data) if form.target.data else None
        file = form.file.data
        filename = PurePath(file.filename or "upload").name
        data = file.read()
        fmt = form.format.data or None
        # Parsed once, here: the report page reads what this keeps.
        report = imports.report_file(data, filename, fmt, target)
        with write_transaction():
            pending = imports.stash_upload(
                current_user,
                filename,
                data,
                fmt,
                target,
                form.title.data or "",
                clock.now(),
                report=report,
            )
            token = pending.token
        return redirect(url_for("imports.review", token=token))
    return render_template("imports/upload.html", form=form)


@bp.route("/import/<token>", methods=["GET", "POST"])
@role_required(*FACULTY)
def review(token: str) -> ResponseReturnValue:
    """Show the import report and preview; confirming saves it all in one transaction."""
    now = clock.now()
    pending = imports.find_upload(token, current_user, now)
    if pending is None:
        flash("That upload has expired or was already imported. Upload the file again.", "error")
        return redirect(url_for("imports.upload"))
    target = get_set(pending.target_set_id) if pending.target_set_id else None
    form = ActionForm()
    if form.validate_on_submit():
        with saving(imports.ImportRefused) as saved:
            outcome = imports.import_upload(
                pending, current_user, now, current_app.extensions["qbank_media"], target
            )
            set_id = outcome.question_set.id
        if saved:
            counts = outcome.counts
            flash(
                f"Imported: {counts['created']} new, {counts['updated'] + counts['versioned']} "
                f"updated, {counts['unchanged']} unchanged.",
                "success",
            )
            return redirect(url_for("bank.show_set", set_id=set_id))
    if pending.report is None:  # an upload kept before reports were
        with write_transaction():
            imports.report_of(pending, target)
    return render_template(
        "imports/report.html", pending=pending, report=pending.report, target=target, form=form
    )
