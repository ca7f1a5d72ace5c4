# Everything runs from a project-local virtualenv, created on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest postgres bench bench-load bench-query bench-reliability bench-store bench-feeds bench-scale bench-attacks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/newsbot demo

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

# PostgreSQL server binaries for the store tests (tests/pgserver.py starts a throwaway server from
# them). Debian/Ubuntu as root; elsewhere install PostgreSQL yourself. Without them, `make test`
# skips the PostgreSQL half locally; CI (CI=true, via .ci/run) fails instead.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x "$$(pg_config --bindir 2>/dev/null)/initdb" ]; then \
		echo "PostgreSQL server binaries: present"; \
	else \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

bench: bench-load bench-query bench-reliability bench-feeds

bench-load: $(STAMP)
	$(BIN)/python scripts/bench_load.py

bench-query: $(STAMP)
	$(BIN)/python scripts/bench_query.py

bench-reliability: $(STAMP)
	$(BIN)/python scripts/bench_reliability.py

bench-store: $(STAMP)
	$(BIN)/python scripts/bench_store.py

bench-feeds: $(STAMP)
	$(BIN)/python scripts/bench_feeds.py

bench-attacks: $(STAMP)
	$(BIN)/python scripts/bench_attacks.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache

bench-scale: $(STAMP) postgres
	$(BIN)/python scripts/bench_scale.py
