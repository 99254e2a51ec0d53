"""The entity cache (gateway.cache) end to end: the four services and the gateway on real PostgreSQL and
RabbitMQ, the gateway caching (GATEWAY_CACHE=memory, or redis behind a TCP proxy).

- after each kind of event (every contract in the catalogue, published on the stack's RabbitMQ exchange) the
  next read is fresh; real flows too: a payment and a student's new name, made at the services directly, reach
  the guardian's next read through the events alone;
- a guardian never gets another family's cached entity;
- a mutation through the gateway is visible in the next read at once;
- a lost invalidation (the event handler dropped, the feed stopped) cannot serve stale data past the maximum age;
- Redis down only slows requests down (and the drops it missed are applied before it is read again).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
import typing
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from prometheus_client import REGISTRY

from gateway.cache import (
    EVENT_CHANGES,
    FIELD_TAGS,
    EntityCache,
    MemoryBackend,
    Pending,
    applied_tags,
    changed_by,
    event_tags,
    in_subgraphs,
    mutation_tags,
    scope_for,
    subgraph_tags,
)
from gateway.cache.redis_backend import RedisBackend
from gateway.config import GatewaySettings
from kabinet.auth import Principal, Role, SigningKey
from kabinet.bus.topology import Topology
from kabinet.events.applied import EventsApplied
from kabinet.events.catalogue import collect
from kabinet.events.envelope import Envelope
from kabinet.settings import MessagingSettings
from kabinet.testing.tcp_proxy import TcpProxy
from kabinet_stack.embedded import Stack
from kabinet_stack.testing import StackHandle, _run, cached_run, gateway_feed

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

B1 = "00000000-0000-4000-8000-0000000000b1"
ADMIN = Principal(user_id="admin-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))

REGISTER = """mutation($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id familyId } errors { code message } } }"""
PAY = """mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { balanceAfter { amount } errors { code message } } }"""
RENAME = """mutation($input: UpdateStudentInput!) { updateStudent(input: $input) { errors { code message } } }"""
CABINET = """query Cabinet($id: ID!) {
  family(id: $id) { id students { id firstName } account { balance { amount currency } } } }"""


def lookups(result: str) -> float:
    return REGISTRY.get_sample_value("gateway_entity_cache_lookups_total", {"result": result}) or 0.0


def cache_of(stack: StackHandle) -> EntityCache:
    cache = stack.stack.gateway.state.gateway.cache
    assert cache is not None
    return typing.cast(EntityCache, cache)


async def register(stack: StackHandle, first: str, phone: str) -> tuple[str, str]:
    result = await stack.client(ADMIN).execute(REGISTER, {"input": {
        "guardianPhone": phone, "firstName": first, "lastName": "Petrova", "birthDate": "2015-03-02",
        "branchId": B1}})
    assert result["_status"] == 200 and not result["data"]["registerStudent"]["errors"], result
    student = result["data"]["registerStudent"]["student"]
    return str(student["familyId"]), str(student["id"])


def guardian(family_id: str, user: str = "g-1") -> Principal:
    return Principal(user_id=user, role=Role.GUARDIAN, family_id=family_id)


async def read(stack: StackHandle, who: Principal, family_id: str) -> dict[str, Any]:
    got = await stack.client(who).execute(CABINET, {"id": family_id})
    assert got["_status"] == 200 and "errors" not in got, got
    family: dict[str, Any] = got["data"]["family"]
    return family


async def read_cached(stack: StackHandle, who: Principal, family_id: str) -> dict[str, Any]:
    """Read until a read is served by the cache alone (events still arriving may drop the first answers)."""
    await read(stack, who, family_id)
    for _ in range(50):
        misses = lookups("miss")
        family = await read(stack, who, family_id)
        if lookups("miss") == misses:
            return family
        await asyncio.sleep(0.1)
    raise AssertionError("no read was served from the cache")


async def pay(client: Any, family_id: str, amount: str, branch_id: str | None = None) -> None:
    paid = await client.execute(PAY, {"input": {
        "familyId": family_id, "amount": amount, "method": "CASH", "idempotencyKey": str(uuid.uuid4()),
        **({"branchId": branch_id} if branch_id else {})}})
    assert paid["data"]["recordPayment"]["errors"] == [], paid


async def until_fresh(check: Callable[[], Awaitable[bool]], timeout_s: float = 20.0) -> float:
    started = time.monotonic()
    async with asyncio.timeout(timeout_s):
        while not await check():
            await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_events_from_the_services_make_the_next_read_fresh(cached_stack: StackHandle) -> None:
    family, student = await register(cached_stack, "Olya", "+7 912 000-01-01")
    await cached_stack.drain()
    parent = guardian(family)
    before = await read_cached(cached_stack, parent, family)
    assert before["account"]["balance"]["amount"] == "0.00"

    # A payment recorded at billing itself (not through the gateway): only its events can tell the gateway.
    await pay(cached_stack.service_client("billing", ADMIN), family, "700")

    async def paid() -> bool:
        return (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "700.00"

    waited = await until_fresh(paid)
    print(f"\npayment committed at billing -> the guardian's read fresh: {waited * 1000:.0f} ms")
    await cached_stack.drain()
    assert (await read_cached(cached_stack, parent, family))["account"]["balance"]["amount"] == "700.00"

    # A child's new name, changed at identity: identity.student.updated names the student.
    renamed = await cached_stack.service_client("identity", ADMIN).execute(
        RENAME, {"input": {"studentId": student, "firstName": "Olga"}})
    assert renamed["data"]["updateStudent"]["errors"] == [], renamed

    async def new_name() -> bool:
        return (await read(cached_stack, parent, family))["students"][0]["firstName"] == "Olga"

    await until_fresh(new_name)


OPEN_SLOT = """mutation($i: OpenSlotInput!) { openSlot(input: $i) { slot { id } errors { code message } } }"""
CLOSE_SLOT = """mutation($x: ID!) { closeSlot(slotId: $x) { slot { id } errors { code } } }"""
OPEN_SLOTS = """query($b: ID!, $from: DateTime!, $to: DateTime!) { openSlots(branchId: $b, from: $from, to: $to) {
  id startsAt } }"""


async def test_a_root_list_shows_a_new_member_at_once(cached_stack: StackHandle) -> None:
    """Opening (or closing) a slot publishes no event that names a cached list of slots: root lists are never
    kept."""
    owner = Principal(user_id="owner-1", role=Role.OWNER)
    made = await cached_stack.client(owner).execute(
        """mutation { createBranch(input: {name: "Slots", city: "Kazan", timeZone: "Europe/Moscow", address: "x"})
        { branch { id } } }""")
    branch = made["data"]["createBranch"]["branch"]["id"]
    admin = Principal(user_id="admin-2", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch}))
    staff = await cached_stack.client(owner).execute(
        "mutation($i: CreateStaffInput!) { createStaff(input: $i) { staff { id } errors { code } } }",
        {"i": {"role": "TEACHER", "email": "slots-teacher@cache.test", "firstName": "Tanya", "lastName": "Ucheva",
               "branchIds": [branch], "password": "a-long-staff-password"}})
    teacher = staff["data"]["createStaff"]["staff"]["id"]
    family, _ = await register(cached_stack, "Lena", "+7 912 000-01-09")
    await cached_stack.drain()
    parent = guardian(family)
    window = {"b": branch, "from": "2031-01-01T00:00:00+00:00", "to": "2031-02-01T00:00:00+00:00"}

    async def slots() -> list[dict[str, Any]]:
        got = await cached_stack.client(parent).execute(OPEN_SLOTS, window)
        assert got["_status"] == 200 and "errors" not in got, got
        return list(got["data"]["openSlots"])

    assert await slots() == []
    assert await slots() == []  # read twice: a cache that kept the list would now answer from it
    opened = await cached_stack.service_client("scheduling", admin).execute(OPEN_SLOT, {"i": {
        "branchId": branch, "teacherId": teacher, "startsAt": "2031-01-10T10:00:00+00:00",
        "endsAt": "2031-01-10T10:30:00+00:00", "lessonType": "individual", "price": "1800.00"}})
    assert opened["data"]["openSlot"]["errors"] == [], opened
    assert [s["startsAt"] for s in await slots()] == ["2031-01-10T10:00:00+00:00"]
    # Closing it publishes nothing either: the family's next read no longer shows it.
    closed = await cached_stack.client(admin).execute(CLOSE_SLOT, {"x": opened["data"]["openSlot"]["slot"]["id"]})
    assert closed["data"]["closeSlot"]["errors"] == [], closed
    assert await slots() == []


async def test_a_guardians_notifications_are_never_kept(cached_stack: StackHandle) -> None:
    """Identity records a notification from billing's payment and does not announce it (nothing else of identity's
    changes, so the payment leaves the family's identity answers cached): `myNotifications` is never kept, and
    the guardian's next read after the payment shows it - well within the cache's 30 s maximum age."""
    family, _ = await register(cached_stack, "Nina", "+7 912 000-01-11")
    await cached_stack.drain()
    found = await cached_stack.client(ADMIN).execute(
        "query($id: ID!) { family(id: $id) { guardians { id } } }", {"id": family})
    parent = Principal(user_id=found["data"]["family"]["guardians"][0]["id"], role=Role.GUARDIAN, family_id=family)

    async def unread() -> int:
        got = await cached_stack.client(parent).execute("{ myNotifications { unreadCount } }")
        assert got["_status"] == 200 and "errors" not in got, got
        return int(got["data"]["myNotifications"]["unreadCount"])

    before = await unread()
    assert await unread() == before  # read twice: a cache that kept it would now answer from it
    await pay(cached_stack.service_client("billing", ADMIN), family, "700.00", B1)

    async def told() -> bool:
        return await unread() > before

    await until_fresh(told, timeout_s=10)


def _payload_naming(contract: Any, entity_id: str) -> dict[str, Any]:
    """A payload of this contract whose every id names `entity_id` (lists of ids and of participants too), but
    its context fields (`EventContract.context_fields`), which name another id."""
    payload: dict[str, Any] = {}
    for name in contract.model_fields:
        if name in contract.context_fields:
            payload[name] = [str(uuid.uuid4())] if name.endswith("_ids") else str(uuid.uuid4())
        elif name.endswith("_id"):
            payload[name] = entity_id
        elif name.endswith("_ids"):
            payload[name] = [entity_id]
        elif name == "participants":
            payload[name] = [{"student_id": entity_id, "family_id": entity_id}]
    return payload


async def test_every_kind_of_event_drops_what_it_names(cached_stack: StackHandle,
                                                       messaging: MessagingSettings) -> None:
    """Each contract of the catalogue (charges, payments, balance, lessons, sheets, grades, homework, students
    ...) published on RabbitMQ naming the family in what it changes: the guardian's next read goes to the
    subgraphs again."""
    family, _ = await register(cached_stack, "Vera", "+7 912 000-01-02")
    await cached_stack.drain()
    parent = guardian(family)
    cache = cache_of(cached_stack)
    entries = collect().entries
    assert len(entries) > 30
    topology = Topology.from_settings(messaging)
    # When each event's drop is done, for the staleness it allows (docs/performance.md prints these numbers).
    dropped_at: dict[str, float] = {}  # envelope id -> when its drop was done
    feed = cached_stack.stack.gateway.state.gateway.feed

    async def timed(envelope: Envelope, handle: Any = cache.handle_event) -> None:
        await handle(envelope)
        dropped_at[envelope.id] = time.perf_counter()

    feed._consumers = [(b, timed if h == cache.handle_event else h) for b, h in feed._consumers]
    delays: list[float] = []
    connection = await aio_pika.connect(messaging.amqp_url or "")
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        for entry in entries:
            if issubclass(entry.contract, EventsApplied):
                continue  # what it drops is what other events dropped (test_a_consumers_applied_events_drop_...)
            if not entry.contract.changed_ids(_payload_naming(entry.contract, family)):
                # It changes no entity by id, only a field wherever it is (a branch's cancellation rule: each
                # lesson's cancellableUntil; test_a_booking_policy_drops_every_cancellable_until).
                assert entry.routing_key in FIELD_TAGS, entry.routing_key
                continue
            await read_cached(cached_stack, parent, family)
            before = backend_tags(cache)
            assert any(f"billing|{family}" in tags for tags in before.values())
            handled = cache.invalidations
            event_type, _, version = entry.routing_key.rpartition(".v")
            payload = _payload_naming(entry.contract, family)
            envelope = Envelope(type=event_type, version=int(version), producer=entry.producer, payload=payload,
                                changed_ids=tuple(entry.contract.changed_ids(payload)))  # as the unit of work
            published = time.perf_counter()
            await exchange.publish(aio_pika.Message(envelope.to_json(), message_id=envelope.id),
                                   routing_key=entry.routing_key)
            async with asyncio.timeout(10):  # this event's drop (the consumers' events.applied come and go too)
                while envelope.id not in dropped_at:
                    await asyncio.sleep(0.01)
            delays.append(dropped_at[envelope.id] - published)
            # Every entry of the subgraphs the event can change that names the family is gone; the others stay.
            kept = backend_tags(cache)
            changed = set(EVENT_CHANGES[entry.routing_key])
            assert not [k for k, tags in kept.items() if any(f"{s}|{family}" in tags for s in changed)], (
                f"{entry.routing_key} did not drop the family's entries of {sorted(changed)}")
            untouched = {k for k, tags in before.items() if not any(t.split("|")[0] in changed for t in tags)}
            # Only this event applied (the services' own events that follow an earlier one drop their entries).
            kept_all = cache.invalidations == handled + 1
            assert not kept_all or set(kept) >= untouched, f"{entry.routing_key} dropped what it cannot change"
            misses = lookups("miss")
            await read(cached_stack, parent, family)
            if changed & {"identity", "billing"}:  # the subgraphs CABINET reads
                assert lookups("miss") > misses, f"{entry.routing_key} did not drop the family's entries"
            elif kept_all:
                assert lookups("miss") == misses, f"{entry.routing_key} dropped what it cannot change"
    finally:
        await connection.close()
    delays.sort()
    median = delays[len(delays) // 2]
    print(f"\nevent published -> entries dropped, {len(delays)} events: median {median * 1000:.1f} ms, "
          f"worst {delays[-1] * 1000:.1f} ms")


def backend_tags(cache: EntityCache) -> dict[str, frozenset[str]]:
    """Each entry of the in-process backend with its tags."""
    backend = cache.backend
    assert isinstance(backend, MemoryBackend)
    return {key: entry[2] for key, entry in backend._entries.items()}


def test_the_services_an_event_changes_are_the_catalogues() -> None:
    """An event changes the answers of its producer and of its consumers (each applies it to its own tables), but
    for a consumer that announces its changes with events of its own: the gateway's table is the catalogue's, so a
    new consumer cannot be left out of an event's drops."""
    assert {e.routing_key: e.changes for e in collect().entries} == EVENT_CHANGES
    unknown = Envelope(type="another.thing.happened", version=1, producer="another", payload={})
    assert set(changed_by(unknown)) == {"identity", "scheduling", "billing", "learning"}


