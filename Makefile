# Developer commands; `make help` lists them.
PYTHON ?= python3
VENV := .venv
USER_ID ?= dev-user

.DEFAULT_GOAL := help
.PHONY: help system venv devenv run test lint migrate rollback token bench

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

system: ## install missing system packages (PostgreSQL server, python3-venv) with apt-get
	@scripts/system-packages

venv: $(VENV)/.installed ## create .venv with what running needs (requirements.txt; again only when it changes)

devenv: $(VENV)/.dev-installed ## add the test and lint tools (requirements-dev.txt)

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/python -m pip install -r requirements-dev.txt
	touch $@

run: system venv ## serve the API; without DATABASE_URL, on a local cluster in .data/postgres
	$(VENV)/bin/python -m taskapi serve

test: system devenv ## run the test suite against a real PostgreSQL (and real nginx, HAProxy, PgBouncer)
	@scripts/system-packages test
	$(VENV)/bin/python -m pytest -q
	@echo "make test: once more, every test whose app can sit behind a pooler, through PgBouncer (transaction mode)"
	$(VENV)/bin/python -m pytest -q --via-pgbouncer -m pooled

lint: devenv ## ruff (lint and format check) and mypy; any finding fails
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

migrate: venv ## apply the pending migrations
	$(VENV)/bin/python -m taskapi migrate

rollback: venv ## undo the last migration
	$(VENV)/bin/python -m taskapi migrate --rollback

token: venv ## print a development token: make token USER_ID=alice
	$(VENV)/bin/python -m taskapi token $(USER_ID)

bench: devenv ## run the benchmark (python -m bench)
	@test -f bench/__main__.py || { echo "make bench: no bench/__main__.py in this checkout yet" >&2; exit 1; }; $(VENV)/bin/python -m bench
