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

.PHONY: run test test-fast lint format bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps make a second `make` skip the install unless pyproject.toml changed.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
