"""Demo data for `make run` (called by the stack's seeder after identity's events were applied).

Everything goes through billing's own use cases, so the ledger, the outbox and the events are real. Re-running
is harmless: plan creation is skipped when plans exist, and money operations carry fixed idempotency keys.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.adapters.repositories import SubscriptionRepository
from billing.adapters.tables import students
from billing.domain.model import DiscountKind, DiscountScope, PaymentMethod
from billing.service import discounts, payments, subscriptions
from kabinet.auth import Principal, Role
from kabinet.runtime import ServiceRuntime

SEEDER = Principal(user_id="demo-seeder", role=Role.OWNER, staff_id="demo-seeder")

PLANS = (  # name, lessons (None: unlimited), days, price, lesson types, trial
    ("8 group lessons", 8, 60, "6400.00", ["group"], False),
    ("4 individual lessons", 4, 45, "6000.00", ["individual"], False),
    ("Unlimited month", None, 30, "9900.00", ["group", "individual"], False),
    ("Trial lesson", 1, 14, "0.00", ["trial", "group"], True),
)


async def seed(runtime: ServiceRuntime, **_: Any) -> dict[str, Any]:
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(select(students).where(students.c.erased.is_(False))
                                      .order_by(students.c.family_id, students.c.id))).all()
        existing = await SubscriptionRepository(session).types(None)
    families: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        families[r.family_id].append(r)
    plan_ids: list[str] = [t.id for t in existing]
    if not existing:
        for name, lessons, days, price, types, trial in PLANS:
            async with runtime.uow() as uow:
                t = await subscriptions.create_subscription_type(subscriptions.CreateSubscriptionType(
                    name, lessons, days, Decimal(price), types, [], trial, None), uow, SEEDER)
            plan_ids.append(t.id)
    sold = paid = 0
    for i, (family_id, kids) in enumerate(sorted(families.items())):
        if len(kids) > 1 and not existing:  # siblings' discount (R-BIL-5)
            async with runtime.uow() as uow:
                await discounts.create_discount(discounts.CreateDiscount(
                    "Siblings −10%", DiscountScope.FAMILY, family_id, DiscountKind.PERCENT, Decimal(10),
                    kids[0].branch_id), uow, SEEDER)
        async with runtime.uow() as uow:
            await payments.record_payment(payments.RecordPayment(
                family_id, Decimal(3000 + 500 * (i % 4)), PaymentMethod.CARD if i % 2 else PaymentMethod.CASH,
                idempotency_key=f"demo:payment:{family_id}", branch_id=kids[0].branch_id), uow, SEEDER)
        paid += 1
        for j, kid in enumerate(kids):
            plan = plan_ids[(i + j) % 2] if (i + j) % 5 else plan_ids[3]  # mostly packages, some trials
            async with runtime.uow() as uow:
                await subscriptions.sell_subscription(subscriptions.SellSubscription(
                    plan, kid.id, on_credit=(i % 3 == 0), paid_with=None if i % 3 == 0 else PaymentMethod.CARD,
                    idempotency_key=f"demo:subscription:{kid.id}"), uow, SEEDER)
            sold += 1
    return {"plans": plan_ids, "subscriptions_sold": sold, "families_paid": paid}
