# Developer entry points (SPEC §8). Everything runs from .venv; nothing here needs a service:
# without DATABASE_URL/REDIS_URL the portal uses SQLite and runs Celery tasks in-process.
# `make install` writes .env (DJANGO_ENV=local, a generated secret) once; whatever the caller
# exported (DATABASE_URL, REDIS_URL, DJANGO_ENV, ...) overrides it.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check --no-input
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k caps -x"`.
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install install-dev run test lint messages check-einvoice clean distclean

help:
	@echo "make install      create .venv and install requirements.txt"
	@echo "make install-dev  install requirements-dev.txt as well"
	@echo "make run          migrate, seed the demo and serve on http://127.0.0.1:8000"
	@echo "make test         run the test suite (PYTEST_ARGS=... to pass options)"
	@echo "make lint         ruff check, ruff format --check, lint-imports (the layers)"
	@echo "make messages     update and compile the German translations"
	@echo "make check-einvoice FILE=GS-2025-00001.pdf  check e-invoices (PDF or XML): XSD and EN 16931 Schematron"
	@echo "make clean        remove caches and collected static files (distclean: also .venv)"

# The interpreter is an order-only prerequisite: the venv must exist first, but its mtime (that
# of the system Python it links to) says nothing about whether the requirements changed.
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed as '$(PYTHON)' (make PYTHON=python3.11 ...)" >&2; exit 1; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) || \
		{ rm -rf $(VENV); echo "venv failed; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }

# The stamps live inside .venv, so deleting .venv also forgets what was installed.
# First a pinned, hashed pip: the pip that `python3 -m venv` bundles differs from machine to machine
# (23.2.1 on today's, which cannot install hashed requirements whose packages ask for extras).
$(VENV)/.installed-pip: requirements-pip.txt | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements-pip.txt
	@touch $@

$(VENV)/.installed-runtime: requirements.txt $(VENV)/.installed-pip | $(PY) .env
	@echo "Installing requirements.txt into $(VENV) ..."
	$(PIP) install --quiet --require-hashes -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-runtime | $(PY)
	@echo "Installing requirements-dev.txt into $(VENV) ..."
	$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

# Local settings for this checkout (SPEC 8), written once and never overwritten or committed:
# DJANGO_ENV=local and a generated secret, so manage.py runs with no environment variable set.
.env:
	@$(PYTHON) -c 'import secrets; print("# Written once by `make install` for this checkout; never commit it.\n# Variables set in the environment override these lines.\nDJANGO_ENV=local\nSECRET_KEY=" + secrets.token_urlsafe(50))' > $@
	@echo "Wrote $@ (DJANGO_ENV=local, a generated SECRET_KEY)"

install: $(VENV)/.installed-runtime

install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# pytest exits 5 when it collected nothing; that is a broken selection or a broken tree, never a
# pass, so it gets a message of its own. Make itself exits 2 on any failure; a caller that needs
# pytest's own exit code (.ci/run) names a file in PYTEST_EXIT_CODE_FILE to receive it.
test: install-dev
	@rc=0; DISABLE_RATE_LIMITS=1 $(VENV)/bin/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ -n "$${PYTEST_EXIT_CODE_FILE:-}" ]; then echo $$rc > "$$PYTEST_EXIT_CODE_FILE"; fi; \
	if [ $$rc -eq 5 ]; then \
		echo "make test: FAILED - pytest collected no tests (exit code 5)." >&2; \
	fi; \
	exit $$rc

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# compilemessages walks the whole tree; without --ignore it would compile Django's own catalogues
# inside .venv.
messages: install
	$(PY) manage.py makemessages -l de --ignore=.venv --ignore=staticfiles --ignore=media
	$(PY) manage.py compilemessages -l de --ignore=.venv --ignore=staticfiles --ignore=media

# A credit note's e-invoice checked by hand, offline, as the tests check every note they issue
# (FILE may name several files, in quotes). Exit status 1 on an XSD error or a fatal finding.
check-einvoice: install-dev
	@test -n "$(FILE)" || { echo "usage: make check-einvoice FILE=GS-2025-00001.pdf (a PDF or its XML)" >&2; exit 2; }
	$(PY) manage.py check_einvoice $(FILE)

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache .hypothesis test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
