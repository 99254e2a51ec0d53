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


async def test_unbalanced_entries_are_refused_at_commit(billing: Harness) -> None:
    fam = await billing.family()
    async with billing.runtime.engine.connect() as conn:
        await conn.execute(ledger_entries.insert().values(
            id=str(uuid.uuid4()), transaction_id="t-unbalanced", account_id=None, ledger_account="cash",
            amount=100, currency="RUB", description="forged", created_at=func.now()))
        with pytest.raises(DBAPIError, match="does not balance"):
            await conn.commit()
    assert await billing.balances(fam.id) == (0, 0)


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
