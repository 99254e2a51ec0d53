"""The migration to the kit's idempotency keys on PostgreSQL: a key stored before it replays after it (scope
``user:<id>``, the same request hash, the child's id as the result), and the downgrade brings it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import pool, text

from kabinet.db.engine import create_engine
from kabinet.db.migrations import alembic_config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
BEFORE = "8de2da63878c"  # the last revision with identity's own keys table


async def test_keys_survive_the_move_to_the_kits_table_and_back(database_factory: Any) -> None:
    url = await database_factory("identity_idem")
    engine = create_engine(url, poolclass=pool.NullPool)

    async def alembic(step: Callable[[Config], None]) -> None:
        async with engine.begin() as conn:
            def run(sync_conn: object) -> None:
                cfg = alembic_config(MIGRATIONS, url)
                cfg.attributes["connection"] = sync_conn
                step(cfg)
            await conn.run_sync(run)

    async def rows(sql: str) -> list[tuple[Any, ...]]:
        async with engine.begin() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql))).all()]

    try:
        await alembic(lambda cfg: command.upgrade(cfg, BEFORE))
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO idempotency_keys (subject, key, operation, request_hash, result_id, "
                                    "created_at) VALUES ('g-1', 'k-1', 'addChild', 'h-1', 's-1', now())"))
        await alembic(lambda cfg: command.upgrade(cfg, "head"))
        assert await rows("SELECT scope, key, request_hash, result FROM idempotency_keys") == [
            ("user:g-1", "k-1", "h-1", "s-1")]
        await alembic(lambda cfg: command.downgrade(cfg, BEFORE))
        assert await rows("SELECT subject, key, operation, request_hash, result_id FROM idempotency_keys") == [
            ("g-1", "k-1", "addChild", "h-1", "s-1")]
        await alembic(lambda cfg: command.upgrade(cfg, "head"))
    finally:
        await engine.dispose()
