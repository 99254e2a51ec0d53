"""The hot path's shortcuts give what the plain code gives: compiled response shapes (cached per document and per
`@skip`/`@include` values, with the path-tracking shaper taking over on a non-null violation), orjson with the
standard library behind it, and the HTTP protocol that writes a response's head with its body."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway import jsoncodec
from gateway.execution.shaping import NULL_PROPAGATES, _Shaper, directive_variables, shape_response
from gateway.http_server import _HeadWithBody

# --- compiled shapes, through the gateway -------------------------------------------------------------------


async def test_skip_and_include_values_each_get_their_own_compiled_shape(gateway):
    query = """query($withName: Boolean!, $skipReviews: Boolean!) {
      me { id name @include(if: $withName) reviews @skip(if: $skipReviews) { body } }
    }"""
    full = {"id": "1", "name": "Ada Lovelace", "reviews": [{"body": "Sturdy"}, {"body": "Bright"}]}
    for with_name, skip_reviews in [(True, False), (False, True), (True, False), (False, False), (True, True)]:
        result = await gateway.query(query, {"withName": with_name, "skipReviews": skip_reviews})
        expected = {
            k: v for k, v in full.items() if (k != "name" or with_name) and (k != "reviews" or not skip_reviews)
        }
        assert result == {"data": {"me": expected}}, (with_name, skip_reviews)
    prepared = gateway.app.state.gateway.pipeline.documents.get(query)
    assert prepared.directive_variables == ("withName", "skipReviews")
    assert set(prepared.shapes) == {(True, False), (False, True), (False, False), (True, True)}


async def test_a_cached_shape_still_reports_non_null_violations_with_their_paths(gateway):
    query = "query($id: ID!) { user(id: $id) { name reviews { strict } } }"
    fine = await gateway.query(query, {"id": "1"})
    assert fine == {"data": {"user": {"name": "Ada Lovelace", "reviews": [{"strict": "fine"}, {"strict": "fine"}]}}}
    for _ in range(2):  # the compiled shape is cached now: the violation still nulls `user`, with the error's path
        broken = await gateway.query(query, {"id": "2"})
        assert broken["data"] == {"user": None}
        assert [e["path"] for e in broken["errors"]] == [["user", "reviews", 0, "strict"]]
    assert await gateway.query(query, {"id": "1"}) == fine


# --- compiled shapes against the path-tracking shaper, directly ----------------------------------------------


def _both(schema: Any, query: str, data: dict[str, Any], variables: dict[str, Any]) -> tuple[Any, Any]:
    """(shape_response's answer, twice with a cache, and the path-tracking shaper's) as (data, errors) pairs."""
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    cache: dict[Any, Any] = {}
    names = directive_variables(document)
    answers = [
        shape_response(schema, operation, fragments, variables, data, [], [], cache=cache, directive_names=names)
        for _ in range(2)
    ]
    assert answers[0] == answers[1]
    root = schema.get_root_type(operation.operation)
    shaper = _Shaper(schema, fragments, variables, [], [])
    plain = shaper.complete_object(root, [operation.selection_set], data, ())
    return answers[0], (None if plain is NULL_PROPAGATES else plain, shaper.new_errors)


QUERY = """query Q($on: Boolean!) {
  me { __typename id ...U alias: name name @include(if: $on) }
  topProducts(first: 2) { upc ... on Product { name } }
  reviews { id body author { id username } }
  search(term: "a") { __typename ... on User { id } ... on Review { id body } }
}
fragment U on User { username reviews { body } }"""


def test_compiled_shapes_equal_the_plain_shaper(gateway):
    schema = gateway.app.state.gateway.pipeline.schema
    data = {
        "me": {
            "__typename": "User",
            "id": "1",
            "username": "ada",
            "name": "Ada",
            "alias": "Ada",
            "reviews": [{"body": "x"}],
            "extra": "not selected",
        },
        "topProducts": [{"upc": "1", "name": "Table", "__typename": "Product"}, {"upc": "2", "name": "Chair"}],
        "reviews": [{"id": "r1", "body": "b", "author": {"id": "1", "username": "ada"}}],
        "search": [{"__typename": "Review", "id": "r1", "body": "b"}, {"__typename": "User", "id": "2"}],
    }
    for on in (True, False):
        shaped, plain = _both(schema, QUERY, data, {"on": on})
        assert shaped == plain and shaped[1] == []
        assert json.dumps(shaped) == json.dumps(plain)  # the same key order too


def test_non_null_violations_fall_back_to_the_plain_shaper(gateway):
    schema = gateway.app.state.gateway.pipeline.schema
    data = {
        "me": {"__typename": "User", "id": None, "username": "ada", "reviews": None},
        "topProducts": [{"upc": "1", "name": "Table"}, None],
        "reviews": [{"id": "r1", "body": None, "author": None}],
        "search": [{"__typename": "Nope"}],
    }
    shaped, plain = _both(schema, QUERY, data, {"on": True})
    assert shaped == plain
    assert shaped[1]  # the errors, with paths


# --- JSON -------------------------------------------------------------------------------------------------------


def test_json_falls_back_to_the_standard_library():
    big = {"n": 2**70, "s": "é"}
    assert json.loads(jsoncodec.dumps(big)) == big  # orjson refuses integers past 64 bits
    assert jsoncodec.dumps({"a": [1, "é", None]}) == '{"a":[1,"é",null]}'.encode()
    assert jsoncodec.loads(b'{"n": 123456789012345678901234567890}') == {"n": 1.2345678901234568e29}
    assert jsoncodec.loads('{"s": "\\ud800"}') == {"s": "\ud800"}  # a lone surrogate: json.loads keeps it
    assert json.loads(jsoncodec.dumps({"s": "\ud800"})) == {"s": "\ud800"}
    for bad in (b"{", b"", b"\xff"):
        try:
            jsoncodec.loads(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


# --- one write per response --------------------------------------------------------------------------------------


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_the_head_goes_out_with_the_body():
    transport = _Transport()
    writer = _HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]  # never held: the client waits for it
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert len(transport.writes) == 1
    writer.write(b"{}")
    assert transport.writes[1] == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
    await asyncio.sleep(0)
    assert len(transport.writes) == 2


async def test_a_streamed_head_is_flushed_one_loop_iteration_later_and_on_close():
    transport = _Transport()
    writer = _HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"]
    writer.write(b"2\r\n{}\r\n")
    assert transport.writes[-1] == b"2\r\n{}\r\n"

    closing = _Transport()
    writer = _HeadWithBody(closing, asyncio.get_running_loop())  # type: ignore[arg-type]
    writer.write(b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    writer.close()
    assert closing.writes == [b"HTTP/1.1 500 Internal Server Error\r\n\r\n"] and closing.closed
