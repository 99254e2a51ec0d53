"""Taking turns on named things (a teacher's time, a phone's cap): PostgreSQL transaction advisory locks.

A use case that checks, then writes ("is the teacher free? then insert the lesson") races under READ COMMITTED:
requests sent at once all check before any writes, and all pass. Holding a lock per thing checked, from before the
check until commit, makes them take turns; the next one's check (a new statement, a new snapshot) sees what the
previous one committed. Commit or rollback releases the locks; nothing to clean up after a crash.

On SQLite (the embedded mode) nothing is taken: a unit of work holds the database's write lock from its start
(BEGIN IMMEDIATE, ``kabinet.db.engine``), so units of work already take turns.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.dialect import dialect_of

# One statement for any number of keys. The lock ids are (hashtext(scope), hashtext(key)); they are taken in the
# order of those ids (the ORDER BY in a subquery keeps it from being flattened, so the rows reach the locking
# function sorted), so two transactions locking overlapping sets never wait on each other in a cycle - even when
# two keys share a hash (that only makes them take turns more often). DISTINCT: each lock once.
_LOCK_IN_ORDER = text(
    "SELECT count(pg_advisory_xact_lock(a, b)) FROM ("
    " SELECT DISTINCT hashtext(s) AS a, hashtext(k) AS b"
    " FROM unnest(CAST(:scopes AS text[]), CAST(:keys AS text[])) AS t(s, k) ORDER BY a, b) AS ordered")


async def take_turns(session: AsyncSession, keys: Iterable[tuple[str, str]]) -> None:
    """Hold a transaction advisory lock on each ``(scope, key)`` until the session's transaction ends, waiting for
    other transactions that hold any of them; all in one statement, in a fixed order (no deadlock between two
    callers). Take them before the reads they guard, and before no row lock another holder of them may wait for."""
    pairs = sorted(set(keys))
    if not pairs or dialect_of(session) != "postgresql":
        return
    await session.execute(_LOCK_IN_ORDER, {"scopes": [s for s, _ in pairs], "keys": [k for _, k in pairs]})
