"""Embedded mode (SQLite, `make run`): the same ledger code; its entries are append-only there too."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from billing.adapters.tables import inbox
from billing.bootstrap import build_runtime
from billing.domain.errors import InsufficientFunds
from billing.domain.model import PaymentMethod
from billing.service import adjustments, payments
from billing.service.handlers import HANDLERS
from billing.service.ledger import account_of
from billing.settings import BillingSettings
from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from kabinet.inbox import inbox_handler

OWNER = Principal(user_id="owner", role=Role.OWNER)


async def test_sqlite_ledger_is_append_only_and_balances(tmp_path: Path) -> None:
    runtime = build_runtime(BillingSettings(database_url=f"sqlite:///{tmp_path}/billing.db", data_dir=tmp_path))
    try:
        await runtime.migrate()
        family = str(uuid.uuid4())
        await inbox_handler("billing", runtime.uow, inbox, HANDLERS)(Envelope(
            type="identity.student.registered", version=1, producer="identity",
            payload={"student_id": str(uuid.uuid4()), "family_id": family, "first_name": "A", "last_name": "B",
                     "branch_id": "b"}))
        async with runtime.uow() as uow:
            await payments.record_payment(payments.RecordPayment(family, Decimal("0.30"), PaymentMethod.CASH), uow,
                                          OWNER)
        for amount in ("0.10", "0.20"):
            async with runtime.uow() as uow:
                await adjustments.charge_account(adjustments.ChargeAccount(family, Decimal(amount), "x"), uow, OWNER)
        with pytest.raises(InsufficientFunds):  # exactly zero left: REAL rounding must not leave a crumb
            async with runtime.uow() as uow:
                await adjustments.charge_account(adjustments.ChargeAccount(family, Decimal("0.01"), "x"), uow,
                                                 OWNER)
        async with runtime.uow() as uow:
            assert (await account_of(uow, family)).balance == Decimal("0.00")
        async with runtime.engine.connect() as conn:
            # The migrations declare money NUMERIC(14, 2), Amount's own DDL is INTEGER: either way SQLite stores
            # the cents as integers (kabinet.testing.schema allows that one difference on SQLite).
            stored = {row[0] for row in await conn.execute(text(
                "SELECT typeof(balance) FROM accounts UNION SELECT typeof(credit_limit) FROM accounts "
                "UNION SELECT typeof(amount) FROM ledger_entries UNION SELECT typeof(amount) FROM payments"))}
        assert stored == {"integer"}
        for sql in ("UPDATE ledger_entries SET amount = 0", "DELETE FROM ledger_entries",
                    "DELETE FROM ledger_transactions"):
            async with runtime.engine.connect() as conn:
                with pytest.raises(DBAPIError, match="immutable"):
                    await conn.execute(text(sql))
    finally:
        await runtime.engine.dispose()


async def test_demo_seed_sells_subscriptions_and_is_rerunnable(tmp_path: Path) -> None:
    from billing.demo import seed

    runtime = build_runtime(BillingSettings(database_url=f"sqlite:///{tmp_path}/demo.db", data_dir=tmp_path))
    try:
        await runtime.migrate()
        consume = inbox_handler("billing", runtime.uow, inbox, HANDLERS)
        for fam in range(3):
            for kid in range(fam + 1):
                await consume(Envelope(type="identity.student.registered", version=1, producer="identity", payload={
                    "student_id": f"s{fam}{kid}", "family_id": f"f{fam}", "first_name": "K", "last_name": "L",
                    "branch_id": "b1"}))
        first = await seed(runtime)
        async with runtime.uow() as uow:
            balances = [(await account_of(uow, f"f{i}")).balance for i in range(3)]
        again = await seed(runtime)
        assert first["subscriptions_sold"] == again["subscriptions_sold"] == 6
        assert first["plans"] == again["plans"]
        async with runtime.uow() as uow:  # the second run replayed its keys: no money moved twice
            assert [(await account_of(uow, f"f{i}")).balance for i in range(3)] == balances
    finally:
        await runtime.engine.dispose()


async def test_sqlite_money_is_exact_cents_after_many_operations(tmp_path: Path) -> None:
    """Amount stores integer cents on SQLite: hundreds of awkward amounts (0.10, 0.07, 33.33) sum exactly, in
    the cached balance, in the stored transactions and entries, and in the conditional UPDATE's check."""
    from sqlalchemy import func, select

    from billing.adapters.tables import accounts, ledger_entries, ledger_transactions

    runtime = build_runtime(BillingSettings(database_url=f"sqlite:///{tmp_path}/cents.db", data_dir=tmp_path))
    try:
        await runtime.migrate()
        family, student = str(uuid.uuid4()), str(uuid.uuid4())
        handle = inbox_handler("billing", runtime.uow, inbox, HANDLERS)
        await handle(Envelope(type="identity.student.registered", version=1, producer="identity", payload={
            "student_id": student, "family_id": family, "first_name": "A", "last_name": "B", "branch_id": "b"}))
        for _ in range(100):
            async with runtime.uow() as uow:
                await payments.record_payment(payments.RecordPayment(family, Decimal("0.10"), PaymentMethod.CASH),
                                              uow, OWNER)
        for _ in range(100):
            async with runtime.uow() as uow:
                await adjustments.charge_account(adjustments.ChargeAccount(family, Decimal("0.07"), "x"), uow, OWNER)
        # Lessons at 33.33 through the event path (postings applied together at commit).
        for _ in range(30):
            await handle(Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling", payload={
                "lesson_id": str(uuid.uuid4()), "branch_id": "b", "teacher_id": "t", "lesson_type": "group",
                "charged_by_default": True, "starts_at": "2027-03-01T10:00:00+00:00",
                "ends_at": "2027-03-01T11:00:00+00:00", "price": {"amount": "33.33", "currency": "RUB"},
                "participants": [{"student_id": student, "family_id": family, "reason": "member",
                                  "price": {"amount": "33.33", "currency": "RUB"}}]}))
        expected = Decimal("10.00") - Decimal("7.00") - 30 * Decimal("33.33")
        async with runtime.uow() as uow:
            assert (await account_of(uow, family)).balance == expected == Decimal("-996.90")
            s = uow.session
            money_sum = (await s.execute(select(func.sum(ledger_entries.c.amount)).where(
                ledger_entries.c.currency == "RUB"))).scalar_one()
            assert money_sum == 0  # every transaction's entries sum to zero, exactly
            last = (await s.execute(select(ledger_transactions.c.balance_after)
                                    .order_by(ledger_transactions.c.seq.desc()).limit(1))).scalar_one()
            assert last == expected
            raw = (await s.execute(text("SELECT balance, typeof(balance) FROM accounts"))).one()
            assert (raw[0], raw[1]) == (-99690, "integer")  # stored as cents, never REAL
        # Exactly at the limit: a charge of the remaining cent beyond it is refused by the conditional UPDATE.
        async with runtime.uow() as uow:
            await uow.session.execute(accounts.update().values(credit_limit=Decimal("996.90")))
            await uow.commit()
        with pytest.raises(InsufficientFunds):
            async with runtime.uow() as uow:
                await adjustments.charge_account(adjustments.ChargeAccount(family, Decimal("0.01"), "x"), uow, OWNER)
    finally:
        await runtime.engine.dispose()
