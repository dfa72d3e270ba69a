# item-sync developer tasks.  `make` alone lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON       ?= python3
VENV         := .venv
VENV_PYTHON  := $(VENV)/bin/python
STAMP        := $(VENV)/.installed

PYTEST_ARGS  ?=
FETCHERS     ?= 2
WRITERS      ?= 1
STANDIN_PORT ?= 8900

.PHONY: help venv test test-unit lint fmt services run run-local reset-local bench bench-quick clean

help: ## list the targets
	@echo "item-sync make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'
	@echo "variables: PYTEST_ARGS='...'  FETCHERS=$(FETCHERS)  WRITERS=$(WRITERS)  STANDIN_PORT=$(STANDIN_PORT)  PYTHON=$(PYTHON)"

venv: $(STAMP) ## create .venv (python >= 3.11) and install the package with dev extras
	@:

# A file target: nothing happens until pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "$(PYTHON) is Python %d.%d; item-sync needs 3.11 or newer (make PYTHON=python3.11 ...)" % sys.version_info[:2])'
	@test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $@

test: venv ## run the whole suite: unit, integration, e2e, fault (PYTEST_ARGS passes options)
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

test-unit: venv ## run only tests/unit
	$(VENV_PYTHON) -m pytest tests/unit $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services harness bench

fmt: venv ## ruff format, then ruff check --fix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services: ## make sure Redis and MariaDB answer on 127.0.0.1 (starts or installs them)
	.ci/ensure-services

run: venv services ## run the pipeline against the real APIs (reads .env; FETCHERS, WRITERS)
	$(VENV)/bin/item-sync run --fetchers $(FETCHERS) --writers $(WRITERS)

run-local: venv services ## run the pipeline against the local stand-in upstream (no internet needed)
	STANDIN_PORT=$(STANDIN_PORT) .ci/run-local --fetchers $(FETCHERS) --writers $(WRITERS)

reset-local: venv ## drop run-local's database and flush its Redis DB (same DATABASE_*/REDIS_* as run-local)
	.ci/reset-local

BENCH_STAMP  := $(VENV)/.bench-installed
BENCH_ARGS   ?=

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(VENV_PYTHON) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP) services ## full benchmark (about 20 min; BENCH_ARGS='--only api --env K=V ...')
	$(VENV_PYTHON) -m bench $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP) services ## small benchmark, about 3 min
	$(VENV_PYTHON) -m bench --quick $(BENCH_ARGS)

clean: ## remove .venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
