"""Correctness by comparison: the same operations through `@apollo/gateway` (Node) and through ours, on the same
test subgraphs served over HTTP on 127.0.0.1, give identical responses (status and body, object keys ordered).

Deliberate differences are listed in docs/gateway.md; the corpus entries that meet one get the narrower check
described next to MESSAGE_WORDING_DIFFERS / STATUS_DIFFERS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from strawberry.asgi import GraphQL

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig
from gateway.testing.apollo import ApolloHarnessMissing
from gateway.testing.servers import ThreadedServer, apollo_gateway, serve_apps

from .conftest import SCHEMAS
from .parity_corpus import CORPUS, MESSAGE_WORDING_DIFFERS, STATUS_DIFFERS


@pytest.fixture(scope="module")
def gateways() -> Iterator[dict[str, str]]:
    apps = {name: GraphQL(schema) for name, schema in SCHEMAS.items()}
    with serve_apps(apps) as urls:
        configs = [SubgraphConfig(name, url) for name, url in urls.items()]
        # As Apollo's gateway: introspection on, subgraph error messages passed as they came.
        settings = GatewaySettings(compose_timeout_s=10, introspection_enabled=True, subgraph_error_messages="all")
        ours = ThreadedServer(create_gateway_app(settings, configs)).start()
        try:
            with apollo_gateway(urls) as apollo_url:
                yield {"ours": ours.url, "apollo": apollo_url}
        except ApolloHarnessMissing as exc:
            pytest.fail(f"the Node harness is needed for this test: {exc}")
        finally:
            ours.stop()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=1)


def send(url: str, query: str, variables: dict[str, Any] | None, operation_name: str | None) -> tuple[int, Any]:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation_name is not None:
        body["operationName"] = operation_name
    response = httpx.post(url, json=body, headers={"accept": "application/json"}, timeout=30)
    return response.status_code, response.json()


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 60
    assert len({op[0] for op in CORPUS}) == len(CORPUS)


def without_messages(response: tuple[int, Any]) -> tuple[int, Any]:
    status, body = response
    return status, {**body, "errors": [{k: v for k, v in e.items() if k != "message"} for e in body["errors"]]}


@pytest.mark.parametrize(("name", "query", "variables", "operation_name"), CORPUS, ids=[op[0] for op in CORPUS])
def test_same_response_as_apollo_gateway(
    gateways: dict[str, str], name: str, query: str, variables: dict[str, Any] | None, operation_name: str | None
) -> None:
    apollo = send(gateways["apollo"], query, variables, operation_name)
    ours = send(gateways["ours"], query, variables, operation_name)
    if name in MESSAGE_WORDING_DIFFERS:
        assert canonical(without_messages(ours)) == canonical(without_messages(apollo))
    elif name in STATUS_DIFFERS:
        assert ours[0] == 400
        assert [e["extensions"]["code"] for e in ours[1]["errors"]] == ["OPERATION_RESOLUTION_FAILURE"]
        assert [e["message"] for e in ours[1]["errors"]] == [e["message"] for e in apollo[1]["errors"]]
    else:
        assert canonical(ours) == canonical(apollo)
