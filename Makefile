# Kabinet: the two commands are `make run` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
NPM_DIR := tests/node

.PHONY: run test install install-node lint bench supergraph clean

$(UV):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

install-node:
	@if [ -f $(NPM_DIR)/package-lock.json ]; then npm ci --prefix $(NPM_DIR) --no-audit --no-fund --loglevel=error; fi

## Start the whole system in one process (SQLite + in-process bus) with demo data.
run: install
	$(UV) run kabinet run

## Run the whole test suite against real PostgreSQL and RabbitMQ (see README: KABINET_TEST_*).
test: install install-node
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run mypy shared/src services/*/src gateway/src stack/src

bench: install install-node
	$(UV) run python bench/events.py

clean:
	rm -rf var .pytest_cache
