# Talent Portal — two commands for a fresh machine:
#   make run    set up and run the portal on the embedded default (SQLite, in-process tasks) with demo data
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

BENCH_LEARNERS ?= 20000
BENCH_DURATION ?= 5

.PHONY: setup run test bench lint messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

# The benchmark suite on throw-away PostgreSQL and Redis (installs them, and wrk, with apt-get).
bench: setup
	bash bench/run.sh $(BENCH_LEARNERS) $(BENCH_DURATION)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Re-extract the translatable strings after changing them, then compile the catalogues.
messages: setup
	$(MANAGE) makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'bench/*' --ignore 'static/*' \
		--extension html,txt,py,js --no-obsolete
	# msgmerge's fuzzy guesses are usually wrong: drop them so they show up as untranslated.
	for po in locale/*/LC_MESSAGES/django.po; do msgattrib --clear-fuzzy --empty --clear-previous -o $$po $$po; done
	$(MANAGE) compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
