"""The whole system once for this test package: the four services on real PostgreSQL + RabbitMQ and the
gateway in front (kabinet_stack's Stack); every test calls the gateway's /graphql. Tests isolate by fresh ids.

The projections scheduling keeps of identity's data are filled by publishing identity's events onto the
stack's exchange (the real consumer path: queue, inbox, handler), so a test can make a branch, teachers and
families in one step. Set SCHEDULING_TESTS_DIRECT=1 to call scheduling's own /graphql instead (debugging).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from kabinet.auth import Principal, Role, SigningKey
from kabinet.auth.tokens import KeySource
from kabinet.auth.tokens import jwks as jwks_of
from kabinet.bus.rabbit import RabbitTransport
from kabinet.events import Envelope
from kabinet.runtime import ServiceRuntime
from kabinet.testing.plugin import RUN_ID, delete_broker_names, messaging_for
from kabinet.testing.stack import GraphQLClient, eventually, running, token_for
from scheduling.adapters.tables import outbox, staff, students
from scheduling.bootstrap import build_runtime, create_app
from scheduling.settings import SchedulingSettings

_n = itertools.count(1)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Env:
    runtime: ServiceRuntime
    client: GraphQLClient  # the gateway (or scheduling itself with SCHEDULING_TESTS_DIRECT=1)
    service: GraphQLClient  # scheduling's own app: /calendar feeds, _entities
    key: SigningKey
    identity: RabbitTransport
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, principal: Principal) -> str:
        return token_for(self.key, principal)

    def as_(self, principal: Principal) -> GraphQLClient:
        return self.client.as_(self.token(principal))

    async def gql(self, principal: Principal | None, query: str, variables: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
        client = self.client.as_(self.token(principal) if principal else None)
        return await client.execute(query, variables)

    async def gql_service(self, principal: Principal | None, query: str, variables: dict[str, Any] | None = None
                          ) -> dict[str, Any]:
        """Scheduling's own /graphql: for entity references (``_entities``) the gateway does not expose."""
        return await self.service.as_(self.token(principal) if principal else None).execute(query, variables)

    async def identity_event(self, etype: str, payload: dict[str, Any]) -> None:
        await self.identity.publish(Envelope(type=etype, version=1, producer="identity", payload=payload))

    async def outbox_events(self, routing_key: str) -> list[dict[str, Any]]:
        async with self.runtime.sessionmaker() as s:
            rows = (await s.execute(select(outbox.c.body).where(outbox.c.routing_key == routing_key)
                                    .order_by(outbox.c.seq))).all()
        return [json.loads(r.body) for r in rows]


@dataclass
class World:
    """A branch with a teacher, an admin, and families; ids are fresh so tests never see each other's data."""

    env: Env
    branch_id: str
    time_zone: str
    teachers: list[str]
    families: dict[str, list[str]]  # family id -> student ids

    @property
    def admin(self) -> Principal:
        return Principal(user_id=f"adm-{self.branch_id}", role=Role.BRANCH_ADMIN,
                         branch_ids=frozenset({self.branch_id}))

    def teacher(self, i: int = 0) -> Principal:
        return Principal(user_id=f"t-{self.teachers[i]}", role=Role.TEACHER, staff_id=self.teachers[i],
                         branch_ids=frozenset({self.branch_id}))

    def guardian(self, family_id: str) -> Principal:
        return Principal(user_id=f"g-{family_id}", role=Role.GUARDIAN, family_id=family_id,
                         student_ids=frozenset(self.families[family_id]))

    @property
    def family_ids(self) -> list[str]:
        return list(self.families)

    def students(self, family_index: int) -> list[str]:
        return self.families[self.family_ids[family_index]]

    def family_of(self, student_id: str) -> str:
        return next(f for f, ss in self.families.items() if student_id in ss)


OWNER = Principal(user_id="owner", role=Role.OWNER)


