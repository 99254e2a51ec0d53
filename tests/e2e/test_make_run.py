"""`kabinet run` (what `make run` starts): the embedded system with demo data, tried as a person would.

Starts the real command in a subprocess on a free port, waits for readiness, signs in as a demo guardian
with the development code and opens the family cabinet with several children through the gateway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from kabinet_stack.testing import kabinet_run as run_kabinet


@pytest.fixture
async def kabinet_run(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    async with run_kabinet(tmp_path) as running:
        yield running


async def test_make_run_serves_demo_family_cabinet(kabinet_run: tuple[str, Path]) -> None:
    base, log = kabinet_run
    banner = log.read_text()
    assert f"{base.replace('127.0.0.1', 'localhost')}/graphql" in banner
    assert "guardian:" in banner and "owner:" in banner
    # Demo mode turns the development mailbox on, and says so; its gateway secret is this data directory's own.
    assert "Development mailbox (ON" in banner and "/services/identity/dev/messages" in banner
    secret_file = log.parent / "var" / "gateway-secret"
    assert len(secret_file.read_text().strip()) >= 32 and secret_file.stat().st_mode & 0o077 == 0

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        # The gateway's console and introspection are off unless configured; `kabinet run` turns them on.
        console = await client.get("/console")
        assert console.status_code == 200 and "graphiql" in console.text.lower()
        schema = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
        assert schema.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        # The services' own /graphql under /services/ answers only the gateway (issue #10 point 15).
        direct = await client.post("/services/identity/graphql", json={"query": "{ __typename }"})
        assert direct.status_code == 403 and direct.json()["errors"][0]["extensions"]["code"] == "GATEWAY_ONLY"

        requested = (await client.post("/graphql", json={
            "query": "mutation($p: String!) { requestSignInCode(phone: $p) { ok } }",
            "variables": {"p": "+79000000001"}})).json()
        assert requested["data"]["requestSignInCode"]["ok"] is True, requested
        signed = (await client.post("/graphql", json={
            "query": "mutation($p: String!, $c: String!) { signInWithCode(phone: $p, code: $c) "
                     "{ session { accessToken } errors { code } } }",
            "variables": {"p": "+79000000001", "c": "111111"}})).json()
        assert signed["data"]["signInWithCode"]["errors"] == [], signed
        token = signed["data"]["signInWithCode"]["session"]["accessToken"]

        cabinet = (await client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": "{ myFamily { students { firstName bookedLessonsCount } account { balance { amount } } } }",
        })).json()
        assert "errors" not in cabinet, cabinet
        students = cabinet["data"]["myFamily"]["students"]
        assert len(students) >= 2
        assert cabinet["data"]["myFamily"]["account"] is not None
