"""Demo data for `make run`, in the order a school works (called by the stack's seeder):

1. ``seed`` (after identity, before scheduling publishes lessons): the plans, the siblings' discount, and for
   every child a package sold from the first of the month, paid by card — except the demo debtor's family,
   whose packages are sold on credit;
2. scheduling then publishes the month, and the lessons are charged from those packages (beyond a package, in
   money less the siblings' discount);
3. ``settle`` (after every other seed): each family but the debtor pays what its lessons beyond the packages
   came to, as a school's families do at the month's end.

Everything goes through billing's own use cases, so the ledger, the outbox and the events are real. Re-running
is harmless: plans and discounts are created once, and money operations carry fixed idempotency keys.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.adapters.repositories import AccountRepository, DiscountRepository, SubscriptionRepository
from billing.adapters.tables import students
from billing.adapters.unit_of_work import uow_of
from billing.domain.model import DiscountKind, DiscountScope, PaymentMethod
from billing.service import discounts, payments, subscriptions
from kabinet.auth import Principal, Role
from kabinet.runtime import ServiceRuntime

SEEDER = Principal(user_id="demo-seeder", role=Role.OWNER, staff_id="demo-seeder")
SIBLINGS = "Siblings −10%"
GROUP_PACK, INDIVIDUAL_PACK, UNLIMITED, TRIAL = range(4)  # indexes in PLANS
PLANS = (  # name, lessons (None: unlimited), days, price, lesson types, trial
    ("8 group lessons", 8, 60, "6400.00", ["group"], False),
    ("4 individual lessons", 4, 45, "6000.00", ["individual"], False),
    ("Unlimited month", None, 30, "9900.00", ["group", "individual"], False),
    ("Trial lesson", 1, 14, "0.00", ["trial", "group"], True),
)


async def seed(runtime: ServiceRuntime, identity: Any = None, today: date | None = None) -> dict[str, Any]:
    first_of_month = (today or date.today()).replace(day=1)
    debtor = _debtor_family(identity)
    families = await _families(runtime)
    async with runtime.sessionmaker() as session:
        existing = await SubscriptionRepository(session).types(None)
    plan_ids = [t.id for t in existing]
    if not existing:
        for name, lessons, days, price, types, trial in PLANS:
            async with uow_of(runtime) as uow:
                t = await subscriptions.create_subscription_type(subscriptions.CreateSubscriptionType(
                    name, lessons, days, Decimal(price), types, [], trial, None), uow, SEEDER)
            plan_ids.append(t.id)
    sold = 0
    # In the demo's order of families (its guardian phones), so every run gives the same families the same plans.
    order = {fid: n for n, fid in enumerate(getattr(identity, "family_ids", {}).values())}
    for i, (family_id, kids) in enumerate(sorted(families.items(), key=lambda f: (order.get(f[0], len(order)), f[0]))):
        if len(kids) > 1:  # siblings' discount (R-BIL-5): on every lesson charged in money
            async with runtime.sessionmaker() as session:
                have = await DiscountRepository(session).candidates([family_id], first_of_month)
            if not any(d.name == SIBLINGS for d in have):
                async with uow_of(runtime) as uow:
                    await discounts.create_discount(discounts.CreateDiscount(
                        SIBLINGS, DiscountScope.FAMILY, family_id, DiscountKind.PERCENT, Decimal(10),
                        kids[0].branch_id), uow, SEEDER)
        on_credit = family_id == debtor
        for j, kid in enumerate(kids):
            # Every demo child is in a group: a group package, an unlimited month for some. (The family's
            # free trial is its first attended group lesson, R-SCH-6, so no trial plan is sold here.)
            for plan in [plan_ids[UNLIMITED if (i + j) % 4 == 3 else GROUP_PACK]]:
                async with uow_of(runtime) as uow:
                    await subscriptions.sell_subscription(subscriptions.SellSubscription(
                        plan, kid.id, on_credit=on_credit, paid_with=None if on_credit else PaymentMethod.CARD,
                        starts_on=first_of_month, idempotency_key=f"demo:subscription:{kid.id}:{plan}"),
                        uow, SEEDER)
                sold += 1
    return {"plans": plan_ids, "subscriptions_sold": sold, "debtor_family_id": debtor}


async def settle(runtime: ServiceRuntime, identity: Any = None) -> dict[str, Any]:
    """Families pay for the lessons their packages did not cover; the demo debtor does not."""
    debtor = _debtor_family(identity)
    families = await _families(runtime)
    async with runtime.sessionmaker() as session:
        accounts = await AccountRepository(session).by_families(sorted(families))
    paid = 0
    for family_id, account in sorted(accounts.items()):
        if family_id == debtor or account.balance >= 0:
            continue
        due = -account.balance
        async with uow_of(runtime) as uow:
            await payments.record_payment(payments.RecordPayment(
                family_id, due, PaymentMethod.CARD, idempotency_key=f"demo:settle:{family_id}:{due}",
                branch_id=families[family_id][0].branch_id), uow, SEEDER)
        paid += 1
    return {"families_paid": paid}


def _debtor_family(identity: Any) -> str | None:
    return getattr(identity, "debtor_family_id", None)


async def _families(runtime: ServiceRuntime) -> dict[str, list[Any]]:
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(select(students).where(students.c.erased.is_(False))
                                      .order_by(students.c.family_id, students.c.display_name,
                                                students.c.id))).all()
    families: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        families[r.family_id].append(r)
    return families