@pytest.fixture(scope="session")
async def env(database_factory: Callable[[str], Awaitable[str]], amqp_url: str, tmp_path_factory: Any
              ) -> AsyncIterator[Env]:
    ns = f"kt-{RUN_ID}-sched-{uuid.uuid4().hex[:6]}"
    messaging = messaging_for(amqp_url, ns)
    key = SigningKey.generate()
    identity = RabbitTransport(messaging)
    if os.environ.get("SCHEDULING_TESTS_DIRECT"):
        settings = SchedulingSettings(database_url=await database_factory("scheduling"), messaging=messaging,
                                      outbox_poll_interval_s=0.1, public_url="https://kabinet.test")
        runtime = build_runtime(settings, key_source=KeySource(static=jwks_of([key])))
        async with running(runtime):
            await identity.connect()
            client = GraphQLClient(create_app(runtime=runtime, manage_runtime=False))
            yield Env(runtime, client, client, key, identity)
            await client.aclose()
            await identity.close()
    else:
        from kabinet_stack.embedded import Stack
        from kabinet_stack.services import SERVICE_NAMES

        urls = {name: await database_factory(name) for name in SERVICE_NAMES}
        stack = Stack(tmp_path_factory.mktemp("stack"), database_urls=urls, messaging=messaging,
                      identity_private_key_pem=key.to_pem())
        runtime = stack.runtimes["scheduling"]
        runtime.settings.public_url = "https://kabinet.test"
        for r in stack.runtimes.values():
            await r.migrate()
        async with stack.running():
            await identity.connect()
            client, service = GraphQLClient(stack.app), GraphQLClient(stack.apps["scheduling"])
            yield Env(runtime, client, service, key, identity)
            await client.aclose()
            await service.aclose()
            await identity.close()
    await delete_broker_names(amqp_url, ns)


async def make_world(env: Env, time_zone: str = "Europe/Moscow", teachers: int = 1,
                     families: tuple[int, ...] = (1,)) -> World:
    branch_id = new_id()
    await env.identity_event("identity.branch.created", {"branch_id": branch_id, "name": f"Branch {next(_n)}",
                                                         "city": "Test", "time_zone": time_zone, "address": "-"})
    teacher_ids = [new_id() for _ in range(teachers)]
    for tid in teacher_ids:
        await env.identity_event("identity.staff.created", {"staff_id": tid, "role": "teacher",
                                                            "branch_ids": [branch_id], "first_name": "T",
                                                            "last_name": tid[:4]})
    fams: dict[str, list[str]] = {}
    for size in families:
        fid = new_id()
        fams[fid] = [new_id() for _ in range(size)]
        for i, sid in enumerate(fams[fid]):
            await env.identity_event("identity.student.registered", {
                "student_id": sid, "family_id": fid, "first_name": f"Kid{i}", "last_name": "Test",
                "birth_date": "2015-01-01", "branch_id": branch_id})
    all_students = [s for ss in fams.values() for s in ss]

    async def projected() -> bool:
        async with env.runtime.sessionmaker() as s:
            n_st = len((await s.execute(select(students.c.id).where(students.c.id.in_(all_students)))).all())
            n_t = len((await s.execute(select(staff.c.id).where(staff.c.id.in_(teacher_ids)))).all())
        return n_st == len(all_students) and n_t == len(teacher_ids)

    await eventually(projected, timeout_s=20)
    world = World(env, branch_id, time_zone, teacher_ids, fams)

    async def branch_known() -> bool:
        from scheduling.adapters.repositories import ProjectionRepository

        async with env.runtime.sessionmaker() as s:
            return await ProjectionRepository(s).branch(branch_id) is not None

    await eventually(branch_known)
    return world


@pytest.fixture
async def world(env: Env) -> World:
    return await make_world(env, families=(2, 1, 1))


# -- GraphQL helpers ------------------------------------------------------------------------------
def ok(result: dict[str, Any], field_name: str) -> dict[str, Any]:
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"][field_name]
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == [], payload
    return payload


def user_error(result: dict[str, Any], field_name: str) -> str:
    assert "errors" not in result, result
    errors = result["data"][field_name]["errors"]
    assert errors, result
    return str(errors[0]["code"])


CREATE_GROUP = """mutation($input: CreateGroupInput!) { createGroup(input: $input) {
  group { id name capacity price { amount currency } } errors { field code message } } }"""
CREATE_ROOM = """mutation($b: ID!, $n: String!, $c: Int) { createRoom(branchId: $b, name: $n, capacity: $c) {
  room { id name } errors { field code message } } }"""
ADD_RULE = """mutation($input: AddRecurringLessonInput!) { addRecurringLesson(input: $input) {
  recurringLesson { id rrule } errors { field code message } } }"""
GENERATE = """mutation($b: ID!, $m: String!, $g: ID) { generateMonth(branchId: $b, month: $m, groupId: $g) {
  created existing errors { field code message } } }"""
PUBLISH = """mutation($b: ID!, $m: String!, $g: ID) { publishMonth(branchId: $b, month: $m, groupId: $g) {
  published participants errors { field code message } } }"""
ADD_MEMBER = """mutation($g: ID!, $s: ID!, $f: Date!, $t: Date, $m: Boolean! = false, $k: String) {
  addGroupMember(groupId: $g, studentId: $s, from: $f, to: $t, makeup: $m, idempotencyKey: $k) {
  membership { id groupId studentId startsOn endsOn reason } errors { field code message } } }"""
LESSONS = """query($f: LessonsFilter!, $first: Int! = 50, $after: String) {
  lessons(filter: $f, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id startsAt endsAt localDate lessonType status published groupId teacherId roomId placesLeft
                 price { amount } participants { studentId reason price { amount } } } } } }"""


