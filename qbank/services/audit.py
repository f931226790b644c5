"""The audit log: every change to who may do or see what is recorded, with who and when.

Recorded in the same transaction as the change, so a rolled-back change leaves no event
and a kept one always has its event. Each event is also written to the log.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from qbank.extensions import db
from qbank.logs import current_request_id
from qbank.models import AuditEvent, User

log = logging.getLogger("qbank.audit")
PAGE_SIZE = 50


class Action(enum.StrEnum):
    ROLE_CHANGED = "role_changed"
    RESET_LINK_ISSUED = "reset_link_issued"
    ACCOUNT_DELETED = "account_deleted"
    SET_VISIBILITY_CHANGED = "set_visibility_changed"
    SET_SHARED = "set_shared"
    SET_UNSHARED = "set_unshared"
    SET_ASSIGNED = "set_assigned"
    MEMBER_REMOVED = "member_removed"
    FACULTY_ADDED = "faculty_added"
    FACULTY_REMOVED = "faculty_removed"
    QUESTIONS_IMPORTED = "questions_imported"


ACTION_LABELS = {
    Action.ROLE_CHANGED: "Role changed",
    Action.RESET_LINK_ISSUED: "Reset link issued",
    Action.ACCOUNT_DELETED: "Account deleted",
    Action.SET_VISIBILITY_CHANGED: "Set visibility changed",
    Action.SET_SHARED: "Set shared with a cohort",
    Action.SET_UNSHARED: "Set no longer shared with a cohort",
    Action.SET_ASSIGNED: "Set assigned to a cohort",
    Action.MEMBER_REMOVED: "Member removed from a cohort",
    Action.FACULTY_ADDED: "Faculty added to a cohort",
    Action.FACULTY_REMOVED: "Faculty removed from a cohort",
    Action.QUESTIONS_IMPORTED: "Questions imported",
}


def record(
    actor: User | None,
    action: Action,
    target: Any,
    now: datetime,
    label: str = "",
    actor_label: str = "",
    **details: Any,
) -> AuditEvent:
    """Add an event: ``actor`` (None: a command-line user) did ``action`` to ``target``."""
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.email if actor is not None else "command line"),
        action=action.value,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=(label or _label(target))[:254],
        details=details,
        request_id=current_request_id(),
    )
    db.session.add(event)
    db.session.flush()
    log.info(
        "audit action=%s actor=%s target=%s:%s %s",
        event.action,
        event.actor_id or "cli",
        event.target_type,
        event.target_id,
        " ".join(f"{key}={value}" for key, value in details.items()),
    )
    return event


def _label(target: Any) -> str:
    for attribute in ("email", "title", "name"):
        value = getattr(target, attribute, None)
        if value:
            return str(value)
    return ""


def events(action: str = "") -> sa.Select[AuditEvent]:
    """Select the events, newest first, of one action or all; the caller pages them."""
    statement = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        statement = statement.where(AuditEvent.action == action)
    return statement
