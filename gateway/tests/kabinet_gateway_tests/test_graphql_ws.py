"""The graphql-transport-ws protocol and the event hub, without databases: the gateway over the test subgraphs,
fed from an in-process bus (the embedded mode's)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings
from gateway.subscriptions.hub import EventHub, HubEvent
from gateway.testing.servers import serve_apps_in_loop
from kabinet.bus.memory import InProcessTransport
from kabinet.events.envelope import Envelope
from kabinet_gateway_tests.conftest import RecordedRequest, subgraph_configs

WS = ["graphql-transport-ws"]


def envelope(key: str, payload: dict[str, Any]) -> Envelope:
    event_type, _, version = key.rpartition(".v")
    return Envelope(type=event_type, version=int(version), producer=key.split(".", maxsplit=1)[0], payload=payload)


@pytest.fixture
async def ws_url() -> AsyncIterator[str]:
    log: list[RecordedRequest] = []
    bus = InProcessTransport()
    await bus.connect()
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5), subgraph_configs(log), event_transport=bus)
    async with app.router.lifespan_context(app), serve_apps_in_loop({"gw": app}) as urls:
        app.state.bus = bus
        yield urls["gw"].replace("http://", "ws://")


async def closed_with(url: str, messages: list[dict[str, Any]], subprotocols: list[str] = WS) -> int:
    async with connect(url, subprotocols=subprotocols) as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed) as closed:
            for message in messages:
                await ws.send(json.dumps(message))
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code


async def test_protocol_violations_close_with_the_protocols_codes(ws_url):
    subscribe = {"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }"}}
    assert await closed_with(ws_url, [subscribe]) == 4401  # before connection_init
    init = {"type": "connection_init"}
    assert await closed_with(ws_url, [init, init]) == 4429
    assert await closed_with(ws_url, [init, {"type": "nonsense"}]) == 4400
    assert await closed_with(ws_url, [init, {"id": "", "type": "subscribe", "payload": {}}]) == 4400


async def test_a_message_is_held_to_the_http_body_limit():
    limit = 64 * 1024
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5, max_body_bytes=limit), subgraph_configs([]),
                             event_transport=InProcessTransport())
    async with app.router.lifespan_context(app), serve_apps_in_loop({"gw": app}) as urls:
        url = urls["gw"].replace("http://", "ws://")

        def subscribe(op_id: str, size: int, pad: str = "x") -> dict[str, Any]:
            """A subscribe message of ``size`` bytes (sent without escapes), padded with an unused variable."""
            variables = {"pad": ""}
            body = {"id": op_id, "type": "subscribe", "payload": {"query": "{ me { name } }", "variables": variables}}
            variables["pad"] = pad * ((size - len(json.dumps(body).encode())) // len(pad.encode()))
            return body

        init = {"type": "connection_init"}
        async with connect(url, subprotocols=WS) as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            at_limit = json.dumps(subscribe("ok", limit), ensure_ascii=False)
            assert len(at_limit.encode()) == limit
            await ws.send(at_limit)  # up to the limit: answered
            assert json.loads(await ws.recv())["type"] == "next"
        assert await closed_with(url, [init, subscribe("big", limit + 1)]) == 1009
        # Bytes count, not characters: 40 000 Cyrillic letters are 80 000 bytes.
        cyrillic = subscribe("ru", 80_000, pad="я")
        assert len(json.dumps(cyrillic, ensure_ascii=False)) < limit
        async with connect(url, subprotocols=WS) as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps(init))
            await ws.recv()
            with pytest.raises(ConnectionClosed) as closed:
                await ws.send(json.dumps(cyrillic, ensure_ascii=False))
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_wrong_subprotocol_is_refused(ws_url):
    from websockets.exceptions import InvalidStatus

    with pytest.raises((InvalidStatus, ConnectionClosed)):
        async with connect(ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
            await asyncio.wait_for(ws.recv(), 5)


async def test_queries_ping_and_validation_errors_over_the_socket(ws_url):
    async with connect(ws_url, subprotocols=WS) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}
        await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ me { name } }"}}))
        me = {"data": {"me": {"name": "Ada Lovelace"}}}
        assert json.loads(await ws.recv()) == {"id": "q", "type": "next", "payload": me}
        assert json.loads(await ws.recv()) == {"id": "q", "type": "complete"}
        await ws.send(json.dumps({"id": "v", "type": "subscribe", "payload": {"query": "subscription { nope }"}}))
        error = json.loads(await ws.recv())
        assert error["id"] == "v" and error["type"] == "error"
        assert error["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        await ws.send(json.dumps({"id": "d", "type": "subscribe", "payload": {"query": "{ me { id } }"}}))
        await ws.send(json.dumps({"id": "d", "type": "subscribe", "payload": {"query": "{ me { id } }"}}))
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(3):
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code in (4409,)


async def test_subscriptions_over_http_are_refused():
    bus = InProcessTransport()
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5), subgraph_configs([]), event_transport=bus)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        query = 'subscription { balanceChanged(familyId: "f") { familyId } }'
        response = await client.post("/graphql", json={"query": query})
        assert response.status_code == 400
        assert "WebSocket" in response.json()["errors"][0]["message"]


# --- the hub --------------------------------------------------------------------------------------------


async def collect(hub: EventHub, topic: str, key: str, probe: Any = None) -> tuple[list[HubEvent], asyncio.Task[None]]:
    got: list[HubEvent] = []

    async def run() -> None:
        async for event in hub.listen(topic, key, probe):
            got.append(event)

    task = asyncio.create_task(run())
    await asyncio.sleep(0)
    return got, task


async def test_a_lesson_charged_event_is_a_balance_change_of_each_family_it_charged_money():
    hub = EventHub()
    balance_f1, t1 = await collect(hub, "balance", "f1")
    balance_f2, t2 = await collect(hub, "balance", "f2")
    balance_f3, t3 = await collect(hub, "balance", "f3")
    rub = lambda amount: {"amount": amount, "currency": "RUB"}  # noqa: E731
    await hub.handle(envelope("billing.lesson.charged.v1", {"lesson_id": "L1", "branch_id": "b", "charges": [
        {"charge_id": "c1", "family_id": "f1", "student_id": "s1", "amount": rub("10.00"), "balance": rub("-10.00")},
        {"charge_id": "c2", "family_id": "f1", "student_id": "s2", "amount": rub("10.00"), "balance": rub("-20.00")},
        # paid by a subscription's lesson: no money moved, no balance change
        {"charge_id": "c3", "family_id": "f3", "student_id": "s3", "amount": rub("0.00"), "subscription_id": "x",
         "balance": None},
    ]}))
    await asyncio.sleep(0.05)
    # One change per family, its balance after its last charge; none for a family not charged money.
    assert [e.payload["balance"] for e in balance_f1] == [rub("-20.00")]
    assert balance_f2 == [] and balance_f3 == []
    for task in (t1, t2, t3):
        task.cancel()

async def test_hub_routes_events_to_their_family_and_students_only():
    hub = EventHub()
    asked: list[tuple[str, str]] = []

    async def probe(lesson_id: str, student_id: str) -> bool:
        asked.append((lesson_id, student_id))
        return student_id == "s3"

    balance_f1, t1 = await collect(hub, "balance", "f1")
    balance_f2, t2 = await collect(hub, "balance", "f2")
    lessons_s1, t3 = await collect(hub, "lesson", "s1")
    lessons_s2, t4 = await collect(hub, "lesson", "s2")
    homework_s1, t5 = await collect(hub, "homework", "s1")
    homework_s3, t6 = await collect(hub, "homework", "s3", probe)
    grades_s2, t7 = await collect(hub, "grade", "s2")
    money = {"amount": "10.00", "currency": "RUB"}
    await hub.handle(envelope("billing.balance.changed.v1", {"family_id": "f1", "balance": money}))
    await hub.handle(
        envelope(
            "scheduling.lesson.scheduled.v1",
            {"lesson_id": "L1", "participants": [{"student_id": "s1", "family_id": "f1"}]},
        )
    )
    await hub.handle(envelope("scheduling.participant.added.v1", {"lesson_id": "L1", "student_id": "s2"}))
    await hub.handle(envelope("scheduling.lesson.rescheduled.v1", {"lesson_id": "L1", "branch_id": "b"}))
    await hub.handle(envelope("scheduling.participant.removed.v1", {"lesson_id": "L1", "student_id": "s2"}))
    await hub.handle(envelope("scheduling.lesson.cancelled.v1", {"lesson_id": "L1", "branch_id": "b"}))
    await hub.handle(envelope("learning.homework.assigned.v1", {"lesson_id": "L1", "text": "p. 5"}))
    await hub.handle(envelope("learning.homework.assigned.v1", {"lesson_id": "L9", "text": "p. 9"}))  # unknown
    await hub.handle(envelope("learning.grade.posted.v1", {"lesson_id": "L1", "student_id": "s2", "grade": "5"}))
    await asyncio.sleep(0.05)
    assert [e.payload["balance"] for e in balance_f1] == [money] and balance_f2 == []
    assert [e.payload["kind"] for e in lessons_s1] == ["scheduled", "rescheduled", "cancelled"]
    assert [e.payload["kind"] for e in lessons_s2] == ["participant_added", "rescheduled", "participant_removed"]
    assert [e.payload["text"] for e in homework_s1] == ["p. 5"]
    # L9 was never seen: the listener with a probe asked whether its student is on it.
    assert asked == [("L9", "s3")] and [e.payload["text"] for e in homework_s3] == ["p. 9"]
    assert [e.payload["grade"] for e in grades_s2] == ["5"]
    for task in (t1, t2, t3, t4, t5, t6, t7):
        task.cancel()
    await asyncio.gather(t1, t2, t3, t4, t5, t6, t7, return_exceptions=True)
    assert hub.listener_count() == 0


async def test_a_connection_ends_when_its_access_token_expires():
    """Issue #10 point 12: a socket is no way around short-lived tokens; it closes with 4403 at the token's expiry
    (graphql-ws clients then reconnect with a fresh token)."""
    import time as _time

    from kabinet.auth import KeySource, Principal, Role, SigningKey, TokenIssuer, jwks

    key = SigningKey.generate()
    token = TokenIssuer(key, "kabinet-identity", "kabinet", ttl_s=2).issue(Principal(user_id="u", role=Role.OWNER))
    log: list[RecordedRequest] = []
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5), subgraph_configs(log),
                             key_source=KeySource(static=jwks([key])))
    async with app.router.lifespan_context(app), serve_apps_in_loop({"gw": app}) as urls:
        url = urls["gw"].replace("http://", "ws://")
        async with connect(url, subprotocols=WS) as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            opened = _time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
            assert _time.monotonic() - opened < 5


async def test_hub_replays_what_a_reconnecting_listener_missed_within_the_window():
    hub = EventHub(replay_window_s=60)
    money = {"amount": "1.00", "currency": "RUB"}
    first, task = await collect(hub, "balance", "f1")
    await hub.handle(envelope("billing.balance.changed.v1", {"family_id": "f1", "balance": money}))
    await asyncio.sleep(0.01)
    task.cancel()  # the client disconnects after seeing one event
    await asyncio.gather(task, return_exceptions=True)
    last_seen = hub.event_id(first[-1].seq)
    for amount in ("2.00", "3.00"):  # published while it was away
        await hub.handle(
            envelope("billing.balance.changed.v1", {"family_id": "f1", "balance": {**money, "amount": amount}})
        )
    await hub.handle(envelope("billing.balance.changed.v1", {"family_id": "f2", "balance": money}))  # not its family

    async def resumed(after: int | None) -> list[str]:
        got: list[str] = []

        async def run() -> None:
            async for event in hub.listen("balance", "f1", after=after):
                got.append(event.payload["balance"]["amount"])

        listening = asyncio.create_task(run())
        await asyncio.sleep(0.01)
        await hub.handle(
            envelope("billing.balance.changed.v1", {"family_id": "f1", "balance": {**money, "amount": "4.00"}})
        )
        await asyncio.sleep(0.01)
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        return got

    assert await resumed(hub.parse_event_id(last_seen)) == ["2.00", "3.00", "4.00"]  # missed, then live, once each
    assert hub.parse_event_id("another-instance:1") is None  # an id this hub never issued: live events only
    assert await resumed(None) == ["4.00"]
    hub.replay_window_s = 0  # outside the window nothing is replayed
    assert await resumed(hub.parse_event_id(last_seen)) == ["4.00"]


async def test_a_connection_runs_at_most_its_share_of_operations_at_once():
    """Each subscription holds a task and the hub's listeners: one connection may not open them without bound
    (GATEWAY_WS_MAX_OPERATIONS); the one over is refused with a code, the others keep running."""
    from kabinet.auth import KeySource, Principal, Role, SigningKey, TokenIssuer, jwks

    key = SigningKey.generate()
    token = TokenIssuer(key, "kabinet-identity", "kabinet").issue(Principal(user_id="u", role=Role.OWNER))
    bus = InProcessTransport()
    await bus.connect()
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5, ws_max_operations=2), subgraph_configs([]),
                             key_source=KeySource(static=jwks([key])), event_transport=bus)
    query = 'subscription { balanceChanged(familyId: "f") { familyId } }'
    async with app.router.lifespan_context(app), serve_apps_in_loop({"gw": app}) as urls, \
            connect(urls["gw"].replace("http://", "ws://"), subprotocols=WS) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        for op_id in ("1", "2", "3"):
            await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert refused["id"] == "3" and refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_OPERATIONS"
        await ws.send(json.dumps({"id": "1", "type": "complete"}))  # one ends: room for another
        await asyncio.sleep(0.2)
        await ws.send(json.dumps({"id": "4", "type": "subscribe", "payload": {"query": query}}))
        with pytest.raises(TimeoutError):  # running, not refused: nothing comes until an event does
            await asyncio.wait_for(ws.recv(), 1)
