"""Logging: one line per event, ``key=value`` fields, each tagged with its request's id.

Every request gets an id (the proxy's ``X-Request-Id`` when proxies are trusted, else a
new one), sent back in the response's ``X-Request-Id`` header, written on every log line
of that request and on the audit events it records, so a user's report ("it failed at
10:42, id 3f2a...") leads to the lines and rows that belong to it.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("qbank_request_id", default=None)

log = logging.getLogger("qbank.requests")


def current_request_id() -> str | None:
    """The id of the request being served (None outside one: a command, a test)."""
    return _request_id.get()


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class KeyValueFormatter(logging.Formatter):
    """``2026-12-02T18:00:00.123Z INFO qbank.requests request_id=... message key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        line = (
            f"{stamp[:-3]}Z {record.levelname} {record.name} "
            f"request_id={getattr(record, 'request_id', '-')} {record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(app: Flask) -> None:
    """Send qbank's log lines to standard error, with request ids; once per process."""
    logger = logging.getLogger("qbank")
    if not any(getattr(h, "qbank", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.qbank = True  # type: ignore[attr-defined]
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(KeyValueFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(app.config.get("QBANK_LOG_LEVEL", "INFO"))
    trust_proxy = bool(app.config.get("QBANK_PROXY_HOPS"))

    @app.before_request
    def _start_request() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "") if trust_proxy else ""
        request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.qbank_request_token = _request_id.set(request_id)
        g.qbank_request_started = time.perf_counter()

    @app.after_request
    def _end_request(response: Any) -> Any:
        request_id = _request_id.get()
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("qbank_request_started")
        if started is not None and not request.path.startswith("/static/"):
            # Only a user this request already loaded: logging must not cost a query.
            loaded = g.get("_login_user")
            user = loaded.id if loaded is not None and loaded.is_authenticated else "-"
            log.info(
                "%s %s status=%s ms=%.1f user=%s",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                user,
            )
        return response

    @app.teardown_request
    def _forget_request(_error: BaseException | None) -> None:
        token = g.pop("qbank_request_token", None)
        if token is not None:
            _request_id.reset(token)
