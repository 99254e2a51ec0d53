"""Property-based input test over the whole API (issue #10, point 13): every root field of the gateway's schema,
called with arguments that Hypothesis draws from the argument types (malformed ids, times without an offset,
huge and odd numbers, control characters, over-long texts, wrong enum-like strings), never gets an internal
error — only data or a typed client error. Runs as the owner (so authorization does not hide the handlers) and
as a guardian, against the real servers, on a fixed seed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gateway.cli import service_sdls
from gateway.composition.compose import compose
from kabinet.auth import Principal, Role
from kabinet_stack import demo as demo_data
from kabinet_stack.testing import StackHandle

pytestmark = pytest.mark.e2e

OWNER = Principal(user_id="fuzz-owner", role=Role.OWNER)

# Client errors are fine; what must never come back is an internal error.
INTERNAL = {"INTERNAL_SERVER_ERROR"}
EXAMPLES_PER_FIELD = 12

ODD_STRINGS = ["", " ", "zzz", "0", "-1", "1e400", "NaN", "Infinity", "null", "\x00", "\u202e", "😀" * 3,
               "2026-12-01T00:00:00", "2026-12-01", "25:99", "x" * 6000, "00000000-0000-0000-0000-000000000000",
               "'; drop table families; --", "<script>alert(1)</script>", "+79000000000", "8 (900) 000 00 04"]


def api_schema() -> GraphQLSchema:
    sdls = service_sdls()
    return compose(sdls, {name: f"http://{name}/graphql" for name in sdls}).api_schema


def scalar_values(scalar: GraphQLScalarType, ids: list[str]) -> st.SearchStrategy[Any]:
    odd = st.sampled_from(ODD_STRINGS)
    name = scalar.name
    if name == "ID":
        # Mostly ids of real demo records, so that the handlers run past their look-ups.
        return st.one_of(st.sampled_from(ids), st.sampled_from(ids), odd)
    if name == "Int":
        return st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 2**31, 10**20]))
    if name == "Float":
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(1e308))
    if name == "Boolean":
        return st.booleans()
    if name == "DateTime":
        return st.one_of(odd, st.sampled_from(["2026-12-01T10:00:00+03:00", "2026-12-01T10:00:00Z",
                                               "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z"]))
    if name == "Date":
        return st.one_of(odd, st.sampled_from(["2016-05-04", "2016-02-30", "1800-01-01", "9999-12-31"]))
    if name == "Decimal":
        return st.one_of(odd, st.sampled_from(["100.00", "0.001", "-5", "1e400", "999999999999999.99",
                                               "1E+2", "0"]), st.decimals(allow_nan=False).map(str))
    return st.one_of(odd, st.text(max_size=40))


def input_values(type_: GraphQLInputType, ids: list[str], depth: int = 0,
                 nullable: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        # A null for a required argument is refused by validation alone: spend no example on it.
        return input_values(type_.of_type, ids, depth, st.nothing())
    nullable = st.none() if nullable is None else nullable
    if isinstance(type_, GraphQLList):
        return st.one_of(nullable, st.lists(input_values(type_.of_type, ids, depth + 1), max_size=3))
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(nullable, st.sampled_from(list(type_.values)))
    if isinstance(type_, GraphQLScalarType):
        return st.one_of(nullable, scalar_values(type_, ids))
    assert isinstance(type_, GraphQLInputObjectType)
    if depth > 3:
        return nullable
    required = {name: input_values(f.type, ids, depth + 1) for name, f in type_.fields.items()
                if isinstance(f.type, GraphQLNonNull)}
    optional = {name: input_values(f.type, ids, depth + 1) for name, f in type_.fields.items()
                if not isinstance(f.type, GraphQLNonNull)}
    return st.fixed_dictionaries(required, optional=optional)


def operation(kind: str, name: str, field: GraphQLField) -> str:
    args = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    call = ", ".join(f"{a}: ${a}" for a in field.args)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    return (f"{kind} Fuzz{('(' + args + ')') if args else ''} "
            f"{{ {name}{('(' + call + ')') if call else ''}{selection} }}")


def cases(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    found = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in sorted(root.fields.items()):
            if field.args:
                found.append((kind, name, field))
    return found


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))


@pytest.fixture(scope="module")
async def demo(module_stack: StackHandle) -> tuple[list[str], Principal]:
    """The demo school seeded once; a few ids of every table of every service, and one of its guardians."""
    seeded = await demo_data.seed(module_stack.stack)
    found = {s for s in _strings(seeded) if UUID.match(s)}
    for runtime in module_stack.stack.runtimes.values():
        async with runtime.sessionmaker() as session:
            tables = (await session.execute(text(
                "select table_name from information_schema.columns where table_schema = 'public' "
                "and column_name = 'id' order by table_name"))).scalars().all()
            for table in tables:
                rows = await session.execute(text(f'select id::text from "{table}" order by id limit 4'))
                found.update(rows.scalars())
    identity = module_stack.stack.runtimes["identity"]
    async with identity.sessionmaker() as session:
        family_id = (await session.execute(text("select id from families order by id limit 1"))).scalar_one()
    ids = sorted(found)
    assert len(ids) > 50, ids
    return ids, Principal(user_id="fuzz-guardian", role=Role.GUARDIAN, family_id=str(family_id))


SCHEMA = api_schema()
CASES = cases(SCHEMA)


def draw(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """Values drawn by Hypothesis on a fixed seed (generation only: the calls are made afterwards, on the
    test's event loop, and a failure prints the exact variables)."""
    drawn: list[Any] = []

    @seed(20261206)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


@pytest.mark.parametrize(("kind", "name", "field"), CASES, ids=[f"{k}.{n}" for k, n, _ in CASES])
async def test_no_input_makes_an_internal_error(module_stack: StackHandle, demo: tuple[list[str], Principal],
                                                kind: str, name: str, field: GraphQLField) -> None:
    document = operation(kind, name, field)
    ids, guardian = demo
    arguments = st.fixed_dictionaries({a: input_values(arg.type, ids) for a, arg in field.args.items()})
    failures = []
    for i, variables in enumerate(draw(arguments, EXAMPLES_PER_FIELD)):
        client = module_stack.client(OWNER if i % 2 == 0 else guardian)
        result = await client.execute(document, variables)
        codes = {(e.get("extensions") or {}).get("code") for e in result.get("errors") or []}
        if result["_status"] >= 500 or codes & INTERNAL:
            failures.append(f"variables: {json.dumps(variables, ensure_ascii=False)[:600]}\n"
                            f"answer: {json.dumps(result, ensure_ascii=False)[:600]}")
    assert not failures, f"{document}\n" + "\n".join(failures[:3])
