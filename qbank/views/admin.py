"""Admin pages: find users, grant roles, issue password reset links."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from qbank import clock
from qbank.database import write_transaction
from qbank.extensions import db
from qbank.models import Cohort, Role, User
from qbank.services import access, accounts, audit, cohorts
from qbank.services.directory import search_users
from qbank.views.guards import role_required
from qbank.views.saving import saving

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])


class ResetLinkForm(FlaskForm):
    pass


class CohortGrantForm(FlaskForm):
    cohort = SelectField("Cohort", coerce=int)


def _grant_form(target: User) -> CohortGrantForm:
    form = CohortGrantForm()
    form.cohort.choices = [SelectChoice(c.id, c.name) for c in cohorts.cohorts_to_grant(target)]
    return form


def _user_page(
    target: User, reset_url: str | None = None, reset_hours: int | None = None
) -> ResponseReturnValue:
    return render_template(
        "admin/user.html",
        user=target,
        role_form=RoleForm(role=target.role),
        reset_form=ResetLinkForm(),
        grant_form=_grant_form(target),
        cohorts=db.session.scalars(access.invited_cohorts(target)).all(),
        reset_url=reset_url,
        reset_hours=reset_hours,
    )


def get_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    return user


@bp.get("/users")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """List and search accounts."""
    query = request.args.get("q", "").strip()
    page = db.paginate(search_users(query), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE)
    return render_template("admin/users.html", page=page, query=query)


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    """List the audit log, newest first, optionally one kind of change."""
    action = request.args.get("action", "")
    if action not in audit.ACTION_LABELS:
        action = ""
    page = db.paginate(audit.events(action), per_page=audit.PAGE_SIZE, max_per_page=audit.PAGE_SIZE)
    return render_template("admin/audit.html", page=page, action=action, labels=audit.ACTION_LABELS)


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int) -> ResponseReturnValue:
    """Show one account with its role and reset controls."""
    return _user_page(get_user(user_id))


@bp.post("/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def set_role(user_id: int) -> ResponseReturnValue:
    """Grant a role to an account."""
    target = get_user(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        with saving(accounts.AccountError) as saved:
            accounts.set_role(target, Role(form.role.data), current_user, clock.now())
        if saved:
            flash(f"{target.email} is now {target.role}.", "success")
    else:
        flash("Choose one of the listed roles.", "error")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.post("/users/<int:user_id>/reset-link")
@role_required(Role.ADMIN)
def reset_link(user_id: int) -> ResponseReturnValue:
    """Issue a one-time password reset link and show it once."""
    target = get_user(user_id)
    hours = current_app.config["QBANK_RESET_LINK_HOURS"]
    with write_transaction():
        issued = accounts.issue_reset_link(
            target, current_user, clock.now(), timedelta(hours=hours)
        )
    reset_url = url_for("auth.reset_password", token=issued.token, _external=True)
    return _user_page(target, reset_url=reset_url, reset_hours=hours)


@bp.post("/users/<int:user_id>/cohorts")
@role_required(Role.ADMIN)
def grant_cohort(user_id: int) -> ResponseReturnValue:
    """Let a faculty member share sets with a cohort and follow it, as a rep's invitation does."""
    target = get_user(user_id)
    form = _grant_form(target)
    if form.validate_on_submit():
        cohort = db.get_or_404(Cohort, form.cohort.data)  # 404 if deleted since the form showed
        with saving(cohorts.CohortError) as saved:
            cohorts.add_faculty(cohort, target, current_user, clock.now())
        if saved:
            flash(f"{target.display_name} now works with {cohort.name}.", "success")
    else:
        flash("Choose one of the listed cohorts.", "error")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/cohorts/<int:cohort_id>/remove")
@role_required(Role.ADMIN)
def revoke_cohort(user_id: int, cohort_id: int) -> ResponseReturnValue:
    """Stop a faculty member following a cohort."""
    get_user(user_id)
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not ResetLinkForm().validate_on_submit():
        abort(404)
    with saving(cohorts.CohortError) as saved:
        cohorts.remove_faculty(cohort, user_id, current_user, clock.now())
    if saved:
        flash("Removed from the cohort.", "success")
    return redirect(url_for("admin.user", user_id=user_id))
