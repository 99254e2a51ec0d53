"""200 concurrent charges against one family account (no credit): exactly ⌊B/p⌋ succeed, never below zero."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from billing.adapters.tables import ledger_entries, ledger_transactions

from .conftest import Family, Harness

CHARGE = """
mutation($input: ChargeAccountInput!) {
  chargeAccount(input: $input) { line { id amount { amount } balanceAfter { amount } } errors { code } }
}"""

BALANCE, PRICE, N = Decimal("1000.00"), Decimal("70.00"), 200  # ⌊1000/70⌋ = 14


async def _charge_all(billing: Harness, fam: Family, students: list[str]) -> list[dict[str, Any]]:
    admin = billing.admin(fam.branch_id)

    async def one(i: int) -> dict[str, Any]:
        res = await billing.ok(admin, CHARGE, {"input": {
            "familyId": fam.id, "amount": str(PRICE), "description": f"Workbook #{i}",
            "studentId": students[i % len(students)], "idempotencyKey": f"c-{uuid.uuid4()}"}})
        payload: dict[str, Any] = res["chargeAccount"]
        return payload

    return await asyncio.gather(*(one(i) for i in range(N)))


async def _assert_exact(billing: Harness, fam: Family, results: list[dict[str, Any]]) -> None:
    ok = [r for r in results if not r["errors"]]
    refused = [r for r in results if r["errors"]]
    assert len(ok) == int(BALANCE // PRICE) == 14
    assert {r["errors"][0]["code"] for r in refused} == {"INSUFFICIENT_FUNDS"}
    assert all(Decimal(r["line"]["balanceAfter"]["amount"]) >= 0 for r in ok)
    # Each success saw a distinct balance: the charges were serialised, none lost.
    assert sorted(Decimal(r["line"]["balanceAfter"]["amount"]) for r in ok) == [
        BALANCE - PRICE * k for k in range(14, 0, -1)]
    cached, entries = await billing.balances(fam.id)
    assert cached == entries == BALANCE - 14 * PRICE
    async with billing.runtime.sessionmaker() as s:
        tx_ids = select(ledger_transactions.c.id).where(ledger_transactions.c.family_id == fam.id)
        total = (await s.execute(select(func.sum(ledger_entries.c.amount))
                                 .where(ledger_entries.c.transaction_id.in_(tx_ids)))).scalar_one()
    assert total == 0  # every transaction's entries sum to zero


async def test_200_concurrent_charges_exactly_floor_b_over_p_succeed(billing: Harness) -> None:
    fam = await billing.family()
    await billing.pay(fam, str(BALANCE))
    await _assert_exact(billing, fam, await _charge_all(billing, fam, fam.student_ids))


async def test_two_children_of_one_family_charged_in_parallel(billing: Harness) -> None:
    fam = await billing.family(children=2)
    await billing.pay(fam, str(BALANCE))
    results = await _charge_all(billing, fam, fam.student_ids)
    await _assert_exact(billing, fam, results)
