"""Ids in GraphQL arguments: every id Kabinet makes is a UUID (``new_id``), so anything else names nothing.

Checked once for every subgraph (the standard extension set): a malformed ``ID`` anywhere in a field's
arguments, input objects and lists included, answers ``BAD_USER_INPUT`` before the resolver runs — never
``FORBIDDEN`` or ``NOT_FOUND``, which are about ids that could exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLResolveInfo,
)
from strawberry.extensions import SchemaExtension
from strawberry.utils.await_maybe import AwaitableOrValue

from kabinet.errors import BadUserInput

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class MalformedId(BadUserInput):
    message = "This is not a valid id."


def is_id(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def check_ids(value: Any, type_: GraphQLInputType, name: str) -> None:
    """Raise MalformedId for the first malformed id in ``value`` (of GraphQL input type ``type_``)."""
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        check_ids(value, type_.of_type, name)
    elif isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            check_ids(item, type_.of_type, name)
    elif isinstance(type_, GraphQLInputObjectType):
        for key, field in type_.fields.items():
            out = field.out_name or key
            if isinstance(value, dict) and out in value:
                check_ids(value[out], field.type, key)
    elif type_ is GraphQLID and not is_id(value):
        raise MalformedId(field=name)


class IdArguments(SchemaExtension):
    """Refuse a malformed id argument of any field with BAD_USER_INPUT (see the module's docstring)."""

    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any,
                **kwargs: Any) -> AwaitableOrValue[object]:
        if kwargs and info.field_name != "_entities":
            field = info.parent_type.fields[info.field_name]
            for name, arg in field.args.items():
                key = arg.out_name or name
                if key in kwargs:
                    check_ids(kwargs[key], arg.type, name)
        result: AwaitableOrValue[object] = _next(root, info, *args, **kwargs)
        return result
