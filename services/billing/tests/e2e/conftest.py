"""One whole system per billing e2e module: the four services on this run's PostgreSQL databases and the
module's own RabbitMQ names, behind the real gateway (``kabinet_stack.testing.module_stack``).

Module scope: a stack costs seconds to start, and every test makes its own families (and, where numbers
must be exact, its own branch), so sharing one keeps the module fast.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from billing.adapters.tables import accounts, ledger_entries
from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-bill-gw", role=Role.OWNER)
CREATE_BRANCH = """mutation($i: CreateBranchInput!) { createBranch(input: $i) { branch { id } errors { code } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id students { id firstName } } errors { field code message } } }"""
_phones = itertools.count(1)


@pytest.fixture(scope="module")
def gateway_stack(module_stack: StackHandle) -> StackHandle:
    return module_stack


@dataclass(frozen=True)
class Fam:
    id: str
    branch_id: str
    student_ids: tuple[str, ...]


class Branch:
    """A branch with a teacher and an admin, made through the gateway (identity), and helpers on it."""

    def __init__(self, handle: StackHandle, branch_id: str, teacher_id: str) -> None:
        self.h, self.id, self.teacher_id = handle, branch_id, teacher_id
        self.admin = handle.client(Principal(user_id=f"adm-{branch_id[:8]}", role=Role.BRANCH_ADMIN,
                                             branch_ids=frozenset({branch_id}), staff_id=f"adm-{branch_id[:8]}"))
        self.teacher = handle.client(Principal(user_id=f"t-{teacher_id[:8]}", role=Role.TEACHER,
                                               branch_ids=frozenset({branch_id}), staff_id=teacher_id))
        self.owner = handle.client(OWNER)

    async def family(self, children: int = 1) -> Fam:
        n = next(_phones)
        kids = [{"firstName": f"Kid{i}", "lastName": "Test", "birthDate": f"201{i}-02-03"} for i in range(children)]
        fam = (await ok(self.admin, REGISTER_CLIENT, {"i": {
            "phone": f"+7901{uuid.uuid4().int % 10**4:04d}{n:03d}", "firstName": "Parent", "lastName": "Test",
            "branchId": self.id, "consentSigned": True, "students": kids}}))["registerClient"]["family"]
        await self.h.drain()  # the family reached billing (account opened) and scheduling (students known)
        return Fam(fam["id"], self.id, tuple(s["id"] for s in fam["students"]))

    def guardian(self, fam: Fam) -> GraphQLClient:
        return self.h.client(Principal(user_id=f"g-{fam.id[:8]}", role=Role.GUARDIAN, family_id=fam.id,
                                       student_ids=frozenset(fam.student_ids)))

    async def balances(self, family_id: str) -> tuple[Decimal, Decimal]:
        """(cached balance, sum of the family's ledger entries): always equal."""
        async with self.h.runtime("billing").sessionmaker() as s:
            acc = (await s.execute(select(accounts).where(accounts.c.family_id == family_id))).one()
            total = (await s.execute(select(func.coalesce(func.sum(ledger_entries.c.amount), 0)).where(
                ledger_entries.c.account_id == acc.id, ledger_entries.c.ledger_account == "family",
                ledger_entries.c.currency == "RUB"))).scalar_one()
        return Decimal(acc.balance), Decimal(total)


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run through the gateway; no GraphQL errors and every payload's ``errors`` empty."""
    got = await client.execute(query, variables)
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


async def new_branch(handle: StackHandle, name: str) -> Branch:
    owner = handle.client(OWNER)
    branch = (await ok(owner, CREATE_BRANCH, {"i": {"name": name, "city": "Kazan", "timeZone": "Europe/Moscow",
                                                    "address": "Baumana 1"}}))["createBranch"]["branch"]["id"]
    ident = handle.runtime("identity")
    async with ident.unit_of_work() as uow:
        teacher = await org.create_staff(org.CreateStaff(
            StaffRole.TEACHER, f"t-{uuid.uuid4().hex[:8]}@bill-gw.test", "Olga", "Teacher", (branch,),
            "teacher-password-1"), uow, OWNER)
    await handle.drain()
    return Branch(handle, branch, teacher.id)


@pytest.fixture(scope="module")
async def center(gateway_stack: StackHandle) -> Branch:
    return await new_branch(gateway_stack, "Center")
