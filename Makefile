# Everyday commands. `make run` and `make test` set up everything they need
# (virtualenv, .env, PostgreSQL + PostGIS, database) and say exactly what to
# do when they cannot.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMPS := .make
SETUP := PYTHON="$(PYTHON)" VENV="$(VENV)" scripts/setup.sh
PYTEST_ARGS ?=
# What `make bench` runs: every benchmark, or one file (BENCH=tests/bench/test_map_bench.py).
BENCH ?= tests/bench
LOCK := requirements/lock.txt
DEV_LOCK := requirements/dev-lock.txt
LOCK_ARGS ?=
PIP := $(BIN)/python -m pip --disable-pip-version-check

export PYTHON VENV

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo "make run     set up, load the demo data and serve on http://127.0.0.1:8000"
	@echo "make test    set up and run the test suite (without benchmarks)"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make check   Django system checks, missing migrations, docker-compose.yml, the Caddyfile"
	@echo "make bench   run the benchmarks (tests/bench; BENCH=<file> for one)"
	@echo "make fuzz    the API property test in depth: 100 examples per operation, every phase"
	@echo "make messages  update locale/*/LC_MESSAGES/*.po from the code (then translate the new entries)"
	@echo "make lock    regenerate requirements/*.txt from pyproject.toml (LOCK_ARGS=--upgrade for newer versions)"
	@echo "make clean   remove the virtualenv, caches and collected files"

# The virtualenv is (re)created only when missing; pyvenv.cfg is a real file,
# so its time stamp is the venv's own (bin/python is a symlink).
$(VENV)/pyvenv.cfg:
	@$(SETUP) venv

# Dependencies are installed again only when the lock or pyproject.toml changes:
# exactly the locked versions, each checked against its hash, then the project
# itself without dependencies (built with the locked setuptools, so nothing
# unhashed is fetched). A pyproject.toml that no longer matches the lock stops here.
$(STAMPS)/deps: $(DEV_LOCK) pyproject.toml $(VENV)/pyvenv.cfg
	@echo "==> Installing the locked dependencies and the project into $(VENV)"
	@mkdir -p $(STAMPS)
	@{ $(PIP) install --require-hashes --requirement $(DEV_LOCK) \
		&& $(PIP) install --no-deps --no-build-isolation --editable . ; } \
		>$(STAMPS)/pip.log 2>&1 || { cat $(STAMPS)/pip.log; echo "*** pip install failed (log: $(STAMPS)/pip.log)"; exit 1; }
	@$(BIN)/python scripts/check_lock.py
	@touch $@

.env: | .env.example
	@$(SETUP) env

.PHONY: deps db setup chromium gettext compilemessages messages
deps: $(STAMPS)/deps

db: .env
	@$(SETUP) postgres

# GNU gettext's msgfmt compiles the translations; the set-up installs it when missing.
gettext:
	@$(SETUP) gettext

# The compiled catalogues (.mo, not committed) follow their .po files.
# Where every `makemessages` and `compilemessages` looks for text: the project, not the
# virtualenv or collected and vendored files. tests/incidents/test_translations.py uses
# the same list.
I18N_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=node_modules \
	--ignore=tests --ignore=media --ignore=README.md
# Templates besides Django's default html and txt: the reports' markdown (templates/**/*.md;
# README.md, which shows template tags as examples, is left out above).
I18N_EXTENSIONS := --extension=html,txt,py,md
$(STAMPS)/messages: $(wildcard locale/*/LC_MESSAGES/*.po) | $(STAMPS)/deps
	@$(SETUP) gettext
	@$(BIN)/python manage.py compilemessages $(I18N_IGNORE) -v 0
	@mkdir -p $(STAMPS) && touch $@
compilemessages: $(STAMPS)/messages

# After changing user-visible text: collect it into the catalogues, translate what is
# new or fuzzy in locale/uk/LC_MESSAGES/*.po, then `make run` compiles them.
messages: deps gettext
	$(BIN)/python manage.py makemessages -l uk --no-location --no-obsolete $(I18N_EXTENSIONS) $(I18N_IGNORE)
	$(BIN)/python manage.py makemessages -d djangojs -l uk --no-location --no-obsolete $(I18N_IGNORE)

setup: deps .env db compilemessages

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
	@status=0; $(BIN)/pytest $(BENCH) -m bench -s $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "No benchmarks (tests marked bench) in tests/bench yet."; \
	else exit $$status; fi

.PHONY: fuzz
# The schemathesis run of tests/incidents/test_api_schemathesis.py, deeper: nightly or on request.
fuzz: setup
	API_FUZZ_EXAMPLES=100 API_FUZZ_PHASES=examples,coverage,fuzzing,stateful \
		$(BIN)/pytest tests/incidents/test_api_schemathesis.py -p no:randomly $(PYTEST_ARGS)

.PHONY: lint
lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: check
# The secrets docker-compose.yml requires, with stand-ins when the shell has none.
COMPOSE_CHECK_ENV := SECRET_KEY=$${SECRET_KEY:-config-check} \
	POSTGRES_PASSWORD=$${POSTGRES_PASSWORD:-config-check} \
	APP_DB_PASSWORD=$${APP_DB_PASSWORD:-config-check}
check: deps .env
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/check_lock.py
	@if command -v docker-compose >/dev/null; then \
		echo "docker-compose config -q"; \
		$(COMPOSE_CHECK_ENV) docker-compose config -q; \
	elif docker compose version >/dev/null 2>&1; then \
		echo "docker compose config -q"; \
		$(COMPOSE_CHECK_ENV) docker compose config -q; \
	else \
		echo "(docker compose is not installed: docker-compose.yml not validated)"; \
	fi
	@if command -v caddy >/dev/null; then \
		echo "caddy validate deploy/Caddyfile"; \
		out=$$(SITE_DOMAIN=localhost caddy validate --config deploy/Caddyfile \
			--adapter caddyfile 2>&1) || { echo "$$out"; exit 1; }; \
		echo "$$out" | tail -n 1; \
	else \
		echo "(caddy is not installed: deploy/Caddyfile not validated)"; \
	fi

.PHONY: lock
# Compiles both lock files from pyproject.toml with a hash for every file, the
# build system's setuptools included. Pins already in the files are kept unless
# LOCK_ARGS=--upgrade. The development lock is constrained by the runtime one, so
# the two install the same versions of what they share.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --all-build-deps --no-emit-index-url --no-emit-find-links
lock: $(VENV)/pyvenv.cfg
	@test -x $(BIN)/pip-compile || $(PIP) install --quiet --require-hashes --requirement $(DEV_LOCK)
	@echo "==> Compiling $(LOCK) and $(DEV_LOCK) from pyproject.toml (takes a few minutes)"
	@$(PIP_COMPILE) $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml
	@$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --constraint $(LOCK) --output-file $(DEV_LOCK) pyproject.toml
	@$(BIN)/python scripts/check_lock.py

.PHONY: clean
clean:
	rm -rf $(VENV) $(STAMPS) staticfiles .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
