# Everything runs from a project-local virtualenv, created on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench bench-load bench-query bench-reliability bench-feeds clean

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

bench: bench-load bench-query bench-reliability bench-feeds

bench-load: $(STAMP)
	$(BIN)/python scripts/bench_load.py

bench-query: $(STAMP)
	$(BIN)/python scripts/bench_query.py

bench-reliability: $(STAMP)
	$(BIN)/python scripts/bench_reliability.py

bench-feeds: $(STAMP)
	$(BIN)/python scripts/bench_feeds.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
