# The two commands of the README: `make demo` (load the registry, show a trial) and `make test`.
# Both set up .venv from the lock file first; nothing needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The browser tests (tests/browser): Debian's Chromium, driven by Playwright (in the lock file),
# and axe-core from the npm registry (package-lock.json) for the accessibility checks.
CHROMIUM := /usr/bin/chromium
CHROMIUM_STAMP := $(VENV)/.chromium-stamp
AXE_STAMP := node_modules/.installed-stamp
# The PostgreSQL store's tests (tests/store/postgres_server.py) start a throwaway server from
# Debian's postgresql binaries, /usr/lib/postgresql/<version>/bin.
POSTGRES_BIN_GLOB := /usr/lib/postgresql/*/bin/initdb
POSTGRES_STAMP := $(VENV)/.postgres-stamp
# The fault test behind nginx (tests/web/test_postgres_faults.py) runs the configuration of
# docs/deployment.md in front of the workers, with Debian's nginx.
NGINX := /usr/sbin/nginx
NGINX_STAMP := $(VENV)/.nginx-stamp
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: demo test lint typecheck pytest browsers postgres nginx bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	# Bytecode once, as pip does for an installed package: commands start without compiling.
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

# apt-get install $(1) quietly, as root, for $(3) (default: the browser tests); with no package
# lists yet (a fresh image), or stale ones, it updates them and tries again. Fails with one clear
# line when apt cannot do it.
define apt_install
	    if ! command -v apt-get >/dev/null 2>&1; then \
	        echo "error: $(or $(3),the browser tests) need $(2), and there is no apt-get here to install it: install it by hand and run make again" >&2; \
	        exit 1; \
	    fi; \
	    echo "Installing Debian's $(1) for $(or $(3),the browser tests) (once)"; \
	    { $(APT_INSTALL) $(1) || { apt-get update -qq && $(APT_INSTALL) $(1); }; } >$(VENV)/apt.log 2>&1 \
	        || { cat $(VENV)/apt.log >&2; echo "error: apt-get install $(1) failed (above); run make as root, with a Debian mirror in reach" >&2; exit 1; };
endef

# Chromium from Debian, once, when $(CHROMIUM) is missing (about 25 s). Playwright launches it
# from there and downloads no browser of its own.
$(CHROMIUM_STAMP):
	@mkdir -p $(VENV)
	@if [ ! -x $(CHROMIUM) ]; then \
	$(call apt_install,chromium,Chromium at $(CHROMIUM)) \
	    test -x $(CHROMIUM) || { echo "error: apt installed chromium, but there is no $(CHROMIUM)" >&2; exit 1; }; \
	fi
	@touch $@

# axe-core, pinned in package.json and package-lock.json, into node_modules/ (about 2 s; npm
# from Debian where there is none). npm ci empties node_modules/ first: the stamp goes in after.
$(AXE_STAMP): package.json package-lock.json
	@mkdir -p $(VENV)
	@if ! command -v npm >/dev/null 2>&1; then \
	$(call apt_install,npm,npm (to install axe-core)) \
	fi
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

browsers: $(CHROMIUM_STAMP) $(AXE_STAMP)

# PostgreSQL from Debian, once, when no server binaries are installed (about 20 s); the tests
# run their own server from them, as the postgres user when run as root. They fail, never
# skip, without it.
$(POSTGRES_STAMP):
	@mkdir -p $(VENV)
	@if ! ls $(POSTGRES_BIN_GLOB) >/dev/null 2>&1; then \
	$(call apt_install,postgresql,PostgreSQL's server (initdb and pg_ctl),the PostgreSQL store tests) \
	    ls $(POSTGRES_BIN_GLOB) >/dev/null 2>&1 || { echo "error: apt installed postgresql, but there is no $(POSTGRES_BIN_GLOB)" >&2; exit 1; }; \
	fi
	@touch $@

postgres: $(POSTGRES_STAMP)

# nginx from Debian, once, when it is missing. Its package starts the system's nginx (port 80)
# where it can; the test runs one of its own, so that one is stopped again.
$(NGINX_STAMP):
	@mkdir -p $(VENV)
	@if ! test -x $(NGINX); then \
	$(call apt_install,nginx,nginx,the deployment tests) \
	    test -x $(NGINX) || { echo "error: apt installed nginx, but there is no $(NGINX)" >&2; exit 1; }; \
	    { command -v service >/dev/null 2>&1 && service nginx stop >/dev/null 2>&1; } || true; \
	fi
	@touch $@

nginx: $(NGINX_STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/demo.sh

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) browsers postgres nginx
	# one worker per core (pytest-xdist); the session fixtures that build the shared store take a lock
	$(BIN)/pytest -q -n auto

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

# Re-pin every dependency (needs network): edit pyproject.toml, then run this.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) node_modules trialscout.db trialscout.db-* trialscout.db.*
