"""Admission (gateway.admission): at most N plans execute at once, the rest wait in arrival order (writes before
reads), a full queue is refused with 503 + GATEWAY_OVERLOADED, and an answer from the response layer takes no slot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
import pytest

from gateway.admission import Admission, Overloaded
from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig
from kabinet_gateway_tests.conftest import RecordedRequest, subgraph_configs
from kabinet_gateway_tests.test_entity_cache import CABINET, guardian, register
from kabinet_gateway_tests.test_response_cache import read_from_layer
from kabinet_stack.testing import StackHandle


async def test_slots_are_handed_over_in_arrival_order() -> None:
    admission = Admission(max_running=2, max_waiting=10)
    await admission.acquire()
    await admission.acquire()
    order: list[int] = []

    async def wait_then_record(n: int) -> None:
        await admission.acquire()
        order.append(n)

    waiters = []
    for n in range(4):
        waiters.append(asyncio.create_task(wait_then_record(n)))
        await asyncio.sleep(0)  # queued in this order
    await asyncio.sleep(0)
    assert admission.running == 2 and admission.waiting == 4 and order == []
    for expected in range(4):
        admission.release()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert order == list(range(expected + 1))
        assert admission.running == 2  # a released slot goes to the next in line, never back to the pool
    await asyncio.gather(*waiters)
    admission.release()
    admission.release()
    assert admission.running == 0 and admission.waiting == 0


async def test_a_waiting_write_goes_before_the_waiting_reads() -> None:
    admission = Admission(max_running=1, max_waiting=10)
    await admission.acquire()
    order: list[str] = []

    async def take(name: str, write: bool) -> None:
        await admission.acquire(write=write)
        order.append(name)

    tasks = []
    for name, write in (("read-1", False), ("read-2", False), ("write-1", True), ("write-2", True)):
        tasks.append(asyncio.create_task(take(name, write)))
        await asyncio.sleep(0)
    for _ in range(4):
        admission.release()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == ["write-1", "write-2", "read-1", "read-2"]


async def test_a_full_queue_refuses_and_a_cancelled_waiter_leaves_no_slot_behind() -> None:
    admission = Admission(max_running=1, max_waiting=1)
    await admission.acquire()
    queued = asyncio.create_task(admission.acquire())
    await asyncio.sleep(0)
    with pytest.raises(Overloaded):
        await admission.acquire()
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert admission.waiting == 0
    admission.release()
    assert admission.running == 0
    # Cancelled in the very turn it was handed the slot: the slot passes on instead of leaking.
    admission = Admission(max_running=1, max_waiting=2)
    await admission.acquire()
    handed = asyncio.create_task(admission.acquire())
    after = asyncio.create_task(admission.acquire())
    await asyncio.sleep(0)
    admission.release()  # handed to `handed`, which is cancelled before it runs
    handed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handed
    await asyncio.wait_for(after, 1)
    assert admission.running == 1
    admission.release()
    assert admission.running == 0


@dataclass
class GatedTransport(httpx.AsyncBaseTransport):
    """Holds every subgraph request until `gate` is set (a plan that is still executing)."""

    inner: httpx.AsyncBaseTransport
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if b"_service" not in (request.content or b""):
            self.entered.set()
            await self.gate.wait()
        return await self.inner.handle_async_request(request)


async def first_entered(gated: list[GatedTransport]) -> None:
    waits = [asyncio.create_task(t.entered.wait()) for t in gated]
    _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


def gated_subgraphs() -> tuple[list[SubgraphConfig], list[GatedTransport]]:
    """The test subgraphs behind gates, open (composing asks every subgraph for its schema)."""
    log: list[RecordedRequest] = []
    configs = [SubgraphConfig(c.name, c.url, GatedTransport(c.transport)) for c in subgraph_configs(log)
               if c.transport is not None]
    gated = [c.transport for c in configs if isinstance(c.transport, GatedTransport)]
    for transport in gated:
        transport.gate.set()
    return configs, gated


async def test_over_capacity_the_gateway_answers_503_overloaded_and_then_serves_again() -> None:
    configs, gated = gated_subgraphs()
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5, max_executions=1, max_waiting=0), configs)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as client:
        for transport in gated:
            transport.gate.clear()
        first = asyncio.create_task(client.post("/graphql", json={"query": "{ me { name } }"}))
        await asyncio.wait_for(first_entered(gated), 5)  # the only slot is taken
        refused = await client.post("/graphql", json={"query": "{ me { id } }"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["errors"][0]["extensions"]["code"] == "GATEWAY_OVERLOADED"
        assert "data" not in refused.json()
        for transport in gated:
            transport.gate.set()
        assert (await first).json() == {"data": {"me": {"name": "Ada Lovelace"}}}
        again = await client.post("/graphql", json={"query": "{ me { id } }"})
        assert again.status_code == 200 and again.json()["data"]["me"]["id"]


async def test_a_stuck_in_process_subgraph_times_out_and_gives_its_slot_back() -> None:
    # Embedded mode calls the subgraphs through httpx.ASGITransport, which applies no timeout of its own.
    configs, gated = gated_subgraphs()
    settings = GatewaySettings(compose_timeout_s=5, max_executions=1, subgraph_timeout_s=0.2, poll_interval_s=0)
    app = create_gateway_app(settings, configs)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as client:
        for transport in gated:
            transport.gate.clear()  # the subgraphs never answer
        stuck = await asyncio.wait_for(client.post("/graphql", json={"query": "{ me { name } }"}), 5)
        assert stuck.status_code == 503
        assert [e["extensions"]["code"] for e in stuck.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
        admission = app.state.gateway.admission
        assert admission.running == 0 and admission.waiting == 0
        for transport in gated:
            transport.gate.set()
        again = await client.post("/graphql", json={"query": "{ me { id } }"})
        assert again.status_code == 200 and again.json()["data"]["me"]["id"]


@pytest.mark.integration
@pytest.mark.e2e
async def test_an_answer_from_the_response_layer_takes_no_slot(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Olga", "+7 912 000-03-07")
    await cached_stack.drain()
    parent = guardian(family)
    await read_from_layer(cached_stack, parent, family)
    pipeline = cached_stack.stack.gateway.state.gateway.pipeline
    busy = Admission(max_running=1, max_waiting=0)
    await busy.acquire()  # every slot taken, no room to wait
    pipeline.admission = busy
    headers = {"authorization": f"Bearer {cached_stack.token(parent)}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cached_stack.stack.app), base_url="http://t") as c:
        cached = await c.post("/graphql", json={"query": CABINET, "variables": {"id": family}}, headers=headers)
        assert cached.status_code == 200 and cached.json()["data"]["family"]
        executed = await c.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert executed.status_code == 503
        assert executed.json()["errors"][0]["extensions"]["code"] == "GATEWAY_OVERLOADED"
