"""qbank: a gamified question bank with FSRS spaced repetition for medical education."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g

from qbank.clock import SystemClock
from qbank.config import check_config, load_config
from qbank.database import init_engine
from qbank.extensions import csrf, db, login_manager, migrate
from qbank.logs import configure_logging

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(
    config_overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """Build and wire the app: settings, extensions, blueprints. Nothing else."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(os.environ if environ is None else environ))
    if config_overrides:
        app.config.from_mapping(config_overrides)
    check_config(app.config)

    configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    app.after_request(_security_headers)

    from qbank.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from qbank import models  # noqa: F401  (registers every table on the metadata)
    from qbank.services.media import MediaStore
    from qbank.services.throttle import Throttle

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.extensions["qbank_clock"] = app.config.get("QBANK_CLOCK") or SystemClock()
    app.extensions["qbank_media"] = MediaStore(
        Path(app.config["QBANK_MEDIA_DIR"] or Path(app.instance_path) / "media")
    )
    app.extensions["qbank_throttle"] = Throttle.from_config(app.config)

    init_engine(app)

    if app.config["QBANK_PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["QBANK_PROXY_HOPS"]
        # Flask's documented way to wrap the WSGI app, which mypy sees as replacing a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


# Everything the pages need is served by the app itself: no CDN, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


HSTS = "max-age=31536000"


def _security_headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    # A signed-in page, export or data download must not be kept by a browser or proxy
    # for the next person at a shared computer. (Images set their own private caching.)
    user = g.get("_login_user")
    if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def _register_blueprints(app: Flask) -> None:
    from qbank.views import (
        admin,
        auth,
        bank,
        card_browser,
        card_info,
        cohort_progress,
        cohorts,
        errors,
        imports,
        library,
        main,
        media,
        practice,
        settings,
        stats,
        study,
        templating,
        unstorable,
    )

    students = (
        auth,
        main,
        study,
        practice,
        card_info,
        card_browser,
        library,
        settings,
        stats,
        cohorts,
        media,
    )
    faculty = (bank, imports, cohort_progress, admin)
    for view in students + faculty:
        app.register_blueprint(view.bp)
    errors.register(app)
    unstorable.register(app)
    templating.register(app)
