"""``column IN (list)`` as one statement whatever the list's length.

``column.in_(ids)`` renders ``IN ($1, $2, ...)``: one SQL text per list length, so on PostgreSQL each length is a
new prepared statement on each connection (a round trip and a parse; `Connection.prepare` was 4-8 % of the
services' samples under load). ``any_of(column, ids)`` renders ``column = ANY($1)`` with one array parameter
there; on SQLite (the embedded mode, no arrays) it stays an expanding ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Boolean, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement, Grouping, UnaryExpression
from sqlalchemy.sql.visitors import InternalTraversal


class AnyOf(ColumnElement[bool]):
    """Both renderings are built; the dialect's compiler picks one (the other's parameter is never sent)."""

    __visit_name__ = "any_of"
    inherit_cache = True
    _traverse_internals = [
        ("as_array", InternalTraversal.dp_clauseelement),
        ("as_list", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()

    def __init__(self, column: ColumnElement[Any], values: Iterable[Any]) -> None:
        values = list(values)
        self.as_array: ColumnElement[bool] = column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        self.as_list: ColumnElement[bool] = column.in_(values)

    # Already a condition: not ``(...) = 1`` in a WHERE on SQLite (ColumnElement's way with a boolean type),
    # which would keep SQLite from using the column's index.
    def self_group(self, against: Any = None) -> ColumnElement[Any]:
        return Grouping(self) if against is operators.inv else self

    def _negate(self) -> ColumnElement[Any]:
        return UnaryExpression(self.self_group(against=operators.inv), operator=operators.inv)


def any_of(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` equals one of ``values`` (ids from a batch or a page: any iterable, read once). A subquery is
    not a list of values: use ``column.in_(subquery)``."""
    if isinstance(values, ClauseElement):
        raise TypeError("any_of takes values, not a subquery: use column.in_(subquery)")
    return AnyOf(column, values)


@compiles(AnyOf)
def _as_list(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.as_list, **kw)


@compiles(AnyOf, "postgresql")
def _as_array(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.as_array, **kw)
