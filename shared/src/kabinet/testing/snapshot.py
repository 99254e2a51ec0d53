"""What a refused request must leave untouched: every business table of a service, row by row.

The messaging tables move on their own (the relay stamps published rows, consumers record handled events), so
the outbox counts only by its row ids (a refused write publishes nothing) and the inbox is left out; so are
the tables a test names (e.g. counters of failed attempts, which a refusal is meant to bump).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Snapshot = dict[str, list[str]]  # table -> its rows, each as repr (JSON and array columns are not hashable)


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession], metadata: MetaData,
                   ignore: Iterable[str] = ()) -> Snapshot:
    skip = {"inbox", *ignore}
    out: Snapshot = {}
    async with sessionmaker() as s:
        for name, table in sorted(metadata.tables.items()):
            if name in skip:
                continue
            cols = [table.c.id] if name == "outbox" else list(table.c)
            rows = (await s.execute(select(*cols))).all()
            out[name] = sorted(repr(tuple(r)) for r in rows)
    return out


def changes(before: Snapshot, after: Snapshot) -> dict[str, int]:
    """Tables whose rows differ, with how many rows were added, removed or changed."""
    diff: dict[str, int] = {}
    for name in before.keys() | after.keys():
        a, b = set(before.get(name, [])), set(after.get(name, []))
        if a != b:
            diff[name] = len(a ^ b)
    return diff
