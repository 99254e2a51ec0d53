"""Hypothesis stateful test of the ledger on PostgreSQL against a simple model.

Operations: top-up, charge (refused beyond the limit), lesson charge (recorded as debt), lesson refund,
adjustment, replay of a keyed operation (same and changed content), subscription sale, freeze/unfreeze.
After every step: cached balance == model == sum of entries; every transaction balances; nothing went below
the credit limit without being recorded as debt; lesson credits match the model.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from billing.adapters.tables import inbox, ledger_entries, ledger_transactions, subscriptions
from billing.bootstrap import build_runtime
from billing.domain.errors import InsufficientFunds
from billing.domain.model import PaymentMethod
from billing.service import adjustments, payments
from billing.service import subscriptions as subs
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.auth import Principal, Role
from kabinet.errors import IdempotencyKeyReused
from kabinet.events import Envelope
from kabinet.inbox import inbox_handler
from kabinet.runtime import ServiceRuntime

OWNER = Principal(user_id="owner", role=Role.OWNER)
amounts = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)


class LedgerMachine(RuleBasedStateMachine):
    runner: asyncio.Runner
    runtime: ServiceRuntime

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    @initialize()
    def open_family(self) -> None:
        self.family, self.student, self.branch = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        self.consume = inbox_handler("billing", self.runtime.uow, inbox, HANDLERS)
        self.deliver("identity.student.registered", {"student_id": self.student, "family_id": self.family,
                                                     "first_name": "A", "last_name": "B", "branch_id": self.branch})
        self.balance = Decimal("0.00")
        self.keyed: list[tuple[str, Any, dict[str, Any]]] = []  # (key, command, first result)
        self.charged: list[str] = []  # lessons with an active charge
        self.sub: str | None = None
        self.credits = 0
        self.frozen = False
        self.lesson_charges: dict[str, Decimal] = {}

    def deliver(self, event_type: str, payload: dict[str, Any]) -> None:
        self.run(self.consume(Envelope(type=event_type, version=1, producer=event_type.split(".", maxsplit=1)[0],
                                       payload=payload)))

    async def _in_uow(self, fn: Any) -> Any:
        async with self.runtime.uow() as uow:
            return await fn(uow)

    @rule(amount=amounts)
    def top_up(self, amount: Decimal) -> None:
        cmd = payments.RecordPayment(self.family, amount, PaymentMethod.CASH, idempotency_key=str(uuid.uuid4()))
        result = self.run(self._in_uow(lambda uow: payments.record_payment(cmd, uow, OWNER)))
        self.balance += amount
        self.keyed.append((cmd.idempotency_key or "", cmd, result))

    @rule(amount=amounts)
    def charge(self, amount: Decimal) -> None:
        cmd = adjustments.ChargeAccount(self.family, amount, "goods", idempotency_key=str(uuid.uuid4()))
        try:
            result = self.run(self._in_uow(lambda uow: adjustments.charge_account(cmd, uow, OWNER)))
        except InsufficientFunds:
            assert self.balance - amount < 0  # refused only when it would go below the (zero) limit
            return
        assert self.balance - amount >= 0
        self.balance -= amount
        self.keyed.append((cmd.idempotency_key or "", cmd, result))

    @rule(amount=amounts.filter(lambda a: a != 0), sign=st.sampled_from([1, -1]))
    def adjust(self, amount: Decimal, sign: int) -> None:
        cmd = adjustments.AdjustBalance(self.family, amount * sign, "correction", idempotency_key=str(uuid.uuid4()))
        self.run(self._in_uow(lambda uow: adjustments.adjust_balance(cmd, uow, OWNER)))
        self.balance += amount * sign

    @rule(price=amounts)
    def lesson(self, price: Decimal) -> None:
        lesson_id = str(uuid.uuid4())
        self.deliver("scheduling.lesson.scheduled", {
            "lesson_id": lesson_id, "branch_id": self.branch, "group_id": None, "course_id": None,
            "teacher_id": "t", "lesson_type": "group", "charged_by_default": True,
            "starts_at": datetime(2026, 12, 1, 10, tzinfo=UTC).isoformat(),
            "price": {"amount": str(price), "currency": "RUB"},
            "participants": [{"student_id": self.student, "family_id": self.family, "reason": "member",
                              "price": {"amount": str(price), "currency": "RUB"}}]})
        if self.sub is not None and not self.frozen and self.credits > 0:
            self.credits -= 1
            self.lesson_charges[lesson_id] = Decimal(0)
        else:
            self.balance -= price  # never skipped: recorded as debt when there is no money
            self.lesson_charges[lesson_id] = price
        self.charged.append(lesson_id)

    @precondition(lambda self: bool(self.charged))
    @rule(data=st.data())
    def cancel_lesson(self, data: st.DataObject) -> None:
        lesson_id = data.draw(st.sampled_from(self.charged))
        self.charged.remove(lesson_id)
        self.deliver("scheduling.lesson.cancelled", {"lesson_id": lesson_id, "branch_id": self.branch,
                                                     "reason": "test"})
        if self.lesson_charges[lesson_id] == 0:
            self.credits += 1
        self.balance += self.lesson_charges.pop(lesson_id)

    @precondition(lambda self: bool(self.keyed))
    @rule(data=st.data(), change=st.booleans())
    def replay(self, data: st.DataObject, change: bool) -> None:
        _key, cmd, first = data.draw(st.sampled_from(self.keyed))
        if change:
            cmd = type(cmd)(**{**cmd.__dict__, "amount": cmd.amount + Decimal("0.01")})
        fn = payments.record_payment if isinstance(cmd, payments.RecordPayment) else adjustments.charge_account
        try:
            again = self.run(self._in_uow(lambda uow: fn(cmd, uow, OWNER)))
        except IdempotencyKeyReused:
            assert change
            return
        assert not change and again == first  # the first result, nothing changed

    @precondition(lambda self: self.sub is None)
    @rule()
    def sell_subscription(self) -> None:
        async def go() -> str:
            async with self.runtime.uow() as uow:
                t = await subs.create_subscription_type(subs.CreateSubscriptionType(
                    "4 lessons", 4, 365, Decimal("100.00"), ["group"], [], False, self.branch), uow, OWNER)
            async with self.runtime.uow() as uow:
                res = await subs.sell_subscription(subs.SellSubscription(
                    t.id, self.student, on_credit=True, starts_on=datetime(2026, 11, 1).date()), uow, OWNER)
            return str(res.subscription_id)

        self.sub = self.run(go())
        self.balance -= Decimal("100.00")
        self.credits = 4

    @precondition(lambda self: self.sub is not None)
    @rule()
    def toggle_freeze(self) -> None:
        sid = str(self.sub)
        if self.frozen:
            self.run(self._in_uow(lambda uow: subs.unfreeze_subscription(subs.UnfreezeSubscription(sid), uow, OWNER)))
        else:
            self.run(self._in_uow(lambda uow: subs.freeze_subscription(subs.FreezeSubscription(sid), uow, OWNER)))
        self.frozen = not self.frozen

    @invariant()
    def ledger_matches_model(self) -> None:
        async def check() -> None:
            async with self.runtime.sessionmaker() as s:
                t = ledger_transactions
                txs = (await s.execute(select(t).where(t.c.family_id == self.family).order_by(t.c.seq))).all()
                cached = txs[-1].balance_after if txs else Decimal(0)
                tx_ids = [x.id for x in txs]
                e = ledger_entries
                family_sum = (await s.execute(select(func.coalesce(func.sum(e.c.amount), 0)).where(
                    e.c.transaction_id.in_(tx_ids), e.c.ledger_account == "family"))).scalar_one()
                unbalanced = (await s.execute(select(e.c.transaction_id).where(e.c.transaction_id.in_(tx_ids))
                                              .group_by(e.c.transaction_id, e.c.currency)
                                              .having(func.sum(e.c.amount) != 0))).all()
                left = None
                if self.sub:
                    left = (await s.execute(select(subscriptions.c.lessons_left)
                                            .where(subscriptions.c.id == self.sub))).scalar_one()
            assert cached == family_sum == self.balance, (cached, family_sum, self.balance)
            assert unbalanced == []
            for x in txs:  # below the limit (0) only as a recorded debt, and never by a refusable charge
                if x.amount < 0 and x.balance_after < 0:
                    assert x.debt or x.kind in ("adjustment", "subscription_sale"), x
                assert not (x.kind == "manual_charge" and x.balance_after < 0)
            if self.sub:
                assert left == self.credits

        self.run(check())


def test_ledger_state_machine(billing_db: str) -> None:
    with asyncio.Runner() as runner:
        runtime = build_runtime(BillingSettings(database_url=billing_db))
        LedgerMachine.runner, LedgerMachine.runtime = runner, runtime
        try:
            LedgerMachine.TestCase.settings = settings(
                max_examples=20, stateful_step_count=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
            LedgerMachine.TestCase().runTest()
        finally:
            runner.run(runtime.engine.dispose())
