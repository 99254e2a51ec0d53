-- Runs once, when the postgres container initialises an empty data directory
-- (mounted at /docker-entrypoint-initdb.d/). One database per service, all owned by the `kabinet` role.
-- The databases listed here must match the *_DATABASE_URL values in docker-compose.yml
-- (checked by tests/deploy/test_compose.py).

CREATE ROLE kabinet WITH LOGIN PASSWORD 'kabinet';

CREATE DATABASE identity OWNER kabinet;
CREATE DATABASE scheduling OWNER kabinet;
CREATE DATABASE billing OWNER kabinet;
CREATE DATABASE learning OWNER kabinet;

-- PostgreSQL 15: the public schema is owned by pg_database_owner, so the owner (kabinet) may create tables
-- there. Nobody else may connect.
REVOKE ALL ON DATABASE identity, scheduling, billing, learning FROM PUBLIC;
GRANT ALL PRIVILEGES ON DATABASE identity, scheduling, billing, learning TO kabinet;
