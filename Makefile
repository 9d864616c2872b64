# Revaluation: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP = wsgi.py

.PHONY: run test install dev-install system-deps migrate demo lint benchmarks translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
dev-install: $(VENV)/.dev-installed

## System packages WeasyPrint and the browser tests need (Debian/Ubuntu; skipped when present).
system-deps:
	@bash scripts/system-deps.sh

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo

## Run the app on the embedded SQLite database with the demo seeded.
run: system-deps demo
	@echo "Serving Revaluation on http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Run the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL).
test: system-deps dev-install
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: dev-install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Refresh the public pages' translation catalogues after changing their texts: extract
## (babel.cfg) -> update each language's .po -> compile the .mo files (both are committed).
TRANSLATIONS = revaluation/translations
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k answer_message -k answer_plural:1,2 \
		--add-comments=Translators: --sort-by-file --no-wrap \
		--project=Revaluation \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

benchmarks: dev-install
	$(BIN)/python benchmarks/cat_simulation.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
