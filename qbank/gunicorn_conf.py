"""gunicorn's settings for qbank: ``gunicorn -c python:qbank.gunicorn_conf wsgi:app``.

Worker class, count and address stay on the command line (see the README's Production
section); this module holds what every deployment wants.
"""

import gunicorn.http.wsgi

# Workers must finish a request well before this; a write waits at most
# QBANK_DATABASE_BUSY_TIMEOUT_MS (10 s) for its lock, then answers 503.
timeout = 30
graceful_timeout = 20

# Say no more about the server than the pages do: no "Server: gunicorn" banner.
gunicorn.http.wsgi.SERVER = "qbank"
