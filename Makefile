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

.PHONY: run test install lint format worker beat migrate seed devdb-stop clean messages demo-idp

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

.stamp-python: pyproject.toml $(VENV)/bin/activate
	$(PIP) install --quiet -e ".[dev]"
	touch $@

.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The test SAML identity provider (tests/federation/idp/) in a venv of its own: pysaml2
# needs an older cryptography than the portal's. It also needs the xmlsec1 program
# (Debian: apt-get install xmlsec1).
.stamp-idp: tests/federation/idp/requirements.txt
	$(PYTHON) -m venv .venv-idp
	.venv-idp/bin/pip install --quiet --upgrade pip
	.venv-idp/bin/pip install --quiet -r tests/federation/idp/requirements.txt
	touch $@

install: .stamp-python .stamp-npm .stamp-idp

# The portal with in-process tasks and the demo data, at http://127.0.0.1:8000. Without
# DATABASE_URL on the development database: an embedded PostgreSQL under .devdb/, started
# if it is not running and left running (config/devdb.py; `make devdb-stop` stops it).
# The daily tasks (the beat schedule: contracts activated and ended, reminders, scheduled
# reports, overdue actions) run in the background at once and every DAILY_EVERY_MINUTES
# (manage.py run_daily), stopped with the server.
# Migrations, the demo and then the daily tasks in one process beside the server (one start
# of Django, not three); when nothing is to migrate and the demo is as the last run left it,
# that is a few queries, no hashing. The server loads the project meanwhile and serves once
# the demo is in place (PORTAL_SEEDING: manage.py, seed_demo.py).
DAILY_EVERY_MINUTES ?= 10
run: install
	ready=$$(mktemp); \
	DEBUG=1 $(PY) manage.py seed_demo --migrate --ready-file $$ready \
		--then-run-daily $(DAILY_EVERY_MINUTES) & daily=$$!; \
	trap 'kill $$daily 2>/dev/null; rm -f $$ready' EXIT INT TERM; \
	DEBUG=1 PORTAL_SEEDING=$$daily:$$ready $(PY) manage.py runserver $(HOST):$(PORT)

# A local identity provider to log in through (README, "Log ind gennem en
# identitetsudbyder"): the test SAML IdP on http://127.0.0.1:$(IDP_PORT), registered in the
# portal as "Lokal demo-IdP (MitID Erhverv)". Run beside `make run`; stop it with Ctrl-C.
IDP_PORT ?= 8070
demo-idp: install
	DEBUG=1 $(PY) manage.py demo_idp --url http://$(HOST):$(IDP_PORT)
	.venv-idp/bin/python tests/federation/idp/idp.py --host $(HOST) --port $(IDP_PORT) \
		--keys-dir .devdb/demo-idp --sp-metadata-url $(SITE_URL)/konto/saml/demo/metadata/

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
	rm -rf $(VENV) .venv-idp node_modules .stamp-python .stamp-npm .stamp-idp staticfiles
