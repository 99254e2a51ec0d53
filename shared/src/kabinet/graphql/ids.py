"""Ids in GraphQL arguments: every id Kabinet makes is a UUID (``new_id``), so anything else names nothing.

Checked once for every subgraph (``kabinet.graphql.schema`` installs it): a malformed ``ID`` anywhere in a
field's arguments, input objects and lists included, answers ``BAD_USER_INPUT`` before the resolver runs — never
``FORBIDDEN`` or ``NOT_FOUND``, which are about ids that could exist. Only the fields that take an id at all are
wrapped, when the schema is built: the other fields (most of an answer) pay nothing per request.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLFieldResolver,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLResolveInfo,
)

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


def takes_id(type_: GraphQLInputType, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a value of ``type_`` can hold an ``ID`` (input objects followed, cycles cut)."""
    if isinstance(type_, GraphQLNonNull | GraphQLList):
        return takes_id(type_.of_type, seen)
    if isinstance(type_, GraphQLInputObjectType):
        if type_.name in seen:
            return False
        return any(takes_id(f.type, seen | {type_.name}) for f in type_.fields.values())
    return type_ is GraphQLID


def id_arguments(args: dict[str, GraphQLArgument]) -> list[tuple[str, GraphQLInputType, str]]:
    """(the resolver's keyword, the type, the GraphQL name) of each argument that can hold an id."""
    return [(arg.out_name or name, arg.type, name) for name, arg in args.items() if takes_id(arg.type)]


def checking_ids(resolve: GraphQLFieldResolver, checks: list[tuple[str, GraphQLInputType, str]]
                 ) -> GraphQLFieldResolver:
    """``resolve`` behind the id check of its arguments (see the module's docstring)."""

    def resolver(root: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        for key, type_, name in checks:
            if key in kwargs:
                check_ids(kwargs[key], type_, name)
        return resolve(root, info, **kwargs)

    return resolver