async def test_a_guardian_never_gets_another_familys_cached_entity(cached_stack: StackHandle) -> None:
    family_a, _ = await register(cached_stack, "Anya", "+7 912 000-01-03")
    family_b, _ = await register(cached_stack, "Boris", "+7 912 000-01-04")
    await cached_stack.drain()
    await pay(cached_stack.client(ADMIN), family_a, "100")
    a, b = guardian(family_a, "g-a"), guardian(family_b, "g-b")
    mine = await read_cached(cached_stack, a, family_a)
    assert mine["account"]["balance"]["amount"] == "100.00"
    # The same query and variables from the other family's guardian: the subgraphs refuse, nothing cached leaks.
    for _ in range(2):
        got = await cached_stack.client(b).execute(CABINET, {"id": family_a})
        assert got["data"]["family"] is None or got.get("errors"), got
        assert "100.00" not in str(got)
    # Staff with rights see it through their own entries (and an admin of another branch does not).
    assert (await read_cached(cached_stack, ADMIN, family_a))["account"]["balance"]["amount"] == "100.00"
    stranger = Principal(user_id="admin-9", role=Role.BRANCH_ADMIN, branch_ids=frozenset({str(uuid.uuid4())}))
    got = await cached_stack.client(stranger).execute(CABINET, {"id": family_a})
    assert "100.00" not in str(got), got


