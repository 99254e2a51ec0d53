"""Whether the database gave up a transaction to let another finish: run it again, it may well pass now."""

from __future__ import annotations

# deadlock_detected (40P01), serialization_failure (40001): PostgreSQL rolled the whole transaction back.
_LOST_A_RACE = frozenset({"40P01", "40001"})


def lost_a_race(exc: BaseException) -> bool:
    """The exception (or one it wraps: SQLAlchemy's DBAPIError around asyncpg's) is a deadlock's victim or a
    serialization failure."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if getattr(e, "sqlstate", None) in _LOST_A_RACE:
            return True
        e = getattr(e, "orig", None) or e.__cause__
    return False
