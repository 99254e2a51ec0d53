# Kabinet: the two commands are `make run` and `make test`.
SHELL := /bin/bash
# uv from PATH, else the one pip installs as a module (make installs it on first use).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
NPM_DIR := tests/node
# `npm ci` again only when the lockfile changed since the last install (it takes a minute or two).
NODE_STAMP := $(NPM_DIR)/node_modules/.installed-from-lockfile
# `make run PORT=8080` (or KABINET_PORT) serves elsewhere than :8000.
PORT ?= $(or $(KABINET_PORT),8000)

.PHONY: run test install install-node install-browser ensure-uv lint bench bench-gateway docs schema supergraph clean

ensure-uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv

install: ensure-uv
	$(UV) sync --frozen

install-node: $(NODE_STAMP)

$(NODE_STAMP): $(NPM_DIR)/package-lock.json
	npm ci --prefix $(NPM_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

## The console's browser test drives the system's Chromium with Playwright (never a downloaded browser).
install-browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: install it (e.g. sudo apt-get install chromium) for tests/browser"; exit 1; fi; }

## Start the whole system in one process (SQLite + in-process bus) with demo data.
run: install
	$(UV) run kabinet run --port $(PORT)

## Run the whole test suite against real PostgreSQL and RabbitMQ (see README: on 127.0.0.1 with the defaults, or
## KABINET_TEST_*, or Docker).
test: install install-node install-browser
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run mypy shared/src services/*/src gateway/src stack/src

## Every benchmark; each prints its numbers and the ratio against its peer measured in the same run.
bench: install install-node bench-gateway
	$(UV) run python bench/events.py
	$(UV) run python bench/ledger.py
	$(UV) run python bench/schedule.py
	$(UV) run python bench/journal.py

## Our gateway vs @apollo/gateway vs @graphql-hive/gateway on the same subgraphs (S1-S5; prints the table).
bench-gateway: install install-node
	$(UV) run python bench/gateway.py

## Regenerate the event catalogue (docs/events.md, docs/asyncapi.json) from the services' contracts.
docs: install
	$(UV) run python -m kabinet.events.catalogue --out docs/events.md --asyncapi docs/asyncapi.json

## Write the composed supergraph (@join__ SDL) of the services to var/supergraph.graphql (GATEWAY_SUBGRAPHS=name=url,...
## to ask running services instead of reading their schemas in-process).
supergraph: install
	@mkdir -p var
	$(UV) run kabinet-gateway compose --form supergraph --out var/supergraph.graphql
	@echo "wrote var/supergraph.graphql"

## Rewrite the committed subgraph schemas (services/<name>/schema.graphql) after an intended API change.
schema: install
	$(UV) run python -m kabinet_stack.schemas

clean:
	rm -rf var .pytest_cache