async def test_a_mutation_is_visible_in_the_next_read_at_once(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Dasha", "+7 912 000-01-05")
    await cached_stack.drain()
    parent = guardian(family)
    assert (await read_cached(cached_stack, parent, family))["account"]["balance"]["amount"] == "0.00"
    # The branch admin records a payment through the gateway; the guardian reads at once (no waiting for events).
    await pay(cached_stack.client(ADMIN), family, "250")
    assert (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "250.00"


WITH_BRANCH = """query WithBranch($id: ID!) {
  family(id: $id) { id students { id firstName branchId } account { balance { amount } } } }"""
# With learning's answers too (what a mark changes).
WITH_HOMEWORK = """query WithHomework($id: ID!) {
  family(id: $id) { id students { id firstName branchId homework { lessonId } } } }"""
REPORT = """query Report($b: ID!) { branchBillingReport(branchId: $b, since: "2020-01-01T00:00:00+00:00",
  until: "2100-01-01T00:00:00+00:00") { payments { amount } } }"""


async def served_from_cache(stack: StackHandle, who: Principal, query: str, variables: dict[str, Any]) -> bool:
    """Read once; True when no subgraph was asked (every lookup a hit)."""
    misses = lookups("miss")
    got = await stack.client(who).execute(query, variables)
    assert got["_status"] == 200 and "errors" not in got, got
    return lookups("miss") == misses


async def cache_it(stack: StackHandle, who: Principal, query: str, variables: dict[str, Any]) -> None:
    for _ in range(50):
        if await served_from_cache(stack, who, query, variables):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("no read was served from the cache")


async def publish(stack: StackHandle, messaging: MessagingSettings, envelope: Envelope) -> None:
    """Publish on the stack's exchange and wait until the gateway's cache has applied it (this one: the
    services' own events, such as their events.applied, may come in between)."""
    cache = cache_of(stack)
    feed = stack.stack.gateway.state.gateway.feed
    applied = asyncio.Event()

    async def watching(seen: Envelope, handle: Any = cache.handle_event) -> None:
        await handle(seen)
        if seen.id == envelope.id:
            applied.set()

    consumers = feed._consumers
    feed._consumers = [(b, watching if h == cache.handle_event else h) for b, h in consumers]
    connection = await aio_pika.connect(messaging.amqp_url or "")
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(Topology.from_settings(messaging).exchange,
                                                  aio_pika.ExchangeType.TOPIC, durable=True)
        await exchange.publish(aio_pika.Message(envelope.to_json(), message_id=envelope.id),
                               routing_key=envelope.routing_key)
        async with asyncio.timeout(10):
            await applied.wait()
    finally:
        feed._consumers = consumers
        await connection.close()


async def test_an_event_drops_what_it_changes_not_the_branch_it_happened_in(
        cached_stack: StackHandle, messaging: MessagingSettings) -> None:
    """A mark names its branch as where: the marked student's family reads afresh, another family of the
    branch (whose answers show the branch too) keeps its entries. An envelope without `changed_ids` (from
    before) still drops everything it names."""
    marked = next(e.contract for e in collect().entries if e.routing_key == "learning.attendance.marked.v1")
    family_a, student_a = await register(cached_stack, "Alla", "+7 912 000-02-01")
    family_b, _ = await register(cached_stack, "Bella", "+7 912 000-02-02")
    await cached_stack.drain()
    a, b = guardian(family_a, "g-a"), guardian(family_b, "g-b")

    def mark() -> Envelope:
        payload = marked(lesson_id=str(uuid.uuid4()), branch_id=B1, student_id=student_a, family_id=family_a,
                         status="present", lesson_type="group", revision=1, marked_at=datetime.now(UTC)).to_payload()
        return Envelope(type=marked.event_type, version=1, producer="learning", payload=payload,
                        changed_ids=tuple(marked.changed_ids(payload)))  # as the unit of work builds it

    for who, family in ((a, family_a), (b, family_b)):
        await cache_it(cached_stack, who, WITH_HOMEWORK, {"id": family})
    await publish(cached_stack, messaging, mark())
    assert await served_from_cache(cached_stack, b, WITH_HOMEWORK, {"id": family_b})
    assert not await served_from_cache(cached_stack, a, WITH_HOMEWORK, {"id": family_a})

    # The same event as published before context fields: every id it names is dropped, the branch too - in the
    # subgraph a mark changes (learning; billing and scheduling announce what they make of it with their own
    # events). Identity's answers that show the branch (family B's students) stay: identity does not consume marks.
    await cache_it(cached_stack, b, WITH_BRANCH, {"id": family_b})
    old = dataclasses.replace(mark(), changed_ids=None)
    drops = in_subgraphs(event_tags(old), changed_by(old))
    assert f"learning|{B1}" in drops
    assert not {f"{s}|{B1}" for s in ("identity", "billing", "scheduling")} & drops
    # (Family B's whole answers read with homework carry learning's tags too: those go.)
    shown = [k for k, tags in backend_tags(cache_of(cached_stack)).items()
             if {f"identity|{B1}", f"identity|{family_b}"} <= tags
             and not any(t.split("|")[0] in changed_by(old) for t in tags)]
    assert shown
    await publish(cached_stack, messaging, old)
    assert set(shown) <= set(backend_tags(cache_of(cached_stack)))
    assert not [k for k, tags in backend_tags(cache_of(cached_stack)).items()
                if any(t in tags for t in drops)]


HOMEWORK = """query Homework($s: ID!) { student(id: $s) { id homework { lessonId text } } }"""


async def test_homework_drops_the_lists_of_its_lessons_students_only(
        cached_stack: StackHandle, messaging: MessagingSettings) -> None:
    """Homework names the lesson's students: another child's homework list stays cached; an event from before
    `student_ids` (it names no student) still drops every homework list."""
    family_a, student_a = await register(cached_stack, "Ira", "+7 912 000-02-05")
    family_b, student_b = await register(cached_stack, "Kira", "+7 912 000-02-06")
    await cached_stack.drain()
    a, b = guardian(family_a, "g-a"), guardian(family_b, "g-b")
    assigned = next(e.contract for e in collect().entries if e.routing_key == "learning.homework.assigned.v1")

    def homework(**extra: Any) -> Envelope:
        payload = {"lesson_id": str(uuid.uuid4()), "group_id": str(uuid.uuid4()), "text": "Ex. 1",
                   "due_lesson_id": None, **extra}
        return Envelope(type=assigned.event_type, version=1, producer="learning", payload=payload,
                        changed_ids=tuple(assigned.changed_ids(payload)))

    for who, student in ((a, student_a), (b, student_b)):
        await cache_it(cached_stack, who, HOMEWORK, {"s": student})
    await publish(cached_stack, messaging, homework(student_ids=[student_a]))
    assert await served_from_cache(cached_stack, b, HOMEWORK, {"s": student_b})
    assert not await served_from_cache(cached_stack, a, HOMEWORK, {"s": student_a})

    await cache_it(cached_stack, b, HOMEWORK, {"s": student_b})
    await publish(cached_stack, messaging, homework())
    assert not await served_from_cache(cached_stack, b, HOMEWORK, {"s": student_b})
    # A field is dropped by its name, whatever the client's alias for it.
    aliased = HOMEWORK.replace("homework {", "hw: homework {")
    await cache_it(cached_stack, b, aliased, {"s": student_b})
    await publish(cached_stack, messaging, homework())
    assert not await served_from_cache(cached_stack, b, aliased, {"s": student_b})


BOOKINGS = """query Bookings($s: ID!) { student(id: $s) { id bookings { id lesson { id cancellableUntil } } } }"""


async def test_a_booking_policy_drops_every_cancellable_until(
        cached_stack: StackHandle, messaging: MessagingSettings) -> None:
    """A branch's new cancellation rule changes `cancellableUntil` on lessons in answers that name no branch (a
    booking's lesson): its event drops the field wherever it is nested; answers without it stay cached, even
    those that show the branch (the branch is the event's context)."""
    family_a, student_a = await register(cached_stack, "Lida", "+7 912 000-02-07")
    family_b, student_b = await register(cached_stack, "Mila", "+7 912 000-02-08")
    await cached_stack.drain()
    a, b = guardian(family_a, "g-a"), guardian(family_b, "g-b")
    policy = next(e.contract for e in collect().entries if e.routing_key == "scheduling.booking_policy.set.v1")
    payload = policy(branch_id=B1, notice_hours=48, late_cancellation="charge").to_payload()
    envelope = Envelope(type=policy.event_type, version=1, producer="scheduling", payload=payload,
                        changed_ids=tuple(policy.changed_ids(payload)))
    await cache_it(cached_stack, a, BOOKINGS, {"s": student_a})
    await cache_it(cached_stack, b, HOMEWORK, {"s": student_b})
    await publish(cached_stack, messaging, envelope)
    assert not await served_from_cache(cached_stack, a, BOOKINGS, {"s": student_a})
    assert await served_from_cache(cached_stack, b, HOMEWORK, {"s": student_b})


async def test_a_payment_by_a_branch_admin_keeps_the_other_families_of_the_branch(cached_stack: StackHandle) -> None:
    """The admin names their branch as where they act: the paying family's guardian sees the payment at once,
    another family of the branch keeps its entries, and answers keyed by the branch (another admin's report
    of it) are dropped at once too."""
    family_a, _ = await register(cached_stack, "Galya", "+7 912 000-02-03")
    family_b, _ = await register(cached_stack, "Dina", "+7 912 000-02-04")
    await cached_stack.drain()
    a, b = guardian(family_a, "g-a"), guardian(family_b, "g-b")
    colleague = Principal(user_id="admin-3", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))
    for who, family in ((a, family_a), (b, family_b)):
        await cache_it(cached_stack, who, WITH_BRANCH, {"id": family})
    await cache_it(cached_stack, colleague, REPORT, {"b": B1})
    report = await cached_stack.client(colleague).execute(REPORT, {"b": B1})
    before = report["data"]["branchBillingReport"]["payments"]["amount"]

    await pay(cached_stack.client(ADMIN), family_a, "150", branch_id=B1)
    got = await cached_stack.client(a).execute(WITH_BRANCH, {"id": family_a})
    assert got["data"]["family"]["account"]["balance"]["amount"] == "150.00"
    report = await cached_stack.client(colleague).execute(REPORT, {"b": B1})
    assert Decimal(report["data"]["branchBillingReport"]["payments"]["amount"]) == Decimal(before) + 150
    await cached_stack.drain()  # the payment's events (they name family A) applied too
    assert await served_from_cache(cached_stack, b, WITH_BRANCH, {"id": family_b})

    # A payment made at billing itself (no mutation through this gateway): its events refresh the report.
    await cache_it(cached_stack, colleague, REPORT, {"b": B1})
    await pay(cached_stack.service_client("billing", ADMIN), family_b, "70", branch_id=B1)

    async def reported() -> bool:
        got = await cached_stack.client(colleague).execute(REPORT, {"b": B1})
        return Decimal(got["data"]["branchBillingReport"]["payments"]["amount"]) == Decimal(before) + 220

    await until_fresh(reported, timeout_s=10)


async def test_a_lost_invalidation_is_stale_at_most_the_maximum_age(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Egor", "+7 912 000-01-06")
    await cached_stack.drain()
    parent = guardian(family)
    cache = cache_of(cached_stack)
    cache.max_age_s = 2.0
    await read_cached(cached_stack, parent, family)

    async def lost(envelope: Envelope) -> None:  # every invalidation lost, the feed itself healthy
        return None

    handle_event = cache.handle_event
    feed = cached_stack.stack.gateway.state.gateway.feed
    feed._consumers = [(b, lost if h == handle_event else h) for b, h in feed._consumers]
    stored = time.monotonic()
    await pay(cached_stack.service_client("billing", ADMIN), family, "300")
    await cached_stack.drain()
    # Served from the cache: stale, since the event was lost ...
    misses = lookups("miss")
    stale = await read(cached_stack, parent, family)
    if lookups("miss") == misses:
        assert stale["account"]["balance"]["amount"] == "0.00"

    async def paid() -> bool:
        return (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "300.00"

    # ... but never past the maximum age.
    await until_fresh(paid, timeout_s=10)
    assert time.monotonic() - stored <= 2.0 + 1.0


async def test_a_stopped_feed_bypasses_the_cache(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Fedya", "+7 912 000-01-07")
    await cached_stack.drain()
    parent = guardian(family)
    await read_cached(cached_stack, parent, family)
    feed = gateway_feed(cached_stack)
    feed.ready.clear()  # what the supervisor does when the queue or the broker is lost
    try:
        await pay(cached_stack.service_client("billing", ADMIN), family, "400")
        await cached_stack.drain()
        # The event may or may not have arrived; the read does not depend on it.
        bypassed = lookups("bypassed")
        assert (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "400.00"
        assert lookups("bypassed") > bypassed
    finally:
        feed.ready.set()
    # Back: emptied (events were missed while down), then caching again.
    assert (await read_cached(cached_stack, parent, family))["account"]["balance"]["amount"] == "400.00"


@pytest.fixture
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    host, port = os.environ.get("KABINET_TEST_REDIS", "127.0.0.1:6379").rsplit(":", 1)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 3)
        writer.close()
    except (OSError, TimeoutError):
        pytest.fail(f"Redis is not answering on {host}:{port}: start it (redis-server) or set KABINET_TEST_REDIS")
    async with TcpProxy(host, int(port)) as proxy:
        yield proxy


@pytest.fixture
async def redis_stack(database_factory: Callable[[str], Awaitable[str]], messaging: MessagingSettings,
                      tmp_path: Path, redis_proxy: TcpProxy) -> AsyncIterator[StackHandle]:
    settings = GatewaySettings(
        compose_timeout_s=60, cache="redis", cache_url=f"redis://127.0.0.1:{redis_proxy.port}/0",
        cache_prefix=f"kt-gwcache-{uuid.uuid4().hex[:8]}:", cache_max_age_s=30)
    async for handle in cached_run(tmp_path, database_factory, messaging, settings):
        backend = cache_of(handle).backend
        assert isinstance(backend, RedisBackend)
        backend.retry_after_s = 0.5
        try:
            yield handle
        finally:
            await backend.client.delete(*[k async for k in backend.client.scan_iter(f"{backend.prefix}*")] or ["-"])


async def test_redis_down_only_slows_requests(redis_stack: StackHandle, redis_proxy: TcpProxy) -> None:
    family, _ = await register(redis_stack, "Gleb", "+7 912 000-01-08")
    await redis_stack.drain()
    parent = guardian(family)
    await read_cached(redis_stack, parent, family)

    await redis_proxy.down()
    await redis_proxy.cut()
    started = time.monotonic()
    for _ in range(5):
        assert (await read(redis_stack, parent, family))["account"]["balance"]["amount"] == "0.00"
    # A payment through the gateway while Redis is away: its drop is kept for when Redis is back.
    await pay(redis_stack.client(ADMIN), family, "600")
    assert (await read(redis_stack, parent, family))["account"]["balance"]["amount"] == "600.00"
    assert time.monotonic() - started < 10
    backend = typing.cast(RedisBackend, cache_of(redis_stack).backend)
    assert backend.failures >= 1

    await redis_proxy.up()
    await asyncio.sleep(0.6)
    # The entry stored before the outage shows the old balance: it must not come back.
    assert (await read(redis_stack, parent, family))["account"]["balance"]["amount"] == "600.00"
    assert (await read_cached(redis_stack, parent, family))["account"]["balance"]["amount"] == "600.00"


async def test_in_redis_a_drop_during_a_store_is_not_undone(redis_proxy: TcpProxy) -> None:
    """A read's store checked its tags, then a mutation dropped one while the write was on its way (a new
    connection being opened, as under load): the pre-mutation answer must not stay in Redis until max age."""
    url, prefix = f"redis://127.0.0.1:{redis_proxy.port}/0", f"kt-gwcache-{uuid.uuid4().hex[:8]}:"
    stale: list[str] = []
    try:
        for round_ in range(5):
            backend = RedisBackend(url, prefix=prefix, timeout_s=5)  # an empty pool: each call connects
            cache = EntityCache(backend, max_age_s=30)
            calls: list[Awaitable[Any]] = []
            keys = [f"{round_}-{i}" for i in range(20)]
            for key in keys:
                # Both in flight at once: the store is checked first, the drop comes right after.
                calls.append(cache.store(cache.begin(), [Pending(key, b'"old balance"', frozenset({key}))]))
                calls.append(cache.invalidate({key}, "mutation"))
            await asyncio.gather(*calls)
            stale += [k for k, v in zip(keys, await backend.get_many(keys), strict=True) if v is not None]
            await backend.aclose()
    finally:
        backend = RedisBackend(url, prefix=prefix)
        await backend.client.delete(*[k async for k in backend.client.scan_iter(f"{prefix}*")] or ["-"])
        await backend.aclose()
    assert stale == []


async def test_in_redis_a_drop_queued_while_queued_drops_are_sent_is_not_lost(redis_proxy: TcpProxy) -> None:
    """Redis flapping: while the drops queued during an outage are being sent, another call fails and queues one
    more. It must be sent too, not cleared with the ones that were (the entry would stay until max age)."""
    url, prefix = f"redis://127.0.0.1:{redis_proxy.port}/0", f"kt-gwcache-{uuid.uuid4().hex[:8]}:"
    backend = RedisBackend(url, prefix=prefix, timeout_s=0.5, retry_after_s=0.1)
    try:
        await backend.put_many([("balance", b'"old balance"', frozenset({"family-b"}))], 30)
        await redis_proxy.down()
        await redis_proxy.cut()
        await backend.invalidate({"family-a"})  # queued: Redis is down
        assert backend.failures >= 1
        await redis_proxy.up()
        await asyncio.sleep(0.15)
        sending = backend._drop

        async def flapping(**kwargs: Any) -> Any:
            backend._drop = sending
            backend._failed(OSError("another call timed out"))  # Redis counted down again meanwhile...
            await backend.invalidate({"family-b"})  # ...so this drop is queued, not sent
            return await sending(**kwargs)

        backend._drop = flapping
        assert await backend.get_many(["balance"]) == [None]
    finally:
        await backend.client.delete(*[k async for k in backend.client.scan_iter(f"{prefix}*")] or ["-"])
        await backend.aclose()


def test_what_events_and_mutations_drop() -> None:
    branch, lesson, student, family, other = (str(uuid.uuid4()) for _ in range(5))
    payload = {"lesson_id": lesson, "branch_id": branch, "student_id": student, "family_id": family}
    marked = Envelope(type="learning.attendance.marked", version=1, producer="learning", payload=payload,
                      changed_ids=(family, lesson, student))
    assert event_tags(marked) == {family, lesson, student, f"a:{branch}"}
    assert event_tags(dataclasses.replace(marked, changed_ids=None)) == {family, lesson, student, branch}

    homework = Envelope(type="learning.homework.assigned", version=1, producer="learning",
                        payload={"lesson_id": lesson, "student_ids": [student]}, changed_ids=(lesson, student))
    assert event_tags(homework) == {lesson, student}
    assert "f:homework" in event_tags(dataclasses.replace(homework, payload={"lesson_id": lesson}))
    moved = Envelope(type="scheduling.lesson.rescheduled", version=1, producer="scheduling",
                     payload={"lesson_id": lesson, "branch_id": branch})
    assert event_tags(moved) == {lesson, branch, "f:lessons"}
    policy = Envelope(type="scheduling.booking_policy.set", version=1, producer="scheduling",
                      payload={"branch_id": branch, "notice_hours": 24}, changed_ids=())
    assert event_tags(policy) == {f"a:{branch}", "f:cancellableUntil"}

    admin = scope_for(Principal(user_id="a-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch})))
    variables = {"input": {"familyId": family, "branchId": branch}}
    assert mutation_tags(admin, variables, {"pay": {"id": other}}) == {
        *admin.tags, family, other, f"a:{branch}"}
    # The answer shows the branch (a change to it): dropped; another branch than the caller's: dropped.
    assert branch in mutation_tags(admin, variables, {"branch": {"id": branch}})
    assert other in mutation_tags(admin, {"branchId": other}, {})
    assert mutation_tags(None, variables, {}) == {family, branch}

    # Per subgraph: a service's answer carries its name on its tags; a drop in billing leaves the lessons.
    assert subgraph_tags("billing", {family}) == {f"billing|{family}"}
    assert subgraph_tags("reviews", {family}) == {family}  # not a service: plain, dropped by everything
    assert in_subgraphs({family}, ["billing", "reviews"]) == {family, f"billing|{family}"}
    # A mark: learning's answers; billing and scheduling announce what they make of it with their own events.
    assert f"learning|{student}" in in_subgraphs(event_tags(marked), changed_by(marked))
    assert not {f"{s}|{student}" for s in ("identity", "billing", "scheduling")} & in_subgraphs(
        event_tags(marked), changed_by(marked))


async def test_a_drop_in_one_subgraph_keeps_the_others_answers() -> None:
    cache = EntityCache(MemoryBackend(), max_age_s=5)
    family, lesson = str(uuid.uuid4()), str(uuid.uuid4())
    started = cache.begin()
    await cache.store(started, [
        Pending("balance", b"1", subgraph_tags("billing", {family})),
        Pending("lessons", b"2", subgraph_tags("scheduling", {family, lesson})),
        Pending("whole", b"3", subgraph_tags("billing", {family}) | subgraph_tags("scheduling", {family, lesson})),
    ])
    paid = Envelope(type="billing.payment.received", version=1, producer="billing",
                    payload={"payment_id": str(uuid.uuid4()), "family_id": family})
    await cache.handle_event(paid)
    assert await cache.lookup(["balance", "lessons", "whole"]) == [None, 2, None]
    # An answer fetched before the drop of its billing tag is not stored; a scheduling one is.
    await cache.store(started, [Pending("balance", b"1", subgraph_tags("billing", {family})),
                                Pending("lessons2", b"4", subgraph_tags("scheduling", {family}))])
    assert await cache.lookup(["balance", "lessons2"]) == [None, 4]
    moved = Envelope(type="scheduling.lesson.cancelled", version=1, producer="scheduling",
                     payload={"lesson_id": lesson, "family_id": family})
    await cache.handle_event(moved)
    assert await cache.lookup(["lessons"]) == [None]


async def test_each_consumer_announces_what_it_applied_after_its_commit(cached_stack: StackHandle) -> None:
    """A student registered at identity: billing, learning and scheduling apply it to their own tables, then each
    publishes `<service>.events.applied` naming the student - through its outbox, RabbitMQ and the gateway's feed."""
    cache = cache_of(cached_stack)
    seen: list[Envelope] = []
    feed = cached_stack.stack.gateway.state.gateway.feed

    async def recording(envelope: Envelope, handle: Any = cache.handle_event) -> None:
        seen.append(envelope)
        await handle(envelope)

    feed._consumers = [(b, recording if h == cache.handle_event else h) for b, h in feed._consumers]
    _, student = await register(cached_stack, "Lena", "+7 912 000-01-11")
    await cached_stack.drain()

    def applied_by() -> set[str]:
        return {e.producer for e in seen if e.type == f"{e.producer}.events.applied"
                and any(student in g["changed"] for g in e.payload["applied"])}

    async with asyncio.timeout(10):
        while applied_by() != {"billing", "learning", "scheduling"}:
            await asyncio.sleep(0.05)


async def test_a_consumers_applied_events_drop_again_in_its_answers_only() -> None:
    """The race a consumer's `<service>.events.applied` closes: an event drops the consumer's answers when it is
    published, a read before the consumer applied it stores the answer from before; the consumer's announcement,
    published with its commit, drops the same tags again - in its own answers only."""
    cache = EntityCache(MemoryBackend(), max_age_s=30)
    student, lesson, family, branch = (str(uuid.uuid4()) for _ in range(4))
    marked = Envelope(type="scheduling.participant.added", version=1, producer="scheduling", payload={
        "lesson_id": lesson, "branch_id": branch, "student_id": student, "family_id": family})
    homework = Envelope(type="learning.homework.assigned", version=1, producer="learning",
                        payload={"lesson_id": lesson}, changed_ids=(lesson,))
    await cache.handle_event(marked)  # published: learning's answers dropped before learning applied it
    started = cache.begin()
    await cache.store(started, [Pending("homework", b"1", subgraph_tags("learning", {student})),
                                Pending("lessons", b"2", subgraph_tags("scheduling", {student})),
                                Pending("list", b"3", subgraph_tags("learning", {"f:homework"}))])
    assert await cache.lookup(["homework", "lessons", "list"]) == [1, 2, 3]  # a read in between kept the old one

    applied = EventsApplied.of([marked, homework])
    await cache.handle_event(Envelope(type="learning.events.applied", version=1, producer="learning",
                                      payload=applied.to_payload()))
    assert await cache.lookup(["homework", "lessons", "list"]) == [None, 2, None]
    # Exactly what the events dropped when published, in learning's answers.
    assert in_subgraphs(applied_tags(Envelope(type="learning.events.applied", version=1, producer="learning",
                                              payload=applied.to_payload())), ["learning"]) == (
        in_subgraphs(event_tags(marked) | event_tags(homework), ["learning"]))


async def test_memory_backend_tags_and_age() -> None:
    now = [0.0]
    backend = MemoryBackend(max_entries=2, clock=lambda: now[0])
    cache = EntityCache(backend, max_age_s=5)
    started = cache.begin()
    await cache.store(started, [Pending("a", b"1", frozenset({"t1"})), Pending("b", b"2", frozenset({"t2"}))])
    assert await cache.lookup(["a", "b"]) == [1, 2]
    await cache.invalidate({"t1"}, "test")
    assert await cache.lookup(["a", "b"]) == [None, 2]
    # An answer fetched before a drop of one of its tags is not stored.
    await cache.store(started, [Pending("c", b"3", frozenset({"t1"}))])
    assert await cache.lookup(["c"]) == [None]
    now[0] = 6.0
    assert await cache.lookup(["b"]) == [None]
    # Bounded: the oldest goes first.
    s = cache.begin()
    await cache.store(s, [Pending(k, b"0", frozenset({k})) for k in "xyz"])
    assert len(backend) == 2
    # A homework event names a lesson and a group: the cached homework lists go.
    await cache.store(s, [Pending("hw", b"0", frozenset({"f:homework"}))])
    envelope = Envelope(type="learning.homework.assigned", version=1, producer="learning",
                        payload={"lesson_id": str(uuid.uuid4()), "group_id": None})
    await cache.handle_event(envelope)
    assert await cache.lookup(["hw"]) == [None]


async def test_embedded_mode_caches_and_its_bus_keeps_the_cache_true(tmp_path: Path) -> None:
    """The embedded stack (SQLite, the in-process bus), as `make run` starts it with the cache on."""
    key = SigningKey.generate()
    stack = Stack(tmp_path, messaging=MessagingSettings(amqp_url=None), identity_private_key_pem=key.to_pem(),
                  dev_mailbox=True, gateway_settings=GatewaySettings(compose_timeout_s=60, cache="memory"))
    async for handle in _run(stack, key, "embedded", migrate=False):
        family, student = await register(handle, "Ilya", "+7 912 000-01-09")
        await handle.drain()
        parent = guardian(family)
        await read_cached(handle, parent, family)
        await pay(handle.client(ADMIN), family, "150")  # through the gateway: at once
        assert (await read(handle, parent, family))["account"]["balance"]["amount"] == "150.00"
        await read_cached(handle, parent, family)
        renamed = await handle.service_client("identity", ADMIN).execute(
            RENAME, {"input": {"studentId": student, "firstName": "Ilyusha"}})
        assert renamed["data"]["updateStudent"]["errors"] == [], renamed
        await handle.drain()

        async def new_name(handle: StackHandle = handle, parent: Principal = parent, family: str = family) -> bool:
            return (await read(handle, parent, family))["students"][0]["firstName"] == "Ilyusha"

        await until_fresh(new_name, timeout_s=10)
