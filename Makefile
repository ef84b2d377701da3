# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first Python ≥ 3.11 on the machine.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run test test-db lint bench install clean messages

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed; none was found on PATH."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/manpower setup --demo
	$(VENV)/bin/manpower run

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile tests; rc=$$?; [ $$rc -eq 5 ] && exit 0 || exit $$rc

# The database tests only (CI repeats them on PostgreSQL with DATABASE_URL set).
test-db: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not browser" tests --ignore=tests/law; rc=$$?; [ $$rc -eq 5 ] && exit 0 || exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy manpower

bench: $(STAMP)
	$(VENV)/bin/manpower bench all

messages: $(STAMP)
	cd manpower && ../$(VENV)/bin/manpower makemessages -l ar --no-obsolete --ignore='law/*' && ../$(VENV)/bin/manpower compilemessages -l ar

clean:
	rm -rf $(VENV) var
