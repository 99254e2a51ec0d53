"""The console: GraphiQL with sign-in, and saved operations that stay valid against the real services' schema."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from gateway.cli import service_sdls
from gateway.composition.compose import compose
from gateway.config import GatewaySettings
from gateway.console import EXAMPLE_OPERATIONS, SIGN_IN_MUTATION
from gateway.subscriptions import GATEWAY_SUBGRAPH, subscription_sdl
from kabinet_gateway_tests.test_persisted_and_cost import harness


@pytest.fixture(scope="module")
def services_api_schema() -> GraphQLSchema:
    sdls = service_sdls()
    assert set(sdls) == {"identity", "scheduling", "billing", "learning"}
    return compose({**sdls, GATEWAY_SUBGRAPH: subscription_sdl()}).api_schema


@pytest.mark.parametrize("example", EXAMPLE_OPERATIONS, ids=lambda e: e.title)
def test_saved_operations_validate_against_the_composed_services(services_api_schema, example):
    document = parse(example.query)
    assert validate(services_api_schema, document) == []
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    coerced = get_variable_values(services_api_schema, operation.variable_definitions or (), example.variables)
    assert not isinstance(coerced, list), coerced  # the sample variables are accepted too


def test_the_sign_in_mutation_is_identitys(services_api_schema):
    assert validate(services_api_schema, parse(SIGN_IN_MUTATION)) == []


async def test_console_page_signs_in_and_opens_the_saved_operations():
    async for gw in harness(GatewaySettings(compose_timeout_s=5)):
        page = await gw.client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        text = page.text
        assert "signInWithPassword" in text and "sessionStorage" in text
        assert 'headers.set("Authorization", "Bearer " + token())' in text
        for example in EXAMPLE_OPERATIONS:
            assert example.title in text
        assert "query MonthSchedule" in text and "mutation RecordPayment" in text
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=False)):
        assert (await gw.client.get("/graphql", headers={"accept": "text/html"})).status_code == 404


async def test_introspection_can_be_turned_off_for_production():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, introspection_enabled=False)):
        response = await gw.client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert (await gw.client.post("/graphql", json={"query": "{ me { __typename name } }"})).status_code == 200
