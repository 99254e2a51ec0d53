"""Billing on real PostgreSQL + RabbitMQ: one migrated database per run, a started runtime per test."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from billing.adapters.tables import accounts, inbox, ledger_entries
from billing.bootstrap import MIGRATIONS, BillingRuntime, build_runtime, create_app
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.auth import KeySource, Principal, Role, SigningKey, jwks
from kabinet.db.migrations import upgrade
from kabinet.events import Envelope
from kabinet.inbox import inbox_handler
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import GraphQLClient, running, token_for


@dataclass
class Family:
    id: str
    branch_id: str
    student_ids: list[str] = field(default_factory=list)


class Harness:
    """Drives one billing runtime: delivers events through the real consumer path, calls /graphql."""

    def __init__(self, runtime: BillingRuntime, key: SigningKey) -> None:
        self.runtime, self.key = runtime, key
        self.app = create_app(runtime=runtime, manage_runtime=False)
        self.http = GraphQLClient(self.app)
        # The exact handler the broker consumer runs (inbox dedup + handler + commit).
        self.consume = inbox_handler("billing", runtime.uow, inbox, HANDLERS)

    def token(self, role: Role, *, family_id: str | None = None, branch: str | None = None,
              students: tuple[str, ...] = (), staff: str | None = None) -> str:
        p = Principal(user_id=f"u-{role.value}-{uuid.uuid4().hex[:6]}", role=role, family_id=family_id,
                      student_ids=frozenset(students), branch_ids=frozenset({branch} if branch else set()),
                      staff_id=staff or (f"staff-{uuid.uuid4().hex[:6]}" if role.value != "guardian" else None))
        return token_for(self.key, p)

    def admin(self, branch: str) -> str:
        return self.token(Role.BRANCH_ADMIN, branch=branch)

    def owner(self) -> str:
        return self.token(Role.OWNER)

    def guardian(self, fam: Family) -> str:
        return self.token(Role.GUARDIAN, family_id=fam.id, students=tuple(fam.student_ids))

    async def gql(self, token: str | None, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.http.as_(token).execute(query, variables)

    async def ok(self, token: str | None, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        res = await self.gql(token, query, variables)
        assert "errors" not in res, res
        data: dict[str, Any] = res["data"]
        return data

    async def deliver(self, event_type: str, payload: dict[str, Any], *, event_id: str | None = None) -> Envelope:
        env = Envelope(type=event_type, version=1, producer=event_type.split(".", maxsplit=1)[0], payload=payload,
                       **({"id": event_id} if event_id else {}))
        await self.consume(env)
        return env

    async def family(self, children: int = 1, branch: str | None = None) -> Family:
        fam = Family(str(uuid.uuid4()), branch or str(uuid.uuid4()))
        for i in range(children):
            sid = str(uuid.uuid4())
            await self.deliver("identity.student.registered", {
                "student_id": sid, "family_id": fam.id, "first_name": f"Child{i}", "last_name": "Test",
                "birth_date": "2015-01-01", "branch_id": fam.branch_id})
            fam.student_ids.append(sid)
        return fam

    async def balances(self, family_id: str) -> tuple[Decimal, Decimal]:
        """(cached balance, sum of the family's entries): they must always be equal."""
        async with self.runtime.sessionmaker() as s:
            acc = (await s.execute(select(accounts).where(accounts.c.family_id == family_id))).one()
            total = (await s.execute(select(func.coalesce(func.sum(ledger_entries.c.amount), 0)).where(
                ledger_entries.c.account_id == acc.id, ledger_entries.c.ledger_account == "family"))).scalar_one()
        return Decimal(acc.balance), Decimal(total)

    async def pay(self, fam: Family, amount: str, key: str | None = None) -> dict[str, Any]:
        return await self.ok(self.admin(fam.branch_id), RECORD_PAYMENT, {"input": {
            "familyId": fam.id, "amount": amount, "method": "CASH", "idempotencyKey": key,
            "branchId": fam.branch_id}})


# The payment provider's shared secret in these tests (billing has no default one).
WEBHOOK_SECRET = secrets.token_urlsafe(32)

RECORD_PAYMENT = """
mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    payment { id amount { amount currency } method }
    balanceAfter { amount currency }
    errors { field code message }
  }
}"""


@pytest.fixture(scope="session")
async def billing_db(database_factory: Callable[[str], Awaitable[str]]) -> str:
    url = await database_factory("billing")
    await upgrade(MIGRATIONS, url)
    return url


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
async def billing(billing_db: str, messaging: MessagingSettings, signing_key: SigningKey,
                  tmp_path: Path) -> AsyncIterator[Harness]:
    settings = BillingSettings(database_url=billing_db, messaging=messaging, data_dir=tmp_path,
                               outbox_poll_interval_s=0.1, payment_webhook_secret=WEBHOOK_SECRET)
    runtime = build_runtime(settings, key_source=KeySource(static=jwks([signing_key])))
    async with running(runtime, migrate=False):
        yield Harness(runtime, signing_key)

