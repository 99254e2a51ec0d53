"""Subscriptions over graphql-ws, end to end through RabbitMQ: the four services and the gateway on real
PostgreSQL and RabbitMQ (`real_stack`), the gateway served by uvicorn on 127.0.0.1, a `websockets` client.

A payment recorded through the gateway -> billing's outbox -> RabbitMQ -> the gateway's own queue -> the hub ->
the guardian's `balanceChanged` stream, with `family { account { balance } }` fetched from billing per event.
A guardian of another family receives nothing, and may not subscribe to the first family at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.testing.servers import serve_apps_in_loop
from kabinet.auth import Principal, Role
from kabinet.events.envelope import Envelope
from kabinet_stack.testing import StackHandle

B1 = "00000000-0000-4000-8000-0000000000b1"

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ADMIN = Principal(user_id="admin-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))

REGISTER = """mutation($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id familyId } errors { code message } } }"""
PAY = """mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { balanceAfter { amount } errors { code message } } }"""
BALANCE = """subscription Balance($familyId: ID!) {
  balanceChanged(familyId: $familyId) {
    familyId
    balance { amount currency }
    family { guardianPhone account { balance { amount currency } } }
  }
}"""


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, timeout_s: float = 15.0) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout_s))
        return message

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any]) -> None:
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})


@contextlib.asynccontextmanager
async def ws_client(url: str, init: dict[str, Any] | None) -> AsyncIterator[Client]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        client = Client(ws)
        await client.send({"type": "connection_init", "payload": init or {}})
        if init is not None:
            assert await client.receive() == {"type": "connection_ack"}
        yield client


async def register(stack: StackHandle, first: str, phone: str) -> str:
    result = await stack.client(ADMIN).execute(REGISTER, {"input": {
        "guardianPhone": phone, "firstName": first, "lastName": "Petrova", "birthDate": "2015-03-02",
        "branchId": B1}})
    assert result["_status"] == 200 and not result["data"]["registerStudent"]["errors"], result
    return str(result["data"]["registerStudent"]["student"]["familyId"])


async def until(check: Any, timeout_s: float = 15.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not check():
            await asyncio.sleep(0.02)


async def test_balance_changes_reach_only_the_familys_guardian_through_rabbitmq(real_stack: StackHandle) -> None:
    family_a = await register(real_stack, "Olya", "+7 912 000-00-01")
    family_b = await register(real_stack, "Kolya", "+7 912 000-00-02")
    await real_stack.drain()
    state = real_stack.stack.gateway.state.gateway
    hub = state.subscriptions.hub
    await asyncio.wait_for(state.subscriptions.feed.ready.wait(), 15)  # the gateway's own queue is bound

    guardian_a = real_stack.token(Principal(user_id="g-a", role=Role.GUARDIAN, family_id=family_a))
    guardian_b = real_stack.token(Principal(user_id="g-b", role=Role.GUARDIAN, family_id=family_b))
    async with serve_apps_in_loop({"gateway": real_stack.stack.gateway}) as urls:
        url = urls["gateway"].replace("http://", "ws://")
        async with (
            ws_client(url, {"Authorization": f"Bearer {guardian_a}"}) as a,
            ws_client(url, {"token": guardian_b}) as b,
        ):
            await a.subscribe("1", BALANCE, {"familyId": family_a})
            await b.subscribe("1", BALANCE, {"familyId": family_b})
            # Another family's balance: refused at once, nothing is ever streamed for it.
            await b.subscribe("2", BALANCE, {"familyId": family_a})
            refused = await b.receive()
            assert refused["id"] == "2" and refused["type"] == "error"
            assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
            await until(lambda: hub.listener_count("balance") == 2)

            paid = await real_stack.client(ADMIN).execute(PAY, {"input": {
                "familyId": family_a, "amount": "500", "method": "CASH", "idempotencyKey": "pay-sub-1"}})
            assert paid["data"]["recordPayment"]["errors"] == [], paid

            event = await a.receive()
            assert event["type"] == "next" and event["id"] == "1", event
            # Each event carries the id a reconnecting client names (`extensions.lastEventId`) to get what it missed.
            assert event["payload"]["extensions"]["eventId"].startswith(hub.instance + ":")
            assert {k: v for k, v in event["payload"].items() if k != "extensions"} == {"data": {"balanceChanged": {
                "familyId": family_a,
                "balance": {"amount": "500.00", "currency": "RUB"},
                "family": {"guardianPhone": "+79120000001",
                           "account": {"balance": {"amount": "500.00", "currency": "RUB"}}},
            }}}
            # The other guardian got nothing, even after every event so far was delivered.
            await real_stack.drain()
            with pytest.raises(TimeoutError):
                await b.receive(timeout_s=1.5)

            # Completing a subscription removes its listener.
            await a.send({"id": "1", "type": "complete"})
            await until(lambda: hub.listener_count("balance") == 1)


async def test_who_may_subscribe(real_stack: StackHandle) -> None:
    family = await register(real_stack, "Vera", "+7 912 000-00-03")
    await real_stack.drain()
    admin = real_stack.token(ADMIN)
    other_admin = real_stack.token(Principal(user_id="admin-2", role=Role.BRANCH_ADMIN, branch_ids=frozenset({"b9"})))
    async with serve_apps_in_loop({"gateway": real_stack.stack.gateway}) as urls:
        url = urls["gateway"].replace("http://", "ws://")
        # The family's branch admin: identity lets them see the family, so they may subscribe.
        async with ws_client(url, {"Authorization": f"Bearer {admin}"}) as ws:
            await ws.subscribe("ok", BALANCE, {"familyId": family})
            await ws.send({"id": "q", "type": "subscribe", "payload": {"query": "{ me { role } }"}})
            answer = await ws.receive()
            assert answer == {"id": "q", "type": "next", "payload": {"data": {"me": {"role": "branch_admin"}}}}
            assert await ws.receive() == {"id": "q", "type": "complete"}
        # An admin of another branch: identity says no.
        async with ws_client(url, {"Authorization": f"Bearer {other_admin}"}) as ws:
            await ws.subscribe("x", BALANCE, {"familyId": family})
            refused = await ws.receive()
            assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
        # Anonymous connections may run queries but not subscribe.
        async with ws_client(url, {}) as ws:
            await ws.subscribe("x", BALANCE, {"familyId": family})
            refused = await ws.receive()
            assert refused["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # A bad token closes the connection at init (4403), before any operation.
        async with connect(url, subprotocols=["graphql-transport-ws"]) as raw:  # type: ignore[list-item]
            await raw.send(json.dumps({"type": "connection_init", "payload": {"token": "nope"}}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(raw.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


ACTIVITY = """subscription Activity($familyId: ID!) {
  familyActivity(familyId: $familyId) {
    balance { familyId balance { amount } }
    grade { studentId lessonId grade }
    homework { studentId text }
  }
}"""


async def test_family_activity_carries_the_balance_and_the_childrens_grades_on_one_stream(
    real_stack: StackHandle,
) -> None:
    result = await real_stack.client(ADMIN).execute(REGISTER, {"input": {
        "guardianPhone": "+7 912 000-00-04", "firstName": "Lena", "lastName": "Petrova", "birthDate": "2015-03-02",
        "branchId": B1}})
    student = result["data"]["registerStudent"]["student"]
    family, child = str(student["familyId"]), str(student["id"])
    other_family = await register(real_stack, "Sasha", "+7 912 000-00-05")
    await real_stack.drain()
    state = real_stack.stack.gateway.state.gateway
    hub = state.subscriptions.hub
    await asyncio.wait_for(state.subscriptions.feed.ready.wait(), 15)

    guardian = real_stack.token(Principal(user_id="g-act", role=Role.GUARDIAN, family_id=family,
                                          student_ids=frozenset({child})))
    stranger = real_stack.token(Principal(user_id="g-other", role=Role.GUARDIAN, family_id=other_family))
    admin = real_stack.token(ADMIN)
    async with serve_apps_in_loop({"gateway": real_stack.stack.gateway}) as urls:
        url = urls["gateway"].replace("http://", "ws://")
        async with (
            ws_client(url, {"Authorization": f"Bearer {guardian}"}) as g,
            ws_client(url, {"Authorization": f"Bearer {stranger}"}) as s,
            ws_client(url, {"Authorization": f"Bearer {admin}"}) as a,
        ):
            # Another family's guardian may not follow this family.
            await s.subscribe("x", ACTIVITY, {"familyId": family})
            refused = await s.receive()
            assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"

            await g.subscribe("1", ACTIVITY, {"familyId": family})
            # The branch's admin: identity shows the family and names its student.
            await a.subscribe("1", ACTIVITY, {"familyId": family})
            # Each: the family's balance, the child's grades and homework.
            await until(lambda: hub.listener_count("balance") == 2 and hub.listener_count("grade") == 2
                        and hub.listener_count("homework") == 2)

            paid = await real_stack.client(ADMIN).execute(PAY, {"input": {
                "familyId": family, "amount": "300", "method": "CASH", "idempotencyKey": "pay-activity-1"}})
            assert paid["data"]["recordPayment"]["errors"] == [], paid
            balance = {"balance": {"familyId": family, "balance": {"amount": "300.00"}}, "grade": None,
                       "homework": None}
            for ws in (g, a):
                event = await ws.receive()
                assert event["type"] == "next" and event["payload"]["data"] == {"familyActivity": balance}, event

            # A grade for the child (as learning publishes it), and one for another family's student.
            lesson = "00000000-0000-4000-8000-00000000e001"
            await hub.handle(_envelope("learning.grade.posted.v1", {
                "student_id": "someone-else", "lesson_id": lesson, "grade": "3", "scale": "five_point"}))
            await hub.handle(_envelope("learning.grade.posted.v1", {
                "student_id": child, "lesson_id": lesson, "grade": "5", "scale": "five_point"}))
            grade = {"balance": None, "grade": {"studentId": child, "lessonId": lesson, "grade": "5"},
                     "homework": None}
            for ws in (g, a):
                event = await ws.receive()
                assert event["type"] == "next" and event["payload"]["data"] == {"familyActivity": grade}, event
                assert event["payload"]["extensions"]["eventId"].startswith(hub.instance + ":")

            # Unsubscribing ends every listener the stream had.
            await g.send({"id": "1", "type": "complete"})
            await until(lambda: hub.listener_count("balance") == 1 and hub.listener_count("grade") == 1
                        and hub.listener_count("homework") == 1)


def _envelope(key: str, payload: dict[str, Any]) -> Envelope:
    event_type, _, version = key.rpartition(".v")
    return Envelope(type=event_type, version=int(version), producer=key.split(".", maxsplit=1)[0], payload=payload)
