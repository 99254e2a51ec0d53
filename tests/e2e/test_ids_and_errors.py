"""Ids and client errors through the gateway (issue #11, points 12 and 13): a malformed id is BAD_USER_INPUT in
every service (the kit checks every ID argument), an id the caller cannot see answers exactly as one that does
not exist, and a client's mistake is one INFO line in the log, not an ERROR with a traceback."""

from __future__ import annotations

import logging
import uuid

import pytest

from kabinet.auth import Principal, Role
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-ids", role=Role.OWNER)
ADMIN = Principal(user_id="adm-ids", role=Role.BRANCH_ADMIN, branch_ids=frozenset({str(uuid.uuid4())}))
GUARDIAN = Principal(user_id="g-ids", role=Role.GUARDIAN, family_id=str(uuid.uuid4()))


def codes(got: dict) -> list[str]:
    return [e["extensions"]["code"] for e in got.get("errors", [])]


@pytest.mark.parametrize(("query", "variables"), [
    ("query($id: ID!) { family(id: $id) { id } }", {"id": "zzz"}),  # identity
    ('{ family(id: "zzz") { id } }', None),  # the same id as a literal
    ("query($b: ID!) { debtors(branchId: $b) { familyId } }", {"b": ""}),  # billing
    ("query($l: ID!) { lesson(id: $l) { id } }", {"l": "1; drop table"}),  # scheduling
])
async def test_a_malformed_id_is_bad_user_input(embedded_stack: StackHandle, query: str,
                                                 variables: dict | None) -> None:
    for who in (OWNER, ADMIN, GUARDIAN):
        got = await embedded_stack.client(who).execute(query, variables)
        assert codes(got) == ["BAD_USER_INPUT"], (who.role, got)


async def test_an_invisible_id_answers_as_a_missing_one_and_client_errors_log_one_info_line(
        embedded_stack: StackHandle, caplog: pytest.LogCaptureFixture) -> None:
    owner = embedded_stack.client(OWNER)
    branch = (await owner.execute("""mutation { createBranch(input: {name: "Ids", city: "Kazan",
      timeZone: "Europe/Moscow", address: "x"}) { branch { id } } }"""))["data"]["createBranch"]["branch"]["id"]
    family = (await embedded_stack.client(Principal(user_id="a", role=Role.BRANCH_ADMIN,
                                                    branch_ids=frozenset({branch}))).execute(
        """mutation($b: ID!) { registerClient(input: {phone: "+79005554433", firstName: "A", lastName: "B",
        branchId: $b, consentSigned: true, students: [{firstName: "C", lastName: "B", birthDate: "2015-01-02"}]})
        { family { id } errors { code } } }""", {"b": branch}))["data"]["registerClient"]["family"]["id"]
    caplog.set_level(logging.INFO)
    caplog.clear()
    for who in (ADMIN, GUARDIAN):
        client = embedded_stack.client(who)
        theirs = await client.execute("query($id: ID!) { family(id: $id) { id } }", {"id": family})
        missing = await client.execute("query($id: ID!) { family(id: $id) { id } }", {"id": str(uuid.uuid4())})
        for got in (theirs, missing):
            got.pop("_status", None)
            for e in got.get("errors", []):
                e.pop("locations", None)
        assert theirs == missing, (who.role, theirs, missing)
    await embedded_stack.client(GUARDIAN).execute('{ family(id: "zzz") { id } }')
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    refused = [r for r in caplog.records if r.getMessage().startswith("graphql request refused")]
    assert refused and all(r.levelno == logging.INFO and r.exc_info is None for r in refused)
