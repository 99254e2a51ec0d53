"""Billing's use cases and event handlers on the in-memory unit of work (no database, no broker)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.domain.model import FamilyAccount, PaymentMethod, Transaction, TxKind
from billing.domain.records import Posted
from billing.service import payments
from billing.service.handlers import HANDLERS
from billing.service.inbound_events import BranchCreatedV1, StudentRegisteredV1
from kabinet.auth.principal import Principal, Role
from kabinet.events import Envelope, EventContract

from .memory import MemoryUnitOfWork, Store

BRANCH = "b-1"
OTHER_BRANCH = "b-2"
STARTS = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def uid() -> str:
    return str(uuid.uuid4())


def envelope(event: EventContract, correlation_id: str | None = None) -> Envelope:
    return Envelope(type=event.event_type, version=event.event_version, producer="test",
                    payload=event.to_payload(), correlation_id=correlation_id)


@dataclass
class Family:
    id: str
    student_ids: list[str]
    branch_id: str


class World:
    """A billing in memory: the store, the principals, and shortcuts that go through the real use cases."""

    def __init__(self) -> None:
        self.store = Store()
        self.owner = Principal(user_id="owner", role=Role.OWNER, staff_id="st-owner")
        self.admin = Principal(user_id="admin", role=Role.BRANCH_ADMIN, branch_ids=frozenset({BRANCH}),
                               staff_id="st-admin")
        self.other_admin = Principal(user_id="admin2", role=Role.BRANCH_ADMIN,
                                     branch_ids=frozenset({OTHER_BRANCH}), staff_id="st-admin2")

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def guardian(self, fam: Family) -> Principal:
        return Principal(user_id=f"g-{fam.id}", role=Role.GUARDIAN, family_id=fam.id,
                         student_ids=frozenset(fam.student_ids))

    async def deliver(self, *events: EventContract | Envelope) -> None:
        """A batch of events through billing's consumer (its handlers and its finish step), then the commit."""
        async with self.uow() as uow:
            await HANDLERS.handle(uow, [e if isinstance(e, Envelope) else envelope(e) for e in events])
            await uow.commit()

    async def branch(self, branch_id: str = BRANCH, charge_on: str | None = None) -> None:
        await self.deliver(BranchCreatedV1(branch_id=branch_id, name="Central", time_zone="Europe/Moscow"))
        if charge_on is not None:
            async with self.uow() as uow:
                await uow.projections.set_branch_settings(branch_id, charge_on, None)
                await uow.commit()

    async def family(self, students: int = 1, branch_id: str = BRANCH) -> Family:
        fam = Family(uid(), [uid() for _ in range(students)], branch_id)
        await self.deliver(*[StudentRegisteredV1(student_id=s, family_id=fam.id, first_name="Ann", last_name="Lee",
                                                 branch_id=branch_id) for s in fam.student_ids])
        return fam

    async def pay(self, fam: Family, amount: str) -> payments.PaymentResult:
        async with self.uow() as uow:
            return await payments.record_payment(
                payments.RecordPayment(fam.id, Decimal(amount), PaymentMethod.CASH), uow, self.owner)

    def account(self, fam: Family) -> FamilyAccount:
        account = self.store.account_of(fam.id)
        assert account is not None
        return account

    def balance(self, fam: Family) -> Decimal:
        return self.account(fam).balance

    def balances(self, fam: Family) -> tuple[Decimal, Decimal]:
        """(cached balance, sum of the family's money entries): they must always be equal."""
        total = sum((t.family_delta for t, _ in self.store.ledger if t.family_id == fam.id), Decimal(0))
        return self.balance(fam), total

    def lines(self, fam: Family, kind: TxKind | None = None) -> list[tuple[Transaction, Posted]]:
        """The family's statement: its ledger transactions in order (of one kind if given)."""
        return [(t, p) for t, p in self.store.ledger if t.family_id == fam.id and kind in (None, t.kind)]

    def events(self, kind: type[EventContract] | None = None) -> Sequence[EventContract]:
        return self.store.events(kind)


@pytest.fixture
async def world() -> World:
    w = World()
    await w.branch()
    return w
