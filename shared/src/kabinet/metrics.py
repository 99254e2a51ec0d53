"""Prometheus metrics shared by every service."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("kabinet_http_requests_total", "HTTP requests", ["service", "path", "status"])
HTTP_LATENCY = Histogram("kabinet_http_request_seconds", "HTTP request latency", ["service", "path"])
OUTBOX_PUBLISHED = Counter("kabinet_outbox_published_total", "Events published from the outbox", ["service"])
OUTBOX_PUBLISH_FAILED = Counter("kabinet_outbox_publish_failed_total", "Failed outbox publishes", ["service"])
EVENTS_HANDLED = Counter("kabinet_events_handled_total", "Events handled by consumers", ["consumer", "outcome"])
# Broker messages consumed, by kind: "single" (one event) or "batch" (several; kabinet.bus.wire). Events are counted
# by EVENTS_HANDLED; this shows how many messages carried them.
BUS_MESSAGES = Counter("kabinet_bus_messages_total", "Broker messages consumed", ["consumer", "kind"])
# What a request costs the database, by kind: select/insert/update/delete/other statements, begin/commit/rollback,
# pool checkouts and new connections (bench/cabinet.py divides them by the requests served).
DB_OPERATIONS = Counter("kabinet_db_operations_total", "Database operations by kind", ["kind"])
# The subgraph's GraphQL validation cache (graphql-core validation is a large share of a request when it misses).
VALIDATION_CACHE = Gauge("kabinet_graphql_validation_cache", "Validation cache lookups so far", ["outcome"])
