# Partnerskabsportalen. `make run` for the portal with demo data, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format worker beat migrate seed clean

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

# The portal on SQLite with in-process tasks and the demo data, at http://127.0.0.1:8000
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The test suite. Uses PostgreSQL and Redis when DATABASE_URL and CELERY_BROKER_URL are set.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
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

clean:
	rm -rf $(VENV) node_modules .stamp-python .stamp-npm staticfiles
