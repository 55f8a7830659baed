# The two commands of README.md: `make demo` (set up + main job on the embedded stack) and
# `make test` (set up + lint + types + tests). Versions come from constraints.txt (Python) and
# package-lock.json (the console's DSFR files and axe-core).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup test lint demo up bench clean

setup: $(VENV)/.installed
	scripts/install-console-assets.sh

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	scripts/install-libreoffice.sh
	scripts/install-chromium.sh
	$(BIN)/pytest -n 2

demo: setup
	$(BIN)/offre demo --garder

up: setup
	$(BIN)/offre up

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache node_modules api/console/static/dsfr
