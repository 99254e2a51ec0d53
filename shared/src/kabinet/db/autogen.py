"""Developer helper: ``python -m kabinet.db.autogen <migrations dir> "message"`` writes a new revision
by comparing the service's metadata with a scratch SQLite database migrated to head."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import pool

from kabinet.db.engine import create_engine
from kabinet.db.migrations import alembic_config, upgrade


async def autogenerate(script_location: Path, message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/scratch.db"
        await upgrade(script_location, url)
        cfg = alembic_config(script_location, url)
        engine = create_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as conn:
            def _run(sync_conn: object) -> None:
                cfg.attributes["connection"] = sync_conn
                command.revision(cfg, message=message, autogenerate=True)
            await conn.run_sync(_run)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(autogenerate(Path(sys.argv[1]).resolve(), sys.argv[2]))
