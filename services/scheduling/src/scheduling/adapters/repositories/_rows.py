"""Helpers shared by the repositories (row values; the dialect: kabinet.db.dialect)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC): make every time read from a row aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
