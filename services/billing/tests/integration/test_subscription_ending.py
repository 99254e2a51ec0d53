"""billing.subscription.ending (R-NTF-1, packages ending): published once per subscription, in the transaction of
the charge that took its lessons left to the threshold (the outbox), never again on a redelivery, a refund and a
later charge. On PostgreSQL + RabbitMQ (the harness) and in embedded mode (SQLite)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from billing.adapters.tables import inbox, outbox
from billing.bootstrap import BillingRuntime, build_runtime
from billing.domain.model import PaymentMethod
from billing.service import payments, subscriptions
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from kabinet.inbox import inbox_batch_handler, inbox_handler

from .conftest import Family, Harness
from .test_lesson_charges import lesson_payload

OWNER = Principal(user_id="owner", role=Role.OWNER)
ENDING = "billing.subscription.ending.v1"


@dataclass
class Billing:
    runtime: BillingRuntime
    consume: Callable[[Envelope], Awaitable[Any]]

    async def deliver(self, event_type: str, payload: dict[str, Any], event_id: str | None = None) -> Envelope:
        env = Envelope(type=event_type, version=1, producer=event_type.split(".", maxsplit=1)[0], payload=payload,
                       **({"id": event_id} if event_id else {}))
        await self.consume(env)
        return env

    async def announced(self, subscription_id: str) -> list[dict[str, Any]]:
        """The ending events of the subscription in the outbox, each with its causation id."""
        async with self.runtime.sessionmaker() as s:
            rows = (await s.execute(select(outbox.c.body).where(outbox.c.routing_key == ENDING)
                                    .order_by(outbox.c.seq))).all()
        found = [json.loads(r.body) for r in rows]
        return [e for e in found if e["payload"]["subscription_id"] == subscription_id]


@pytest.fixture
async def sqlite_billing(tmp_path: Path) -> AsyncIterator[Billing]:
    """Embedded mode: SQLite, events through the same inbox handler."""
    runtime = build_runtime(BillingSettings(database_url=f"sqlite:///{tmp_path}/billing.db", data_dir=tmp_path))
    try:
        await runtime.migrate()
        yield Billing(runtime, inbox_handler("billing", runtime.uow, inbox, HANDLERS))
    finally:
        await runtime.engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def bill(request: pytest.FixtureRequest, billing: Harness, sqlite_billing: Billing) -> Billing:
    return Billing(billing.runtime, billing.consume) if request.param == "postgresql" else sqlite_billing


async def _family_with_package(bill: Billing, lessons: int, *, trial: bool = False) -> tuple[Family, str]:
    fam = Family(str(uuid.uuid4()), str(uuid.uuid4()))
    student = str(uuid.uuid4())
    await bill.deliver("identity.student.registered", {
        "student_id": student, "family_id": fam.id, "first_name": "Kid", "last_name": "Test",
        "birth_date": "2015-01-01", "branch_id": fam.branch_id})
    fam.student_ids.append(student)
    async with bill.runtime.uow() as uow:
        await payments.record_payment(payments.RecordPayment(fam.id, Decimal("10000.00"), PaymentMethod.CASH), uow,
                                      OWNER)
    async with bill.runtime.uow() as uow:
        t = await subscriptions.create_subscription_type(subscriptions.CreateSubscriptionType(
            f"{lessons} lessons", lessons, 60, Decimal("0.00") if trial else Decimal("4000.00"), ["group"], [],
            trial, fam.branch_id), uow, OWNER)
    async with bill.runtime.uow() as uow:
        sold = await subscriptions.sell_subscription(subscriptions.SellSubscription(
            t.id, student, starts_on=date(2026, 12, 1)), uow, OWNER)
    return fam, sold.subscription_id


async def test_a_package_is_announced_ending_once_when_its_lessons_drop_to_the_threshold(bill: Billing) -> None:
    fam, sub = await _family_with_package(bill, 4)
    first = lesson_payload(fam, fam.student_ids)
    await bill.deliver("scheduling.lesson.scheduled", first)  # 3 left: above the threshold (2)
    assert await bill.announced(sub) == []
    second = lesson_payload(fam, fam.student_ids)
    charged = await bill.deliver("scheduling.lesson.scheduled", second)  # 2 left: announced
    await bill.deliver("scheduling.lesson.scheduled", second, event_id=charged.id)  # redelivered: dropped
    await bill.deliver("scheduling.lesson.scheduled", second)  # published again (a new id): charged already
    [event] = await bill.announced(sub)
    assert event["payload"] == {
        "subscription_id": sub, "family_id": fam.id, "student_id": fam.student_ids[0], "branch_id": fam.branch_id,
        "name": "4 lessons", "lessons_left": 2, "lessons_total": 4, "valid_until": "2027-01-29"}
    assert event["causation_id"] == charged.id  # from the charge's own transaction
    # A refund takes it above the threshold again, and the next charge back down: not announced again.
    await bill.deliver("scheduling.lesson.cancelled", {"lesson_id": second["lesson_id"],
                                                       "branch_id": fam.branch_id, "reason": "ill"})
    await bill.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids))
    await bill.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids))  # 1 left
    assert len(await bill.announced(sub)) == 1


async def test_a_month_charged_in_one_batch_announces_the_package_once(bill: Billing) -> None:
    """A published month's eight lessons in one batch take an 8-lesson package from 8 to 0: one event, with
    what is left after the batch, on behalf of a lesson of the batch."""
    fam, sub = await _family_with_package(bill, 8)
    lessons = [Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling",
                        payload=lesson_payload(fam, fam.student_ids)) for _ in range(8)]
    await inbox_batch_handler("billing", bill.runtime.uow, inbox, HANDLERS)(lessons)
    [event] = await bill.announced(sub)
    assert event["payload"]["lessons_left"] == 0
    assert event["causation_id"] in {e.id for e in lessons}


async def test_small_and_trial_packages_are_not_announced(bill: Billing) -> None:
    """A package of the threshold's size or smaller starts "ending" (nothing to warn of); a trial is free."""
    fam, small = await _family_with_package(bill, 2)
    await bill.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids))
    other, trial = await _family_with_package(bill, 4, trial=True)
    for _ in range(3):
        await bill.deliver("scheduling.lesson.scheduled", lesson_payload(other, other.student_ids))
    assert await bill.announced(small) == [] and await bill.announced(trial) == []
