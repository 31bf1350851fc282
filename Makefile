# Newsroom: `make run` to bring the site up locally, `make test` to check everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run prod test lint format setup serve clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The test suite's checkers: axe-core and the Nu Html Checker (needs Java), from npm.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the accessibility checks"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.requirements

## run: install, migrate a local SQLite database, load demo content once, print the admin and role logins, serve
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py demo_logins
	$(PY) manage.py runserver 127.0.0.1:8000

## prod: the same site with the production settings, on this machine: DEBUG off, a secret key
## made once in var/, ALLOWED_HOSTS localhost, collectstatic, migrate, demo content once, the
## Redis cache (REDIS_URL), gunicorn on PORT (8000). ops/run_local_production.sh; README.
prod: setup
	PY=$(PY) ops/run_local_production.sh

## test: lint, format check, migrations check, whole pytest suite (PostgreSQL when DATABASE_URL is set)
test: setup node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var media staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
