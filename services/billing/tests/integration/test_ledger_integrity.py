"""The ledger's guarantees on PostgreSQL: immutable entries, balanced transactions, idempotent operations."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from billing.adapters.tables import ledger_entries, payments

from .conftest import RECORD_PAYMENT, Harness


async def test_service_role_cannot_update_or_delete_ledger_rows(billing: Harness) -> None:
    fam = await billing.family()
    await billing.pay(fam, "500.00")
    # The same database role and connection pool the service runs with.
    for sql in ("UPDATE ledger_entries SET amount = 0", "DELETE FROM ledger_entries",
                "UPDATE ledger_transactions SET amount = 0", "DELETE FROM ledger_transactions",
                "TRUNCATE ledger_entries CASCADE"):
        async with billing.runtime.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="immutable"):
                await conn.execute(text(sql))
            await conn.rollback()
    assert await billing.balances(fam.id) == (500, 500)


def _entry(tx_id: str, amount: int, ledger_account: str = "cash") -> dict[str, object]:
    return dict(id=str(uuid.uuid4()), transaction_id=tx_id, account_id=None, ledger_account=ledger_account,
                amount=amount, currency="RUB", description="forged", created_at=func.now())


async def test_unbalanced_entries_are_refused(billing: Harness) -> None:
    fam = await billing.family()
    async with billing.runtime.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="does not balance"):
            await conn.execute(ledger_entries.insert().values(_entry("t-unbalanced", 100)))
            await conn.commit()
    assert await billing.balances(fam.id) == (0, 0)


async def test_a_transactions_entries_balance_in_each_statement(billing: Harness) -> None:
    """Checked per statement (the ledger is append-only, so every transaction still sums to zero): entries
    that balance only together with a later statement's are refused; several balanced transactions in one
    statement are not."""
    async with billing.runtime.engine.connect() as conn:
        await conn.execute(ledger_entries.insert().values([
            _entry("t-a", 100), _entry("t-a", -100, "revenue:other"),
            _entry("t-b", 70), _entry("t-b", -30, "revenue:other"), _entry("t-b", -40, "revenue:other")]))
        await conn.commit()
        with pytest.raises(DBAPIError, match="does not balance"):
            await conn.execute(ledger_entries.insert().values(_entry("t-split", 100)))
            await conn.execute(ledger_entries.insert().values(_entry("t-split", -100, "revenue:other")))
            await conn.commit()
        await conn.rollback()
        # Balanced in itself but unbalancing a transaction already in the ledger: refused as well.
        with pytest.raises(DBAPIError, match="does not balance"):
            await conn.execute(ledger_entries.insert().values([_entry("t-a", 5), _entry("t-c", -5)]))
        await conn.rollback()
        sums = (await conn.execute(select(ledger_entries.c.transaction_id, func.sum(ledger_entries.c.amount))
                                   .where(ledger_entries.c.transaction_id.in_(["t-a", "t-b", "t-split", "t-c"]))
                                   .group_by(ledger_entries.c.transaction_id))).all()
    assert sorted((t, int(a)) for t, a in sums) == [("t-a", 0), ("t-b", 0)]


async def test_one_payment_submitted_50_times_in_parallel_is_one_payment(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    key = f"pay-{uuid.uuid4()}"
    variables = {"input": {"familyId": fam.id, "amount": "1200.00", "method": "CARD", "idempotencyKey": key}}
    answers = await asyncio.gather(*(billing.gql(admin, RECORD_PAYMENT, variables) for _ in range(50)))
    first = answers[0]["data"]["recordPayment"]
    assert first["errors"] == [] and first["balanceAfter"]["amount"] == "1200.00"
    assert all(a["data"] == answers[0]["data"] for a in answers)  # 50 identical answers
    async with billing.runtime.sessionmaker() as s:
        count = (await s.execute(select(func.count()).select_from(payments)
                                 .where(payments.c.family_id == fam.id))).scalar_one()
    assert count == 1
    assert await billing.balances(fam.id) == (1200, 1200)

    reused = await billing.gql(admin, RECORD_PAYMENT, {"input": {**variables["input"], "amount": "1300.00"}})
    assert reused["data"]["recordPayment"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert reused["data"]["recordPayment"]["payment"] is None
    assert await billing.balances(fam.id) == (1200, 1200)


async def test_bad_input_changes_nothing(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    for amount in ("-5", "0", "10.001"):
        res = await billing.gql(admin, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": amount,
                                                                  "method": "CASH"}})
        assert res["data"]["recordPayment"]["errors"][0]["code"] == "INVALID_AMOUNT", res
    res = await billing.gql(admin, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "abc",
                                                              "method": "CASH"}})
    assert res["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" or "errors" in res
    assert "Traceback" not in str(res)
    assert await billing.balances(fam.id) == (0, 0)
