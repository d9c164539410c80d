# The two commands of the README: `make demo` (load the registry, show a trial) and `make test`.
# Both set up .venv from the lock file first; nothing needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	# Bytecode once, as pip does for an installed package: commands start without compiling.
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/demo.sh

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	# one worker per core (pytest-xdist); the session fixtures that build the shared store take a lock
	$(BIN)/pytest -q -n auto

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

# Re-pin every dependency (needs network): edit pyproject.toml, then run this.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) trialscout.db trialscout.db-* trialscout.db.*
