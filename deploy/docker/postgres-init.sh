#!/bin/bash
# Runs once, when the postgres container initialises an empty data directory (mounted at
# /docker-entrypoint-initdb.d/; the entrypoint runs it, or sources it if not executable). One database per service, all owned by the
# `kabinet` role, whose password comes from the container's KABINET_DB_PASSWORD: no default, the services'
# *_DATABASE_URL in docker-compose.yml carry the same variable (checked by tests/deploy/test_compose.py).
# An existing data directory is not touched: to change the password later, ALTER ROLE kabinet PASSWORD '...'.
set -eo pipefail

if [ -z "${KABINET_DB_PASSWORD:-}" ]; then
    echo "postgres-init: KABINET_DB_PASSWORD is not set" >&2
    exit 1
fi

# The password goes in as a psql variable (:'password' quotes it), never spliced into the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$KABINET_DB_PASSWORD" <<'SQL'
CREATE ROLE kabinet WITH LOGIN PASSWORD :'password';

CREATE DATABASE identity OWNER kabinet;
CREATE DATABASE scheduling OWNER kabinet;
CREATE DATABASE billing OWNER kabinet;
CREATE DATABASE learning OWNER kabinet;

-- PostgreSQL 15: the public schema is owned by pg_database_owner, so the owner (kabinet) may create tables
-- there. Nobody else may connect.
REVOKE ALL ON DATABASE identity, scheduling, billing, learning FROM PUBLIC;
GRANT ALL PRIVILEGES ON DATABASE identity, scheduling, billing, learning TO kabinet;
SQL
