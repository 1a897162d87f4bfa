# Everyday commands. `make run` and `make test` set up everything they need
# (virtualenv, .env, PostgreSQL + PostGIS, database) and say exactly what to
# do when they cannot.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMPS := .make
SETUP := PYTHON="$(PYTHON)" VENV="$(VENV)" scripts/setup.sh
PYTEST_ARGS ?=

export PYTHON VENV

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo "make run     set up, load the demo data and serve on http://127.0.0.1:8000"
	@echo "make test    set up and run the test suite (without benchmarks)"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make check   Django system checks, missing migrations, docker-compose.yml"
	@echo "make bench   run the benchmarks (tests/bench)"
	@echo "make clean   remove the virtualenv, caches and collected files"

# The virtualenv is (re)created only when missing; pyvenv.cfg is a real file,
# so its time stamp is the venv's own (bin/python is a symlink).
$(VENV)/pyvenv.cfg:
	@$(SETUP) venv

# Dependencies are installed again only when pyproject.toml changes.
$(STAMPS)/deps: pyproject.toml $(VENV)/pyvenv.cfg
	@echo "==> Installing the project and its dependencies into $(VENV)"
	@mkdir -p $(STAMPS)
	@$(BIN)/python -m pip install --disable-pip-version-check --editable '.[dev]' \
		>$(STAMPS)/pip.log 2>&1 || { cat $(STAMPS)/pip.log; echo "*** pip install failed (log: $(STAMPS)/pip.log)"; exit 1; }
	@touch $@

.env: | .env.example
	@$(SETUP) env

.PHONY: deps db setup chromium
deps: $(STAMPS)/deps

db: .env
	@$(SETUP) postgres

setup: deps .env db

chromium:
	@$(SETUP) chromium

.PHONY: run
run: setup
	@scripts/run.sh

.PHONY: test
test: setup chromium
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: bench
# Exit status 5 means pytest collected nothing: say so rather than fail.
bench: setup
	@status=0; $(BIN)/pytest tests/bench -m bench -s $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "No benchmarks (tests marked bench) in tests/bench yet."; \
	else exit $$status; fi

.PHONY: lint
lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: check
check: deps .env
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	@if command -v docker-compose >/dev/null; then \
		echo "docker-compose config -q"; \
		SECRET_KEY=$${SECRET_KEY:-config-check} POSTGRES_PASSWORD=$${POSTGRES_PASSWORD:-config-check} \
			docker-compose config -q; \
	elif docker compose version >/dev/null 2>&1; then \
		echo "docker compose config -q"; \
		SECRET_KEY=$${SECRET_KEY:-config-check} POSTGRES_PASSWORD=$${POSTGRES_PASSWORD:-config-check} \
			docker compose config -q; \
	else \
		echo "(docker compose is not installed: docker-compose.yml not validated)"; \
	fi

.PHONY: clean
clean:
	rm -rf $(VENV) $(STAMPS) staticfiles .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
