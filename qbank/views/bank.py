"""Faculty's question sets."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from qbank.models import Role
from qbank.services.question_bank import sets_owned_by
from qbank.views.guards import role_required

bp = Blueprint("bank", __name__, url_prefix="/sets")


@bp.get("/")
@role_required(Role.FACULTY, Role.ADMIN)
def index() -> ResponseReturnValue:
    """List the sets the signed-in faculty member owns."""
    return render_template("bank/index.html", sets=sets_owned_by(current_user))
