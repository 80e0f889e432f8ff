# The two commands: `make run` serves the demo bank, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ACCOUNTS ?= 5000
DEMO_SEED ?= 7
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: install run test test-fast lint bench messages screenshots clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Doorstep needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt verifier/pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e verifier/ -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/doorstep migrate --no-input
	$(BIN)/doorstep demo load --if-empty --accounts $(DEMO_ACCOUNTS) --seed $(DEMO_SEED)
	$(BIN)/doorstep demo logins
	$(BIN)/doorstep runserver 127.0.0.1:8000

# pytest exits 5 when it collects nothing (a filtered run); that is not a failure.
test: install
	$(BIN)/pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-fast: install
	$(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src/
	$(BIN)/doorstep makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench

messages: install
	cd src/doorstep && ../../$(BIN)/doorstep makemessages -l zh_Hans --no-obsolete --no-location --ignore '*/tests/*' --ignore 'static/*'
	cd src/doorstep && ../../$(BIN)/doorstep compilemessages

screenshots: install
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
