"""Forms more than one blueprint uses."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that carries only the CSRF token: the route and its URL say what it does."""
