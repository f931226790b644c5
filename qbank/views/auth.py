"""Sign-up, sign-in, sign-out, passwords and reset links."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

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
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from qbank import clock
from qbank.database import write_transaction
from qbank.domain.devices import describe_device
from qbank.domain.passwords import MAX_LENGTH, MIN_LENGTH
from qbank.extensions import login_manager
from qbank.models import User
from qbank.services import accounts, privacy, sessions
from qbank.services.throttle import LoginAttempt, Throttle, Throttled
from qbank.views.guards import safe_next_url

bp = Blueprint("auth", __name__)

# OWASP's "device cookie": a browser that signed in to an account before is not made to
# wait by failures from elsewhere. It names the accounts by a short hash, not by e-mail.
DEVICE_COOKIE = "qbank_device"
DEVICE_COOKIE_LIFETIME = timedelta(days=365)
DEVICE_COOKIE_ACCOUNTS = 5  # a shared computer remembers the last few accounts
PASSWORD_HELP = f"At least {MIN_LENGTH} characters. A phrase of a few unrelated words works well."


@login_manager.user_loader
def load_user(token: str) -> User | None:
    return sessions.signed_in_user(token, clock.now())


def _new_password(label: str, again: str) -> tuple[PasswordField, PasswordField]:
    """A new password (checked for length, with the advice below it) and its repeat."""
    return (
        PasswordField(
            label,
            validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
            description=PASSWORD_HELP,
        ),
        PasswordField(
            again,
            validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")],
        ),
    )


class RegisterForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password, confirm = _new_password("Password", "Repeat password")
    timezone = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me logged in on this device")
    timezone = HiddenField()  # filled by the browser; taken until the student chooses one


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password, confirm = _new_password("New password", "Repeat new password")


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password("New password", "Repeat new password")


def show_error(form: FlaskForm, error: accounts.AccountError) -> None:
    """Put a service's message beside the field it concerns, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors.append(str(error))


def _throttle() -> Throttle:
    return current_app.extensions["qbank_throttle"]


def _address() -> str:
    return request.remote_addr or "unknown"


def _session_lifetime(remember: bool) -> timedelta:
    if remember:
        return timedelta(days=current_app.config["QBANK_REMEMBER_DAYS"])
    return timedelta(hours=current_app.config["QBANK_SESSION_HOURS"])


def _sign_in(user: User, remember: bool) -> None:
    """Open a server-side session for ``user`` (in the caller's write transaction)."""
    sessions.start_session(
        user,
        clock.now(),
        _session_lifetime(remember),
        remember,
        describe_device(request.headers.get("User-Agent", "")),
    )


def _sign_out() -> None:
    """End this browser's session on the server, then forget it in the cookies."""
    token = getattr(current_user, "session_token", None)
    if token:
        with write_transaction():
            sessions.end_current_session(token, clock.now())
    logout_user()


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="qbank-device-cookie")


def _account_tag(email: str) -> str:
    return hashlib.sha256(accounts.normalize_email(email).encode()).hexdigest()[:16]


def _known_devices() -> list[tuple[str, str]]:
    """The (account tag, nonce) pairs in this browser's device cookie, if it is genuine."""
    try:
        entries = _device_serializer().loads(
            request.cookies.get(DEVICE_COOKIE, ""),
            max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()),
        )
    except BadSignature:
        return []
    return [(tag, nonce) for tag, nonce in entries]


def _device_for(email: str) -> str | None:
    """This browser's device nonce for the account ``email``, if it signed in to it before."""
    tag = _account_tag(email)
    return next((nonce for entry_tag, nonce in _known_devices() if entry_tag == tag), None)


def _remember_device(response: BaseResponse, email: str) -> None:
    """Give this browser a fresh device nonce for the account it just signed in to."""
    tag = _account_tag(email)
    others = [entry for entry in _known_devices() if entry[0] != tag]
    entries = [(tag, secrets.token_urlsafe(16)), *others][:DEVICE_COOKIE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(entries),
        max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()),
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _throttled(form: FlaskForm, template: str, refusal: Throttled) -> ResponseReturnValue:
    form.form_errors.append(str(refusal))
    return render_template(template, form=form), 429, {"Retry-After": str(refusal.retry_after)}


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create a student account and sign it in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            _throttle().check_sign_up(_address(), clock.now())
            with write_transaction():
                _throttle().count_sign_up(_address(), clock.now())
        except Throttled as refusal:
            return _throttled(form, "auth/register.html", refusal)
        try:
            # Hashed whether or not the e-mail is taken: the time taken tells nothing.
            account = accounts.new_account(
                form.email.data, form.password.data, form.display_name.data
            )
            with write_transaction():
                user = accounts.create_account(
                    account, clock.now(), timezone=form.timezone.data or "UTC"
                )
                _sign_in(user, remember=False)
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
            login_user(user)
            flash("Welcome to qbank. Your account is ready.", "success")
            # Where they were going (a cohort's join link, say) survives the sign-up.
            response = redirect(
                safe_next_url(request.args.get("next")) or url_for("main.dashboard")
            )
            _remember_device(response, user.email)
            return response
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    attempt = LoginAttempt(form.email.data, _address(), _device_for(form.email.data))
    try:
        _throttle().check_login(attempt, clock.now())
        with write_transaction():
            # Counted as a failure now, given back below if the password is right.
            _throttle().begin_login(attempt, clock.now())
    except Throttled as refusal:
        return _throttled(form, "auth/login.html", refusal)
    try:
        user = accounts.authenticate(form.email.data, form.password.data)
    except accounts.AccountError as exc:
        form.form_errors.append(str(exc))
        return render_template("auth/login.html", form=form)
    with write_transaction():
        _throttle().login_succeeded(attempt, clock.now())
        accounts.adopt_browser_timezone(user, form.timezone.data or "")
        _sign_in(user, remember=form.remember.data)
    login_user(user, remember=form.remember.data)
    response = redirect(safe_next_url(request.args.get("next")) or url_for("main.dashboard"))
    _remember_device(response, user.email)
    return response


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out of this browser: its session ends on the server too."""
    _sign_out()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the signed-in user's password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.check_current_password(current_user, form.current.data)
            password = accounts.new_password(
                form.password.data, current_user.email, current_user.display_name
            )
            with write_transaction():
                accounts.change_password(
                    current_user, password, clock.now(), keep_session=current_user.session_token
                )
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
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
            password = accounts.new_password(
                form.password.data, link.user.email, link.user.display_name
            )
            with write_transaction():
                user = accounts.reset_password(token, password, clock.now())
        except accounts.AccountError as exc:
            show_error(form, exc)
        else:
            _sign_out()  # whoever was signed in in this browser
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
            privacy.confirm_deletion(current_user, form.password.data)
            with write_transaction():
                privacy.delete_account(current_user, clock.now())
                logout_user()  # before the commit expires the deleted user's attributes
        except accounts.AccountError as exc:
            show_error(form, exc)
        except privacy.DeletionRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Your account and your data are deleted.", "info")
            return redirect(url_for("main.index"))
    return render_template("auth/delete_account.html", form=form)
