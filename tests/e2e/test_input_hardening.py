"""Input and exposure (issue #10, points 13-15): typed errors for times without an offset, text limits,
a request body ceiling, and the gateway's cost limit on by default — through the gateway, where a client
goes, and on the subgraphs, which defend themselves too."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.config import GatewaySettings
from gateway.console import EXAMPLE_OPERATIONS
from kabinet.auth import Principal, Role
from kabinet.testing.stack import gateway_headers
from kabinet_stack.testing import StackHandle

pytestmark = pytest.mark.e2e

OWNER = Principal(user_id="owner-hardening", role=Role.OWNER)

BRANCH = """mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id } errors { code } } }"""
REGISTER = """mutation($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id } errors { field code } } }"""
STUDENTS = """query($id: ID!) {
  branchFamilies(branchId: $id, first: 50) { edges { node { students { firstName } } } } }"""
JOURNAL = """query($group: ID!, $from: DateTime!, $to: DateTime!) {
  groupJournal(groupId: $group, from: $from, to: $to) { __typename } }"""
JOURNAL_LITERAL = """query($group: ID!) {
  groupJournal(groupId: $group, from: "2026-12-01T00:00:00", to: "2026-12-31T00:00:00Z") { __typename } }"""


def codes(result: dict) -> set[str]:
    return {(e.get("extensions") or {}).get("code") for e in result.get("errors") or []}


async def branch(stack: StackHandle) -> str:
    made = await stack.client(OWNER).execute(BRANCH, {"input": {
        "name": "Hardening", "city": "Moscow", "timeZone": "Europe/Moscow", "address": "Tverskaya 1"}})
    assert made["data"]["createBranch"]["errors"] == [], made
    return str(made["data"]["createBranch"]["branch"]["id"])


@pytest.mark.parametrize("surface", ["gateway", "learning"])
async def test_a_time_without_an_offset_is_bad_user_input(module_stack: StackHandle, surface: str) -> None:
    client = module_stack.client(OWNER) if surface == "gateway" else module_stack.service_client("learning", OWNER)
    naive = await client.execute(JOURNAL, {"group": "00000000-0000-0000-0000-000000000000",
                                           "from": "2026-12-01T00:00:00", "to": "2026-12-31T00:00:00"})
    assert codes(naive) == {"BAD_USER_INPUT"}, naive
    assert "offset" in naive["errors"][0]["message"]
    literal = await client.execute(JOURNAL_LITERAL, {"group": "00000000-0000-0000-0000-000000000000"})
    assert codes(literal) == {"BAD_USER_INPUT"}, literal


@pytest.mark.parametrize(("first_name", "field"), [
    ("A" * 101, "input.firstName"),
    ("Ma\u202esha", "input.firstName"),   # displays reversed: a name that lies about itself
    ("Ma\x07sha", "input.firstName"),
])
@pytest.mark.parametrize("surface", ["gateway", "identity"])
async def test_names_are_bounded_and_printable_and_nothing_is_created(
        module_stack: StackHandle, surface: str, first_name: str, field: str) -> None:
    branch_id = await branch(module_stack)
    client = module_stack.client(OWNER) if surface == "gateway" else module_stack.service_client("identity", OWNER)
    refused = await client.execute(REGISTER, {"input": {
        "guardianPhone": "+79005550101", "firstName": first_name, "lastName": "Ivanova",
        "birthDate": "2016-05-04", "branchId": branch_id}})
    assert codes(refused) == {"BAD_USER_INPUT"}, refused
    assert refused["errors"][0]["extensions"]["field"] == field
    listed = await module_stack.client(OWNER).execute(STUDENTS, {"id": branch_id})
    assert listed["data"]["branchFamilies"]["edges"] == [], listed


async def test_ordinary_cyrillic_names_pass(module_stack: StackHandle) -> None:
    branch_id = await branch(module_stack)
    ok = await module_stack.client(OWNER).execute(REGISTER, {"input": {
        "guardianPhone": "+79005550102", "firstName": "Маша", "lastName": "Иванова", "birthDate": "2016-05-04",
        "branchId": branch_id}})
    assert ok["data"]["registerStudent"]["errors"] == [], ok


@pytest.mark.parametrize("surface", ["gateway", "identity"])
async def test_a_body_over_the_limit_is_refused_before_it_is_read(module_stack: StackHandle, surface: str) -> None:
    app = module_stack.stack.gateway if surface == "gateway" else module_stack.stack.apps["identity"]
    huge = '{"query": "{ __typename }", "variables": {"x": "' + "a" * (1024 * 1024 + 10) + '"}}'
    # As the gateway calls a service: with its shared secret (none for the gateway app itself).
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=gateway_headers(app)) as client:
        refused = await client.post("/graphql", content=huge, headers={"content-type": "application/json"})
        assert refused.status_code == 413
        assert refused.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        fine = await client.post("/graphql", json={"query": "{ __typename }"})
        assert fine.status_code == 200


async def test_the_cost_limit_is_on_by_default_and_refuses_thirty_window_searches(module_stack: StackHandle) -> None:
    assert GatewaySettings().max_cost > 0
    now = dt.datetime.now(dt.UTC)
    fields = " ".join(
        f'a{i}: bookableLessons(branchId: "b", from: "{now.isoformat()}", '
        f'to: "{(now + dt.timedelta(days=365)).isoformat()}") {{ id startsAt }}' for i in range(30))
    refused = await module_stack.client(OWNER).execute(f"query {{ {fields} }}")
    assert codes(refused) == {"COST_LIMIT_EXCEEDED"}, refused
    assert "data" not in refused or refused["data"] is None


def test_every_saved_console_operation_fits_the_default_budget(module_stack: StackHandle) -> None:
    pipeline = module_stack.stack.gateway.state.gateway.pipeline
    assert pipeline is not None
    estimator = pipeline.cost
    budget = GatewaySettings().max_cost
    for example in EXAMPLE_OPERATIONS:
        document = parse(example.query)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        for operation in document.definitions:
            if isinstance(operation, OperationDefinitionNode):
                cost, _ = estimator.estimate(operation, fragments, example.variables)
                assert cost <= budget, (example.title, cost, budget)
