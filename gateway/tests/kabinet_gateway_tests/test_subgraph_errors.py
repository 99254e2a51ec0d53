"""A subgraph error's message reaches the client only under a typed code (gateway.subgraph_errors)."""

from __future__ import annotations

import json

from graphql import build_schema

from gateway.config import GatewaySettings
from gateway.subgraph_errors import UNTYPED_CODE, UNTYPED_MESSAGE, SubgraphErrors
from kabinet_gateway_tests.conftest import GatewayHarness
from kabinet_gateway_tests.test_persisted_and_cost import harness

LEAKY = "relation \"users\" does not exist (db.internal:5432, password=hunter2)"


def _answer(gateway: GatewayHarness, *errors: dict[str, object]) -> None:
    body = {"data": {"me": None}, "errors": [{**e, "path": ["me"]} for e in errors]}
    gateway.transports["accounts"].answer_body = json.dumps(body).encode()


async def test_untyped_subgraph_errors_are_masked_typed_ones_kept(gateway: GatewayHarness) -> None:
    for untyped in ({"message": LEAKY},
                    {"message": LEAKY, "extensions": {"code": "XX000", "sql": "SELECT * FROM users"}},
                    {"message": LEAKY, "extensions": {"code": ["NOT_FOUND"]}}):
        _answer(gateway, untyped)
        response = await gateway.client.post("/graphql", json={"query": "{ me { name } }"})
        assert response.json()["errors"] == [{"message": UNTYPED_MESSAGE, "path": ["me"], "extensions": {
            "code": UNTYPED_CODE, "serviceName": "accounts"}}], untyped
        assert "hunter2" not in response.text and "SELECT" not in response.text
    # The kit's codes keep their message (written for the client), and their other extensions.
    _answer(gateway, {"message": "No such user.", "extensions": {"code": "NOT_FOUND", "field": "id"}},
            {"message": "Not signed in.", "extensions": {"code": "UNAUTHENTICATED"}})
    errors = (await gateway.client.post("/graphql", json={"query": "{ me { name } }"})).json()["errors"]
    assert [(e["message"], e["extensions"]) for e in errors] == [
        ("No such user.", {"code": "NOT_FOUND", "field": "id", "serviceName": "accounts"}),
        ("Not signed in.", {"code": "UNAUTHENTICATED", "serviceName": "accounts"})]


async def test_all_passes_every_message_as_it_came() -> None:
    async for gw in harness(GatewaySettings(compose_timeout_s=5, subgraph_error_messages="all")):
        result = await gw.query("{ reviews { id flaky } }")
        assert result["errors"][0]["message"] == "flaky failed"


def test_the_api_schemas_error_codes_are_typed() -> None:
    schema = build_schema("type Query { a: Int } enum ErrorCode { CODE_LOCKED INVALID_CODE }")
    errors = SubgraphErrors(schema)
    kept = {"message": "This code no longer works.", "extensions": {"code": "CODE_LOCKED", "serviceName": "identity"}}
    assert errors.screen(kept) == kept
    other = {"message": LEAKY, "extensions": {"code": "CODE_BROKEN", "serviceName": "identity"}}
    assert errors.screen(other)["message"] == UNTYPED_MESSAGE
    gateway_own = {"message": "Cannot return null for non-nullable field Query.a.", "path": ["a"]}
    assert errors.screen(gateway_own) == gateway_own  # only subgraph errors (with serviceName) are screened
