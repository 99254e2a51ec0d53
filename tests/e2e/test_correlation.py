"""A request's correlation id travels into every event it causes, across services."""

from __future__ import annotations

import json
from collections.abc import Awaitable

from sqlalchemy import select

from kabinet.auth import Principal, Role
from kabinet.testing.stack import eventually
from kabinet_stack.testing import StackHandle

ADMIN = Principal(user_id="admin-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({"b1"}))


async def outbox_envelopes(stack: StackHandle, service: str) -> list[dict]:
    runtime = stack.runtime(service)
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(select(runtime.spec.outbox.c.body).order_by(runtime.spec.outbox.c.seq))).all()
    return [json.loads(r.body) for r in rows]


async def test_correlation_id_flows_from_request_through_events(real_stack: StackHandle) -> None:
    result = await real_stack.client(ADMIN).execute(
        "mutation($i: RegisterStudentInput!) { registerStudent(input: $i) { student { id } } }",
        {"i": {"guardianPhone": "+79161112233", "firstName": "Ira", "lastName": "Lis", "birthDate": "2015-09-09"}},
        headers={"X-Correlation-ID": "req-42"},
    )
    assert result["data"]["registerStudent"]["student"]["id"]
    await real_stack.drain()

    identity_events = await outbox_envelopes(real_stack, "identity")
    assert {e["type"] for e in identity_events} >= {"identity.family.created", "identity.student.registered"}
    assert all(e["correlation_id"] == "req-42" for e in identity_events)

    registered = next(e for e in identity_events if e["type"] == "identity.student.registered")

    async def opened() -> list[dict]:
        return [e for e in await outbox_envelopes(real_stack, "billing") if e["type"] == "billing.account.opened"]

    await eventually(lambda: _non_empty(opened()))
    caused = await opened()
    assert len(caused) == 1
    assert caused[0]["correlation_id"] == "req-42"
    assert caused[0]["causation_id"] == registered["id"]


async def _non_empty(items: Awaitable[list[dict]]) -> bool:
    return bool(await items)
