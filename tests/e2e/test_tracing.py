"""One trace from a mutation at the gateway to the charge it causes in billing (OpenTelemetry, in memory).

The month is published through the gateway with a W3C ``traceparent`` of the test's own; every span of that
trace is then followed: the gateway's request and its call to scheduling, scheduling's request and SQL, the
outbox relay's publish of ``lesson.scheduled``, and billing's handling of it down to the INSERT of the charge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id
from sqlalchemy import select

from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient, eventually
from kabinet.testing.tracing import spans_in_memory
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-trace", role=Role.OWNER)
TRACE_ID = uuid.uuid4().hex
TRACEPARENT = f"00-{TRACE_ID}-{uuid.uuid4().hex[:16]}-01"


@pytest.fixture(autouse=True)
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory, for this module's stacks (autouse: on before the stack is built)."""
    with spans_in_memory() as exporter:
        yield exporter


async def a_branch_with_a_group(stack: StackHandle) -> tuple[GraphQLClient, str]:
    owner = stack.client(OWNER)
    branch = (await owner.ok("""mutation($i: CreateBranchInput!) { createBranch(input: $i) {
        branch { id } errors { code } } }""", {"i": {"name": "Traced", "city": "Kazan",
                                                      "timeZone": "Europe/Moscow", "address": "Baumana 2"}})
              )["createBranch"]["branch"]["id"]
    ident = stack.runtime("identity")
    async with ident.unit_of_work() as uow:
        teacher = await org.create_staff(org.CreateStaff(
            StaffRole.TEACHER, f"t-{uuid.uuid4().hex[:6]}@trace.test", "Olga", "Teacher", (branch,),
            "teacher-password-1"), uow, OWNER)
    admin = stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch})))
    family = (await admin.ok("""mutation($i: RegisterClientInput!) { registerClient(input: $i) {
        family { id students { id } } errors { code } } }""", {"i": {
        "phone": "+79001112299", "firstName": "Anna", "lastName": "Petrova", "branchId": branch,
        "consentSigned": True, "students": [{"firstName": "Masha", "lastName": "Petrova",
                                             "birthDate": "2015-04-01"}]}}))["registerClient"]["family"]
    await stack.drain()
    group = (await admin.ok("""mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id }
        errors { code } } }""", {"i": {"branchId": branch, "name": "Starters", "teacherId": teacher.id,
                                        "capacity": 6, "price": "1000"}}))["createGroup"]["group"]["id"]
    await admin.ok("""mutation($i: AddRecurringLessonInput!) { addRecurringLesson(input: $i) {
        recurringLesson { id } errors { code } } }""", {"i": {
        "groupId": group, "rrule": "FREQ=WEEKLY;BYDAY=MO", "startTime": "17:00:00", "durationMinutes": 90,
        "validFrom": "2027-03-01"}})
    await admin.ok("""mutation($g: ID!, $s: ID!) { addGroupMember(groupId: $g, studentId: $s, from: "2027-03-01") {
        membership { id } errors { code } } }""", {"g": group, "s": family["students"][0]["id"]})
    await admin.ok('mutation($b: ID!) { generateMonth(branchId: $b, month: "2027-03") { created errors { code } } }',
             {"b": branch})
    return admin, branch


def _attr(span: ReadableSpan, key: str) -> Any:
    return (span.attributes or {}).get(key)


async def test_one_trace_from_the_gateway_mutation_to_the_charge_in_billing(
        spans: InMemorySpanExporter, real_stack: StackHandle) -> None:
    admin, branch = await a_branch_with_a_group(real_stack)

    published = await admin.ok("""mutation($b: ID!) { publishMonth(branchId: $b, month: "2027-03") {
        published errors { code } } }""", {"b": branch}, headers={"traceparent": TRACEPARENT})
    assert published["publishMonth"]["published"] > 0
    await real_stack.drain()

    def traced() -> list[ReadableSpan]:
        return [s for s in spans.get_finished_spans()
                if s.context is not None and format_trace_id(s.context.trace_id) == TRACE_ID]

    def chain_to_a_charge() -> list[ReadableSpan]:
        """The ancestors of billing's INSERT of a charge, nearest first, as far as they have ended."""
        trace = traced()
        by_id = {s.context.span_id: s for s in trace if s.context is not None}
        for span in trace:
            if not str(_attr(span, "db.query.text") or "").startswith("INSERT INTO lesson_charges"):
                continue
            chain, at = [], span
            while at.parent is not None and (up := by_id.get(at.parent.span_id)) is not None:
                chain.append(up)
                at = up
            return chain
        return []

    async def charged() -> bool:
        # Its consumer span ends after the commit, a moment after the INSERT: wait for the whole chain.
        chain = chain_to_a_charge()
        return bool(chain) and chain[-1].name == "POST /graphql" and _attr(chain[-1], "kabinet.service") == "gateway"

    await eventually(charged, timeout_s=30, message="billing's charge is not in the request's trace")
    trace = traced()
    # The charge's INSERT descends, span by span, from the gateway's request: nothing in between is lost.
    chain = chain_to_a_charge()
    names = [(s.name, _attr(s, "kabinet.service") or _attr(s, "kabinet.subgraph")) for s in chain]
    kinds = [s.kind for s in chain]
    assert names[-1] == ("POST /graphql", "gateway"), names
    assert ("subgraph scheduling", "scheduling") in names, names
    assert ("POST /graphql", "scheduling") in names, names
    assert ("publish scheduling.lesson.scheduled.v1", "scheduling") in names, names
    assert any(kind == SpanKind.CONSUMER and service == "billing" for (_, service), kind in zip(names, kinds,
                                                                                              strict=True)), names
    assert _attr(chain[-1], "graphql.operation.type") == "mutation"
    # The gateway's request continued the caller's trace (its parent is the test's span, not exported).
    assert chain[-1].parent is not None and format_trace_id(chain[-1].parent.trace_id) == TRACE_ID
    # Scheduling wrote the lessons in that request; the relay's batch span is linked, not a parent.
    assert any(_attr(s, "kabinet.service") == "scheduling" for s in trace if s.kind == SpanKind.PRODUCER)
    relay = [s for s in spans.get_finished_spans() if s.name == "outbox publish"
             and any(format_trace_id(link.context.trace_id) == TRACE_ID for link in s.links)]
    assert relay, "the relay's batch span links to the events it published"
    # No x-correlation-id was sent: the chain's correlation id is the trace id, in every event of it.
    scheduled = await envelopes(real_stack, "scheduling", "scheduling.lesson.scheduled")
    charged_events = await envelopes(real_stack, "billing", "billing.lesson.charged")
    assert scheduled and charged_events
    assert {e["correlation_id"] for e in scheduled + charged_events} == {TRACE_ID}
    assert all(e["traceparent"].split("-")[1] == TRACE_ID for e in scheduled + charged_events)


async def envelopes(stack: StackHandle, service: str, event_type: str) -> list[dict[str, Any]]:
    runtime = stack.runtime(service)
    outbox = runtime.spec.outbox
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(select(outbox.c.body))).all()
    return [body for r in rows if (body := json.loads(r.body))["type"] == event_type]
