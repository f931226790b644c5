"""Error pages in the app's own look."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return render_error(500)