async def create_room(env: Env, w: World, name: str = "Room", capacity: int | None = 12) -> str:
    r = await env.gql(w.admin, CREATE_ROOM, {"b": w.branch_id, "n": f"{name} {next(_n)}", "c": capacity})
    return str(ok(r, "createRoom")["room"]["id"])


async def create_group(env: Env, w: World, *, teacher: int = 0, room_id: str | None = None, capacity: int = 8,
                       price: str = "1000.00", name: str = "Group") -> str:
    r = await env.gql(w.admin, CREATE_GROUP, {"input": {
        "branchId": w.branch_id, "name": f"{name} {next(_n)}", "teacherId": w.teachers[teacher],
        "capacity": capacity, "price": price, "roomId": room_id}})
    return str(ok(r, "createGroup")["group"]["id"])


async def add_rule(env: Env, w: World, group_id: str | None, rrule: str, start: str, minutes: int,
                   valid_from: str, **extra: Any) -> str:
    r = await env.gql(w.admin, ADD_RULE, {"input": {"groupId": group_id, "rrule": rrule, "startTime": start,
                                                    "durationMinutes": minutes, "validFrom": valid_from, **extra}})
    return str(ok(r, "addRecurringLesson")["recurringLesson"]["id"])


async def lessons_of(env: Env, principal: Principal, **flt: Any) -> list[dict[str, Any]]:
    flt.setdefault("from", "2026-11-01T00:00:00Z")
    flt.setdefault("to", "2027-12-01T00:00:00Z")
    out: list[dict[str, Any]] = []
    after = None
    while True:
        r = await env.gql(principal, LESSONS, {"f": flt, "first": 200, "after": after})
        assert "errors" not in r, r
        page = r["data"]["lessons"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


# -- clash races (test_clash_races*.py) -----------------------------------------------------------
CLASH_CREATE_LESSON = """mutation($input: CreateLessonInput!) { createLesson(input: $input) {
  lesson { id } errors { field code } } }"""
CLASH_OPEN_SLOT = """mutation($input: OpenSlotInput!) { openSlot(input: $input) {
  slot { id } errors { field code } } }"""
OPEN_SLOTS_2027 = """query($b: ID!) {
  openSlots(branchId: $b, from: "2027-01-01T00:00:00Z", to: "2027-12-01T00:00:00Z") { id teacherId startsAt } }"""


GENERATE_REPORTING = """mutation($b: ID!, $m: String!) { generateMonth(branchId: $b, month: $m) {
  created conflicts { localDate code } errors { code } } }"""
RACED_MONTHS = (("2027-09", "2027-09-06"), ("2027-10", "2027-10-04"), ("2027-11", "2027-11-01"))  # their 1st Monday


async def generate_beside_a_lesson(env: Env, w: World, month: str, monday: str, lesson: dict[str, Any],
                                   code: str) -> None:
    """The branch's month generated while ``lesson`` is made over one occurrence (on ``monday``), at once: either
    the lesson is made and generation reports that occurrence (``code``), or generation makes it and the lesson is
    refused with ``code``."""
    generated, created = await asyncio.wait_for(asyncio.gather(
        env.gql(w.admin, GENERATE_REPORTING, {"b": w.branch_id, "m": month}),
        env.gql(w.admin, CLASH_CREATE_LESSON, {"input": lesson})), timeout=60)
    conflicts = [(c["localDate"], c["code"]) for c in ok(generated, "generateMonth")["conflicts"]]
    if outcome(created, "createLesson") == "ok":
        assert conflicts == [(monday, code)], generated
    else:
        assert outcome(created, "createLesson") == code and conflicts == [], (created, generated)


def outcome(result: dict[str, Any], field_name: str) -> str:
    """"ok", or the typed error's code (an untyped error fails the test: no internal errors to clients)."""
    assert "errors" not in result, result
    payload = result["data"][field_name]
    if payload["errors"]:
        return str(payload["errors"][0]["code"])
    return "ok"


def lesson_input(branch_id: str, teacher_id: str, hour: int, minute: int, room: str | None = None
                 ) -> dict[str, Any]:
    """An hour-long individual lesson (or slot) from 2027-04-05 00:00 UTC + ``hour`` h + ``minute`` min."""
    day, at = 5 + hour // 24, hour % 24
    return {"branchId": branch_id, "teacherId": teacher_id, "lessonType": "individual",
            "startsAt": f"2027-04-{day:02d}T{at:02d}:{minute:02d}:00Z",
            "endsAt": f"2027-04-{day:02d}T{at + 1:02d}:{minute:02d}:00Z", "price": "1500", "roomId": room}
