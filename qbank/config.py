"""Settings, read from ``QBANK_*`` environment variables when the app is created."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qbank.domain.throttle import parse_limit

TRUE_WORDS = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None


def _secret_key(environ: Mapping[str, str]) -> str | None:
    if environ.get("QBANK_SECRET_KEY"):
        return environ["QBANK_SECRET_KEY"]
    path = environ.get("QBANK_SECRET_KEY_FILE")
    if path:
        try:
            return Path(path).read_text().strip() or None
        except OSError as exc:
            raise ConfigError(f"QBANK_SECRET_KEY_FILE: cannot read {path}: {exc}") from None
    return None


def load_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Build the Flask settings from an environment mapping."""
    testing = _flag(environ.get("QBANK_TESTING"), False)
    # A relative SQLite path is resolved by Flask-SQLAlchemy inside the instance folder.
    database_url = environ.get("QBANK_DATABASE_URL") or "sqlite:///qbank.sqlite3"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    secure_cookies = _flag(environ.get("QBANK_SECURE_COOKIES"), False)
    upload_limit_mb = _int(environ, "QBANK_UPLOAD_LIMIT_MB", 50)
    remember_days = _int(environ, "QBANK_REMEMBER_DAYS", 30)
    return {
        "TESTING": testing,
        "SECRET_KEY": _secret_key(environ),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAX_CONTENT_LENGTH": upload_limit_mb * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * remember_days,
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        # The server refuses a session after this long, whatever the cookie says.
        "QBANK_REMEMBER_DAYS": remember_days,
        "QBANK_SESSION_HOURS": _int(environ, "QBANK_SESSION_HOURS", 24),
        "QBANK_LOGIN_FREE_FAILURES": _int(environ, "QBANK_LOGIN_FREE_FAILURES", 5),
        "QBANK_LOGIN_MAX_WAIT_MINUTES": _int(environ, "QBANK_LOGIN_MAX_WAIT_MINUTES", 15),
        # A campus NAT puts a lecture hall behind one address, and a class signs up at once.
        "QBANK_LOGIN_ADDRESS_LIMIT": environ.get("QBANK_LOGIN_ADDRESS_LIMIT")
        or "100 per 15 minutes",
        "QBANK_SIGNUP_ADDRESS_LIMIT": environ.get("QBANK_SIGNUP_ADDRESS_LIMIT") or "200 per hour",
        "QBANK_PROXY_HOPS": _int(environ, "QBANK_PROXY_HOPS", 0),
        "QBANK_BASE_URL": environ.get("QBANK_BASE_URL") or "http://127.0.0.1:8000",
        # werkzeug's scrypt; tests lower the cost, never production.
        "QBANK_PASSWORD_HASH": "scrypt",
        "QBANK_MEDIA_DIR": environ.get("QBANK_MEDIA_DIR") or None,
        "QBANK_RESET_LINK_HOURS": _int(environ, "QBANK_RESET_LINK_HOURS", 24),
        # How long a write waits for the database's write lock (SQLite) or a row lock
        # (PostgreSQL) before the user is asked to send it again: well inside gunicorn's
        # 30 s worker timeout, and far above the queue 50 students answering at once make.
        "QBANK_DATABASE_BUSY_TIMEOUT_MS": _int(environ, "QBANK_DATABASE_BUSY_TIMEOUT_MS", 10_000),
        "QBANK_LOG_LEVEL": (environ.get("QBANK_LOG_LEVEL") or "INFO").upper(),
    }


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse to start with settings that would be unsafe or cannot work."""
    for name in ("QBANK_LOGIN_ADDRESS_LIMIT", "QBANK_SIGNUP_ADDRESS_LIMIT"):
        try:
            parse_limit(config[name])
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    for name in ("QBANK_SESSION_HOURS", "QBANK_REMEMBER_DAYS", "QBANK_LOGIN_MAX_WAIT_MINUTES"):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1.")
    if config["QBANK_LOGIN_FREE_FAILURES"] < 0:
        raise ConfigError("QBANK_LOGIN_FREE_FAILURES must be 0 or more.")
    if not config.get("SECRET_KEY"):
        if config.get("TESTING"):
            return
        raise ConfigError(
            "QBANK_SECRET_KEY is not set. Set it (or QBANK_SECRET_KEY_FILE) to a long random "
            'string, for example: python -c "import secrets; print(secrets.token_hex(32))".'
        )
    if config.get("QBANK_LOG_LEVEL", "INFO") not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("QBANK_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.")
    if len(config["SECRET_KEY"]) < 32 and not config.get("TESTING"):
        raise ConfigError("QBANK_SECRET_KEY is too short: use at least 32 random characters.")
