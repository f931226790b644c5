# qbank: `make run` serves the demo, `make test` runs the suite. Each bootstraps .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
INSTANCE := instance
SECRET_FILE := $(INSTANCE)/secret-key

export FLASK_APP := wsgi.py

.PHONY: run test test-fast lint format bench install lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The installs come from the hash-checked locks; the project itself goes in last, without
# dependencies. Stamps make a second `make` skip the install unless a lock (or
# pyproject.toml) changed.
$(VENV)/.installed-app: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements-test.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed-app

# Regenerate the locks from pyproject.toml with uv, which resolves against PyPI alone
# (it reads no pip configuration) and records every wheel's hash. Existing pins are kept
# unless asked: `make lock LOCK_FLAGS=--upgrade` (or --upgrade-package NAME).
# The test lock is constrained by the app lock, so both install the same versions.
UV_VERSION := 0.13.9
LOCK_FLAGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(LOCK_FLAGS)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

lock: | $(BIN)/uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra test -c requirements.lock -o requirements-test.lock

install: $(VENV)/.installed-app

$(SECRET_FILE):
	mkdir -p $(INSTANCE)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

run: $(VENV)/.installed-app $(SECRET_FILE)
	QBANK_SECRET_KEY_FILE=$(SECRET_FILE) $(BIN)/flask db upgrade
	QBANK_SECRET_KEY_FILE=$(SECRET_FILE) $(BIN)/flask seed
	@echo
	@echo "qbank is starting at http://$(HOST):$(PORT)/"
	@echo "Demo logins (who, e-mail, password; the rep runs the demo cohort):"
	@sed 's/^/  /' $(INSTANCE)/demo-logins.txt
	@echo
	QBANK_SECRET_KEY_FILE=$(SECRET_FILE) exec $(BIN)/gunicorn -c python:qbank.gunicorn_conf \
		--workers $(WORKERS) \
		--bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Two processes (the machine's cores) share the tests; each has its own databases.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --dist worksteal

# The inner loop: SQLite only, no browser, no long simulation or load test.
test-fast: $(VENV)/.installed-test
	QBANK_TEST_POSTGRES_URL= $(BIN)/python -m pytest -n auto --dist worksteal -q \
		-m "not slow and not e2e"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The study benchmark generates a 1.3 GB SQLite database in /tmp that the next one reuses.
bench: $(VENV)/.installed-test
	$(BIN)/python bench/import/run.py
	$(BIN)/python bench/study/run.py
	$(BIN)/python bench/gamification/run.py
	$(BIN)/python bench/items/run.py
	$(BIN)/python bench/load/run.py
	$(BIN)/python bench/practice/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
