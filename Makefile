# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/python manage.py run_demo

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy portal odoo_sandbox

# PostgreSQL and Redis when they answer (the targets of DESIGN §11 are for them); the
# embedded SQLite and filesystem broker otherwise, with a note that figures are not comparable.
BENCH_PG    ?= postgres://portal:portal@127.0.0.1:5432
bench: install
	@if [ -z "$$DATABASE_URL" ] && psql -qtA $(BENCH_PG)/postgres -c 'SELECT 1' >/dev/null 2>&1; then \
	  psql -q $(BENCH_PG)/postgres -c 'CREATE DATABASE portal_bench' 2>&1 \
	    | grep -v 'already exists' || true; \
	  export DATABASE_URL=$(BENCH_PG)/portal_bench; \
	fi; \
	if [ -z "$$CELERY_BROKER_URL" ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
	  export CELERY_BROKER_URL=redis://127.0.0.1:6379/14; \
	fi; \
	[ -n "$$DATABASE_URL" ] || echo "Note: PostgreSQL not reachable; benchmarking SQLite (targets are for PostgreSQL)."; \
	[ -n "$$CELERY_BROKER_URL" ] || echo "Note: Redis not reachable; using the filesystem broker."; \
	$(BIN)/python -m bench $(SUITES)

clean:
	rm -rf var $(VENV)
