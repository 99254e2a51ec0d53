"""``column IN (list)`` as one statement whatever the list's length.

``column.in_(ids)`` renders ``IN ($1, $2, ...)``: one SQL text per list length, so on PostgreSQL each length is a
new prepared statement on each connection (a round trip and a parse; `Connection.prepare` was 4-8 % of the
services' samples under load). ``any_of(column, ids)`` renders ``column = ANY($1)`` with one array parameter
there; on SQLite (the embedded mode, no arrays) it stays an expanding ``IN``.

A hot read builds its statement once (module level) with a named parameter, ``any_of(column,
bindparam("ids"))``, and passes the list at execution (``session.execute(STMT, {"ids": ids})``): building a
select and computing its cache key on every call costs more than running it (~0.2 ms a statement).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Boolean, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement, Grouping, UnaryExpression
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

    def __init__(self, column: ColumnElement[Any], values: Iterable[Any] | BindParameter[Any]) -> None:
        array_type = ARRAY(column.type)
        if isinstance(values, BindParameter):  # named, given at execution
            as_array = bindparam(values.key, type_=array_type)
            as_list: Any = bindparam(values.key, expanding=True, type_=column.type)
        else:
            as_list = list(values)
            as_array = bindparam(None, as_list, type_=array_type)
        self.as_array: ColumnElement[bool] = column == any_(as_array)
        self.as_list: ColumnElement[bool] = column.in_(as_list)

    # Already a condition: not ``(...) = 1`` in a WHERE on SQLite (ColumnElement's way with a boolean type),
    # which would keep SQLite from using the column's index.
    def self_group(self, against: Any = None) -> ColumnElement[Any]:
        return Grouping(self) if against is operators.inv else self

    def _negate(self) -> ColumnElement[Any]:
        return UnaryExpression(self.self_group(against=operators.inv), operator=operators.inv)


def any_of(column: ColumnElement[Any], values: Iterable[Any] | BindParameter[Any]) -> ColumnElement[bool]:
    """``column`` equals one of ``values``: ids from a batch or a page (any iterable, read once), or a named
    ``bindparam`` whose list is given at execution. A subquery is not a list of values: use
    ``column.in_(subquery)``."""
    if isinstance(values, ClauseElement) and not isinstance(values, BindParameter):
        raise TypeError("any_of takes values, not a subquery: use column.in_(subquery)")
    return AnyOf(column, values)


@compiles(AnyOf)
def _as_list(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.as_list, **kw)


@compiles(AnyOf, "postgresql")
def _as_array(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.as_array, **kw)
