# Jiedai: `make run` (install, migrate, demo data, serve on http://127.0.0.1:8000) and `make test` (everything).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 python3; do $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/jiedai
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run install test test-sqlite test-postgres test-redis test-browser lint bench messages clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || (echo "Python >= 3.12 is needed (python3.13 preferred)"; exit 1)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	JIEDAI_ENV=development $(PY) manage.py migrate --noinput
	JIEDAI_ENV=development CELERY_TASK_ALWAYS_EAGER=1 LOG_LEVEL=WARNING $(PY) manage.py seed_demo
	@echo "Jiedai: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker together)"
	JIEDAI_ENV=development $(PY) manage.py serve --addr 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	JIEDAI_ENV=test $(PY) manage.py makemigrations --check --dry-run

test-sqlite: install
	$(VENV)/bin/pytest -q -m "not browser and not redis"

test-postgres: install
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not browser and not redis"

test-redis: install
	$(VENV)/bin/pytest -q -m redis

test-browser: install
	$(VENV)/bin/pytest -q -m browser

test: lint test-sqlite test-postgres test-redis test-browser

bench: install
	$(PY) -m bench $(BENCH_ARGS)

messages: install
	$(PY) scripts/messages.py

clean:
	rm -rf var
