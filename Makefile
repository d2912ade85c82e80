# The two commands: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/concord

.PHONY: demo test lint typecheck test-postgres serve worker clean messages compile-messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Concord needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/concord demo

serve: $(STAMP)
	$(BIN)/concord serve

worker: $(STAMP)
	$(BIN)/concord worker

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	CONCORD_DATA_DIR=$(CURDIR)/var/test $(BIN)/concord manage makemigrations --check --dry-run
	CONCORD_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest $(PYTEST_ARGS)

# The database-backed tests again, on the local PostgreSQL service (CI runs this too).
test-postgres: $(STAMP)
	DATABASE_URL=$(POSTGRES_URL) CONCORD_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest tests/web $(PYTEST_ARGS)

# Translations (docs/translations.md). `messages` refreshes the catalogues from the source and
# needs GNU gettext (xgettext, msgmerge); `compile-messages` writes the .mo files with polib.
messages: $(STAMP)
	cd src/concord/web && CONCORD_DATA_DIR=$(CURDIR)/var/messages $(CURDIR)/$(BIN)/concord manage makemessages --all --add-location file
	$(BIN)/python -m concord.web.i18n_catalogue

compile-messages: $(STAMP)
	$(BIN)/python -m concord.web.i18n_catalogue

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
