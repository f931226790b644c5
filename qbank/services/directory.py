"""Reads over accounts that admin pages share."""

from __future__ import annotations

import sqlalchemy as sa

from qbank.models import User


def search_users(query: str = "") -> sa.Select[User]:
    """Select accounts whose e-mail or name contains ``query``, newest first."""
    statement = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        needle = query.lower()
        statement = statement.where(
            sa.or_(
                User.email.contains(needle, autoescape=True),
                sa.func.lower(User.display_name).contains(needle, autoescape=True),
            )
        )
    return statement
