"""Sign-up, sign-in, sign-out, passwords and reset links."""

from __future__ import annotations

import json

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
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from qbank import clock
from qbank.database import write_transaction
from qbank.extensions import db, login_manager
from qbank.models import User
from qbank.services import accounts, privacy
from qbank.views.guards import safe_next_url

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.login_id == login_id))


class RegisterForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")],
    )
    timezone = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")
    timezone = HiddenField()  # filled by the browser; taken until the student chooses one


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")],
    )


def show_error(form: FlaskForm, error: accounts.AccountError) -> None:
    """Put a service's message beside the field it concerns, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors.append(str(error))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create a student account and sign it in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                user = accounts.register_user(
                    email=form.email.data,
                    password=form.password.data,
                    display_name=form.display_name.data,
                    now=clock.now(),
                    timezone=form.timezone.data or "UTC",
                )
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
            login_user(user)
            flash("Welcome to qbank. Your account is ready.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        throttle = current_app.extensions["qbank_login_throttle"]
        try:
            user = accounts.authenticate(
                form.email.data, form.password.data, request.remote_addr or "unknown", throttle
            )
        except accounts.LoginThrottled as exc:
            form.form_errors.append(str(exc))
            status = 429
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            if accounts.needs_browser_timezone(user, form.timezone.data or ""):
                with write_transaction():
                    accounts.adopt_browser_timezone(user, form.timezone.data or "")
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out of this browser."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the signed-in user's password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                accounts.change_password(current_user, form.current.data, form.password.data)
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
            login_user(current_user._get_current_object())  # the login id rotated; stay signed in
            flash("Password changed. Your other devices are now logged out.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Set a new password through a one-time link an admin issued."""
    link = accounts.find_reset_link(token, clock.now())
    if link is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                user = accounts.reset_password(token, form.password.data, clock.now())
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
            logout_user()
            flash(f"Password set for {user.email}. Log in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, email=link.user.email)


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])


@bp.get("/account/data.json")
@login_required
def download_data() -> ResponseReturnValue:
    """Download everything qbank keeps about the signed-in user, as JSON."""
    body = json.dumps(privacy.export_data(current_user, clock.now()), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-qbank-data.json"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> ResponseReturnValue:
    """Delete the signed-in user's account and personal data, after their password."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                privacy.delete_account(current_user, form.password.data, clock.now())
                logout_user()  # before the commit expires the deleted user's attributes
        except accounts.AccountError as exc:
            show_error(form, exc)
        except privacy.DeletionRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Your account and your data are deleted.", "info")
            return redirect(url_for("main.index"))
    return render_template("auth/delete_account.html", form=form)
