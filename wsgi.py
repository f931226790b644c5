"""The WSGI entry point: ``gunicorn wsgi:app``."""

from qbank import create_app

app = create_app()
