"""A live qbank on a free local port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from qbank import create_app
from qbank.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 740},
}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve a fresh app on 127.0.0.1 in a background thread; yield its base URL."""
    database = tmp_path_factory.mktemp("e2e") / "qbank.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-secret-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "QBANK_PASSWORD_HASH": "pbkdf2:sha256:1000",
        },
        environ={},
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI must run the browser tests: install Debian's chromium.")
        pytest.skip(
            "browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser, live_server: str):
    """A fresh browser context at desktop or phone size, with the server as base URL."""
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], base_url=live_server, timezone_id="Europe/Berlin"
    )
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)
