# Partnerskabsportalen. `make run` for the portal with demo data, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The address e-mails and calendar files link to (partnership/links.py).
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

.PHONY: run test install lint format worker beat migrate seed devdb-stop clean messages

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

.stamp-python: pyproject.toml $(VENV)/bin/activate
	$(PIP) install --quiet -e ".[dev]"
	touch $@

.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: .stamp-python .stamp-npm

# The portal with in-process tasks and the demo data, at http://127.0.0.1:8000. Without
# DATABASE_URL on the development database: an embedded PostgreSQL under .devdb/, started
# if it is not running and left running (config/devdb.py; `make devdb-stop` stops it).
# The daily tasks (the beat schedule: contracts activated and ended, reminders, scheduled
# reports, overdue actions) run in the background at once and every DAILY_EVERY_MINUTES
# (manage.py run_daily), stopped with the server.
DAILY_EVERY_MINUTES ?= 10
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py run_daily --every $(DAILY_EVERY_MINUTES) --stop-with-parent & daily=$$!; \
	trap 'kill $$daily 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The test suite, on DATABASE_URL or else the development database (a test database of its
# own on it), with a real Celery worker when CELERY_BROKER_URL points at Redis. In as many
# processes as the machine has cores (pytest-xdist), each on a test database of its own;
# PYTEST_WORKERS=0 runs it in one.
PYTEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/djlint templates --lint
	DATABASE_URL=postgres://mypy@127.0.0.1:1/none DEBUG=1 $(VENV)/bin/mypy
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# A Celery worker (needs CELERY_BROKER_URL and DATABASE_URL in the environment).
worker: install
	$(VENV)/bin/celery -A config worker --loglevel=info --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=info

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_demo

# The portal's own Danish for allauth's and Django's texts (locale/da): compile after editing
# the .po. The .mo is committed, so a clone runs without gettext; the suite fails when the
# two differ (tests/partnership/test_danish_wording.py).
messages:
	msgfmt --check -o locale/da/LC_MESSAGES/django.mo locale/da/LC_MESSAGES/django.po

# Stop the development database (its data stays in .devdb/).
devdb-stop:
	@if [ -x $(PY) ]; then $(PY) -m config.devdb stop; fi

clean: devdb-stop
	rm -rf $(VENV) node_modules .stamp-python .stamp-npm staticfiles
