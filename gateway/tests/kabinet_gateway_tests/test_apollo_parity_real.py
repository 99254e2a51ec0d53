"""Parity on the real services: the embedded stack's four subgraphs served over HTTP on 127.0.0.1, with
`@apollo/gateway` and our gateway in front of them; read operations (as a branch admin, a guardian and
anonymous, including authorization errors) give identical responses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig
from gateway.testing.apollo import ApolloHarnessMissing
from gateway.testing.servers import apollo_gateway_async, serve_apps_in_loop
from kabinet.auth import Principal, Role
from kabinet.testing.stack import gateway_headers
from kabinet_stack.testing import StackHandle

B1 = "00000000-0000-4000-8000-0000000000b1"

ADMIN = Principal(user_id="admin-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))

REGISTER = """
mutation Register($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id familyId } errors { field code message } }
}"""

OPERATIONS: list[tuple[str, str, str]] = [
    (
        "family-cabinet",
        "admin",
        """query Cabinet($id: ID!) { family(id: $id) { id guardianPhone students { firstName lastName }
           account { balance { amount currency } } } }""",
    ),
    (
        "family-typename-aliases",
        "admin",
        "query($id: ID!) { f: family(id: $id) { __typename kids: students { n: firstName } } }",
    ),
    (
        "my-family-as-guardian",
        "guardian",
        "{ myFamily { id students { firstName } account { balance { currency } } } }",
    ),
    ("my-account-as-guardian", "guardian", "{ myAccount { balance { amount currency } } }"),
    ("family-anonymous", "anonymous", "query($id: ID!) { family(id: $id) { id students { firstName } } }"),
    ("unknown-family", "admin", '{ family(id: "00000000-0000-0000-0000-000000000000") { id } }'),
    ("introspect-family", "anonymous", '{ __type(name: "Family") { fields { name } } }'),
]


@pytest.fixture
async def both(embedded_stack: StackHandle) -> AsyncIterator[dict[str, Any]]:
    first = (
        await embedded_stack.client(ADMIN).execute(
            REGISTER,
            {
                "input": {
                    "guardianPhone": "+7 912 345-67-89",
                    "firstName": "Masha",
                    "lastName": "Ivanova",
                    "birthDate": "2016-05-04",
                    "branchId": B1,
                }
            },
        )
    )["data"]["registerStudent"]
    family_id = first["student"]["familyId"]
    await embedded_stack.drain()
    guardian = Principal(user_id="g-1", role=Role.GUARDIAN, family_id=family_id)
    async with serve_apps_in_loop(embedded_stack.stack.apps) as urls:
        configs = [SubgraphConfig(name, url) for name, url in urls.items()]
        # As Apollo's gateway: introspection on, subgraph error messages passed as they came.
        settings = GatewaySettings(compose_timeout_s=10, introspection_enabled=True, subgraph_error_messages="all")
        app = create_gateway_app(settings, configs)
        async with app.router.lifespan_context(app), serve_apps_in_loop({"ours": app}) as ours:
            try:
                # The services answer only the gateway (its secret header); Apollo's gateway sends it too.
                secret_headers = gateway_headers(next(iter(embedded_stack.stack.apps.values())))
                async with apollo_gateway_async(urls, secret_headers) as apollo_url:
                    yield {
                        "ours": ours["ours"],
                        "apollo": apollo_url,
                        "family_id": family_id,
                        "tokens": {"admin": embedded_stack.token(ADMIN), "guardian": embedded_stack.token(guardian)},
                    }
            except ApolloHarnessMissing as exc:
                pytest.fail(str(exc))


async def test_real_services_same_responses_as_apollo_gateway(both: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for name, who, query in OPERATIONS:
            headers = {"accept": "application/json"}
            if who != "anonymous":
                headers["authorization"] = f"Bearer {both['tokens'][who]}"
            body = {"query": query, "variables": {"id": both["family_id"]} if "$id" in query else None}
            apollo = await client.post(both["apollo"], json=body, headers=headers)
            ours = await client.post(both["ours"], json=body, headers=headers)
            expected = json.dumps([apollo.status_code, apollo.json()], sort_keys=True)
            assert json.dumps([ours.status_code, ours.json()], sort_keys=True) == expected, name
            assert "errors" not in ours.json() or name in ("family-anonymous", "unknown-family"), ours.json()
