"""Rows to domain records."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Row

T = TypeVar("T")


def record(cls: type[T], row: Row[Any]) -> T:
    """The record ``cls`` (a dataclass whose fields are columns of the row) from a row."""
    m = row._mapping
    return cls(**{f.name: m[f.name] for f in fields(cls) if f.name in m})  # type: ignore[arg-type]
