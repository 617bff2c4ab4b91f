# Equity Hub: the two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EQUITYHUB := $(BIN)/equityhub
PYTEST := $(BIN)/pytest
PG_URL ?= postgres://postgres@127.0.0.1:5432/equityhub
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: install demo serve worker test test-sqlite test-postgres test-browser lint bench messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## make demo: build the venv, migrate an SQLite file under var/, load the St. Louis demo, serve it
demo: install
	DEBUG=1 TASKS_BACKEND=immediate $(EQUITYHUB) demo

## make worker: the background-task worker (reminders, mail) for a non-demo set-up
worker: install
	$(EQUITYHUB) db_worker

## make test: the whole suite on SQLite, then on PostgreSQL and in Chromium where present.
## With CI=true a missing PostgreSQL or Chromium is a failure, not a skip.
test: install test-sqlite test-postgres test-browser

test-sqlite: install
	$(PYTEST) -q -n 2 $(PYTEST_ARGS)

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL suite"; \
		DATABASE_URL=$(PG_URL) $(PYTEST) -q -n 2 $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at $(PG_URL) (required with CI=true)"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(PG_URL): PostgreSQL pass skipped"; \
	fi

test-browser: install
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "== Browser journeys (Chromium at $(CHROMIUM))"; \
		EQUITYHUB_BROWSER_TESTS=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(PYTEST) -q -m browser -p no:xdist $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "Chromium is not installed at $(CHROMIUM) (required with CI=true)"; exit 1; \
	else \
		echo "== Chromium not installed at $(CHROMIUM): browser journeys skipped"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy equityhub

bench: install
	@mkdir -p bench/results
	@for script in bench/bench_*.py; do \
		echo "== $$script"; \
		$(BIN)/python $$script || exit 1; \
	done

## make messages: refresh the Spanish catalogue after changing strings (needs gettext)
messages: install
	cd equityhub && DEBUG=1 ../$(EQUITYHUB) makemessages -l es --no-obsolete && DEBUG=1 ../$(EQUITYHUB) compilemessages -l es

clean:
	rm -rf $(VENV) var build *.egg-info
