# Kabinet: the two commands are `make run` and `make test`.
SHELL := /bin/bash
# uv from PATH, else the one pip installs as a module (make installs it on first use).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
NPM_DIR := tests/node
# The web app (web/, Node 20). Every web step is skipped while web/package.json does not exist.
WEB_DIR := web
# `make run PORT=8080` (or KABINET_PORT) serves elsewhere than :8000.
PORT ?= $(or $(KABINET_PORT),8000)

.PHONY: run test install install-node install-web install-browser test-web lint-web ensure-uv lint bench bench-gateway docs schema supergraph clean

# `npm ci` in a directory only when its package-lock.json changed since the last install there: the stamp
# node_modules/.kabinet-lock holds the lockfile's hash (`kabinet run` reads the web app's the same way).
define npm_ci_if_changed
@if [ -f $(1)/package.json ]; then \
	  command -v npm >/dev/null || { echo "Node.js 20 (node + npm) is needed for $(1) (see README)" >&2; exit 1; }; \
	  want=$$(sha256sum $(1)/package-lock.json | cut -d' ' -f1); \
	  if [ "$$(cat $(1)/node_modules/.kabinet-lock 2>/dev/null)" != "$$want" ]; then \
	    npm ci --prefix $(1) --no-audit --no-fund --loglevel=error && mkdir -p $(1)/node_modules \
	      && echo "$$want" > $(1)/node_modules/.kabinet-lock; \
	  fi; \
	fi
endef

ensure-uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv

install: ensure-uv
	$(UV) sync --frozen

## The federation-compatibility harness (Apollo's and Hive's gateways).
install-node:
	$(call npm_ci_if_changed,$(NPM_DIR))

## The console's browser test drives the system's Chromium with Playwright (never a downloaded browser).
install-browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: install it (e.g. sudo apt-get install chromium) for tests/browser" >&2; exit 1; fi; }

## The web app's packages: `npm ci` only when web/package-lock.json changed since the last install.
install-web:
	$(call npm_ci_if_changed,$(WEB_DIR))

## The web app's unit tests (Vitest); its browser tests (tests/web) are part of the pytest suite.
test-web: install-web
	@if [ -f $(WEB_DIR)/package.json ]; then npm --prefix $(WEB_DIR) run test; fi

lint-web: install-web
	@if [ -f $(WEB_DIR)/package.json ]; then npm --prefix $(WEB_DIR) run lint; fi

## Start the whole system in one process (SQLite + in-process bus) with demo data.
run: install
	$(UV) run kabinet run --port $(PORT)

## Run the whole test suite against real PostgreSQL and RabbitMQ (see README: on 127.0.0.1 with the defaults, or
## KABINET_TEST_*, or Docker).
test: install install-node install-browser test-web
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(UV) run pytest

lint: install lint-web
	$(UV) run ruff check .
	$(UV) run mypy shared/src services/*/src gateway/src stack/src
	$(UV) run lint-imports

## Every benchmark; each prints its numbers and the ratio against its peer measured in the same run.
bench: install install-node bench-gateway
	$(UV) run python bench/events.py
	$(UV) run python bench/ledger.py
	$(UV) run python bench/schedule.py
	$(UV) run python bench/journal.py
	$(UV) run python bench/web.py
	$(UV) run python bench/cabinet.py

## Our gateway vs @apollo/gateway vs @graphql-hive/gateway on the same subgraphs (S1-S5; prints the table).
bench-gateway: install install-node
	$(UV) run python bench/gateway_peers.py

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
