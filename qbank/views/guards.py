"""Who may use a route: one decorator, so every view is checked the same way."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app
from flask_login import current_user, login_required

from qbank.models import Role

P = ParamSpec("P")
R = TypeVar("R")


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let in signed-in users holding one of ``roles``; others get 403 (or the login page)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, so a login cannot redirect away."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def signing_secret() -> str:
    """The key that signs a card's one-time token and the stamp of when it was shown."""
    return current_app.config["SECRET_KEY"] or "qbank-development"
