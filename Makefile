# Artel Billiards — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve nginx embedded-only test setup dev-setup migrate seed lint format messages check-deploy clean browser

# --- set-up ---------------------------------------------------------------------------------
$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.req-runtime: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.req-dev: requirements-dev.txt requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

.env:
	cp .env.example .env

setup: $(VENV)/.req-runtime .env
dev-setup: $(VENV)/.req-dev .env

migrate: setup
	$(PY) manage.py migrate --noinput

# --- make run ---------------------------------------------------------------------------------
# Embedded default: SQLite under var/, in-memory channel layer, eager Celery. daphne runs the
# periodic tasks itself (EMBEDDED_BEAT=1, config/embedded.py) so their broadcasts reach its sockets.
# With REDIS_URL set, Celery would queue tasks to Redis that no worker of this mode runs (stats and
# bot messages would never happen): refuse, and point at `make serve`.
run: migrate embedded-only
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "  Artel Billiards is starting on http://$(HOST):$(PORT)/"
	@echo "    Mini App page : http://$(HOST):$(PORT)/"
	@echo "    Admin         : http://$(HOST):$(PORT)/admin/   (demo staff: staff / artel-staff-demo)"
	@echo "    API docs      : http://$(HOST):$(PORT)/api/docs/"
	@echo "    Health        : http://$(HOST):$(PORT)/healthz  /readyz  /metrics"
	@echo ""
	@EMBEDDED_BEAT=1 $(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

embedded-only: setup
	@out=$$(EMBEDDED_BEAT=1 $(PY) -c "import config.settings" 2>&1) || \
	  { echo "$$out" | tail -n 1 | sed 's/^.*ImproperlyConfigured: //'; exit 2; }

# --- make serve -------------------------------------------------------------------------------
# The production layout on one machine (deploy/serve.py): nginx on http://$(HOST):$(PORT) routes /ws/
# to daphne and the rest to gunicorn; a Celery worker and beat run beside them. Needs DATABASE_URL
# and REDIS_URL; WEB_WORKERS / WS_WORKERS scale each kind of process. Ctrl-C stops everything.
serve: setup nginx
	@PORT=$(PORT) HOST=$(HOST) $(PY) deploy/serve.py

# Debian's nginx for `make serve`, installed when missing.
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || \
	  { echo "Installing Debian's nginx for make serve"; \
	    (apt-get install -y -q nginx-light >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q nginx-light >/dev/null)) || \
	    { echo "nginx could not be installed: apt-get install nginx-light, or set NGINX=/path/to/nginx"; exit 1; }; }

# --- make test --------------------------------------------------------------------------------
# Uses PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set (CI sets them and REQUIRE_SERVICES=1).
PYTEST_ARGS ?=
test: dev-setup browser nginx
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Debian's chromium for the browser tests (Playwright's own download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
	  { echo "Installing Debian's chromium for browser tests"; \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) || \
	    echo "WARNING: chromium could not be installed; browser tests will fail"; }

# --- helpers ----------------------------------------------------------------------------------
seed: migrate
	$(PY) manage.py seed_demo

lint: dev-setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

format: dev-setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: setup
	$(PY) manage.py makemessages -l ru --ignore=.venv --ignore=staticfiles --ignore=var --ignore=bench --no-obsolete
	$(PY) locale/makemessages_js.py
	$(PY) manage.py compilemessages -l ru --ignore=.venv

check-deploy: setup
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=club.example.com $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles var/*.sqlite3*
