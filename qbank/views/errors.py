"""Error pages in the app's own look."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from qbank.database import DatabaseBusy, is_busy

# Seconds a busy answer asks the browser to wait before sending again.
BUSY_RETRY_AFTER = 2
SECRET_FIELDS = {"password", "confirm", "current"}

MESSAGES = {
    400: ("Bad request", "The request could not be read. Go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing at this address. Check the link or go to your dashboard."),
    405: ("Not allowed", "This page can't be used that way. Go back and use the form on it."),
    413: (
        "File too large",
        "That upload is larger than this server accepts. Split it into smaller files.",
    ),
    429: ("Too many requests", "Slow down a little, then try again."),
    500: (
        "Something went wrong",
        "The error was on our side and nothing was saved. Try again in a minute.",
    ),
}


def render_error(status: int, message: str | None = None) -> ResponseReturnValue:
    title, default = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=message or default
    ), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            "This form has expired or did not come from this site. Reload the page and "
            "submit it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(DatabaseBusy)
    def busy(error: DatabaseBusy) -> ResponseReturnValue:
        return render_busy()

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> ResponseReturnValue:
        if is_busy(error):
            return render_busy()
        raise error

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return render_error(500)


def render_busy() -> ResponseReturnValue:
    """Say the server is busy, with the user's form ready to send again unchanged.

    Safe to send twice: an answer carries its one-time token, and every other write
    either happened in full or not at all.
    """
    fields = list(request.form.items(multi=True))
    # A password is never written back into a page: the user types it again instead.
    resend = (
        request.method == "POST"
        and not request.files
        and not any(name in SECRET_FIELDS for name, _ in fields)
    )
    page = render_template(
        "errors/busy.html",
        resend=resend,
        fields=fields if resend else [],
        action=request.full_path.rstrip("?"),
        form_page=request.path if request.method == "POST" else None,
    )
    return page, 503, {"Retry-After": str(BUSY_RETRY_AFTER)}
