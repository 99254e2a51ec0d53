"""Billing's ledger write path on PostgreSQL: charges per second end to end, next to a plain-INSERT floor.

    uv run python bench/ledger.py [--families 200] [--charges 4000] [--concurrency 32]

"End to end" is the charge use case as the chargeAccount mutation runs it (access check, idempotency key,
conditional balance UPDATE under the account's row lock, transaction + two entries, outbox event, commit
with the balanced-entries check per statement), concurrently over many families. The floor is a plain INSERT of the
same rows (one transaction row + two entry rows per operation, one commit each) at the same concurrency.
Servers: BENCH_POSTGRES_URL or KABINET_TEST_POSTGRES_URL (default of .env.test). The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from billing.adapters.repositories import AccountRepository
from billing.adapters.tables import inbox, ledger_entries, ledger_transactions
from billing.bootstrap import build_runtime
from billing.domain.model import PaymentMethod
from billing.service import adjustments, payments
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from kabinet.inbox import inbox_handler
from kabinet.testing.scratch import bench_main, scratch_databases

OWNER = Principal(user_id="bench", role=Role.OWNER)


async def run(args: argparse.Namespace) -> None:
    async with scratch_databases("bench_ledger") as urls:
        await bench(urls["bench_ledger"], args.families, args.charges, args.concurrency)


async def bench(url: str, families: int, charges: int, concurrency: int) -> None:
    runtime = build_runtime(BillingSettings(database_url=url))
    try:
        await runtime.migrate()
        consume = inbox_handler("billing", runtime.uow, inbox, HANDLERS)
        fams = [str(uuid.uuid4()) for _ in range(families)]
        sem = asyncio.Semaphore(concurrency)

        async def setup(fid: str) -> None:
            async with sem:
                await consume(Envelope(type="identity.student.registered", version=1, producer="identity", payload={
                    "student_id": str(uuid.uuid4()), "family_id": fid, "first_name": "B", "last_name": "B",
                    "branch_id": "bench"}))
                async with runtime.uow() as uow:
                    await payments.record_payment(payments.RecordPayment(
                        fid, Decimal("1000000.00"), PaymentMethod.CASH, str(uuid.uuid4())), uow, OWNER)

        await asyncio.gather(*(setup(f) for f in fams))

        async def charge(i: int) -> None:
            async with sem, runtime.uow() as uow:
                await adjustments.charge_account(adjustments.ChargeAccount(
                    fams[i % families], Decimal("70.00"), "bench", str(uuid.uuid4())), uow, OWNER)

        t0 = time.perf_counter()
        await asyncio.gather(*(charge(i) for i in range(charges)))
        e2e = charges / (time.perf_counter() - t0)

        async with runtime.sessionmaker() as session:
            account_of = (await AccountRepository(session).by_families(fams))

        async def plain(i: int) -> None:
            tx_id, now = str(uuid.uuid4()), datetime.now(UTC)
            acc = account_of[fams[i % families]].id
            async with sem, runtime.engine.begin() as c:
                await c.execute(ledger_transactions.insert().values(
                    id=tx_id, account_id=acc, family_id=fams[i % families], kind="plain", description="bench",
                    amount=Decimal("-70.00"), currency="RUB", balance_after=Decimal(0), created_at=now))
                rows: list[dict[str, Any]] = [
                    {"id": str(uuid.uuid4()), "transaction_id": tx_id, "account_id": acc if a == "family" else None,
                     "ledger_account": a,
                     "amount": amt, "currency": "RUB", "description": "bench", "created_at": now}
                    for a, amt in (("family", Decimal("-70.00")), ("revenue:other", Decimal("70.00")))]
                await c.execute(ledger_entries.insert().values(rows))  # one statement: balanced in itself

        t0 = time.perf_counter()
        await asyncio.gather(*(plain(i) for i in range(charges)))
        floor = charges / (time.perf_counter() - t0)
        print(f"ledger bench: {families} families, {charges} charges, concurrency {concurrency}")
        print(f"  charges applied end to end : {e2e:8.0f} /s")
        print(f"  plain INSERT floor         : {floor:8.0f} /s")
        print(f"  ratio end-to-end / floor   : {e2e / floor:8.2f}")
    finally:
        await runtime.engine.dispose()


if __name__ == "__main__":
    bench_main(run, families=200, charges=4000, concurrency=32)
