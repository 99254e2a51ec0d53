"""Subscription types and the subscriptions sold (R-BIL-4)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import subscription_types, subscriptions
from billing.domain.model import Subscription, SubscriptionStatus, SubscriptionType
from kabinet.db.any_of import any_of


def _type(r: Row[Any]) -> SubscriptionType:
    return SubscriptionType(r.id, r.name, r.lessons, r.validity_days, r.price, json.loads(r.lesson_types),
                            json.loads(r.course_ids), r.trial, r.branch_id, r.currency)


def _subscription(r: Row[Any]) -> Subscription:
    return Subscription(
        id=r.id, type_id=r.type_id, account_id=r.account_id, family_id=r.family_id, student_id=r.student_id,
        branch_id=r.branch_id, name=r.name, lessons_total=r.lessons_total, lessons_left=r.lessons_left,
        price=r.price, lesson_types=json.loads(r.lesson_types), course_ids=json.loads(r.course_ids),
        trial=r.trial, on_credit=r.on_credit, valid_from=r.valid_from, valid_until=r.valid_until,
        status=SubscriptionStatus(r.status), frozen_on=r.frozen_on, currency=r.currency, sold_at=r.sold_at,
    )


# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_OF_STUDENTS = (select(subscriptions).where(any_of(subscriptions.c.student_id, bindparam("ids")))
                .order_by(subscriptions.c.sold_at))


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_type(self, t: SubscriptionType, created_at: datetime) -> None:
        await self.session.execute(subscription_types.insert().values(
            id=t.id, branch_id=t.branch_id, name=t.name, lessons=t.lessons, validity_days=t.validity_days,
            price=t.price, currency=t.currency, lesson_types=json.dumps(t.lesson_types),
            course_ids=json.dumps(t.course_ids), trial=t.trial, created_at=created_at))

    async def type(self, type_id: str) -> SubscriptionType | None:
        r = (await self.session.execute(select(subscription_types).where(subscription_types.c.id == type_id))).first()
        return _type(r) if r else None

    async def types(self, branch_id: str | None) -> list[SubscriptionType]:
        st = subscription_types
        stmt = select(st).order_by(st.c.created_at, st.c.id)
        if branch_id is not None:
            stmt = stmt.where((st.c.branch_id == branch_id) | st.c.branch_id.is_(None))
        return [_type(r) for r in (await self.session.execute(stmt)).all()]

    async def add(self, s: Subscription) -> None:
        # Credits arrive through the ledger (LSN entries), so the cache starts at 0 and the sale adds them.
        await self.session.execute(subscriptions.insert().values(
            id=s.id, type_id=s.type_id, account_id=s.account_id, family_id=s.family_id, student_id=s.student_id,
            branch_id=s.branch_id, name=s.name, lessons_total=s.lessons_total,
            lessons_left=None if s.unlimited else 0, price=s.price, currency=s.currency,
            lesson_types=json.dumps(s.lesson_types), course_ids=json.dumps(s.course_ids), trial=s.trial,
            on_credit=s.on_credit, valid_from=s.valid_from, valid_until=s.valid_until, status=s.status.value,
            frozen_on=s.frozen_on, sold_at=s.sold_at))

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        stmt = select(subscriptions).where(subscriptions.c.id == subscription_id)
        if lock:
            stmt = stmt.with_for_update()
        r = (await self.session.execute(stmt)).first()
        return _subscription(r) if r else None

    async def save_state(self, s: Subscription) -> None:
        await self.session.execute(update(subscriptions).where(subscriptions.c.id == s.id).values(
            status=s.status.value, frozen_on=s.frozen_on, valid_until=s.valid_until))

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, list[Subscription]]:
        rows = (await self.session.execute(_OF_STUDENTS, {"ids": list(student_ids)})).all()
        out: dict[str, list[Subscription]] = {sid: [] for sid in student_ids}
        for r in rows:
            out[r.student_id].append(_subscription(r))
        return out

    async def due_to_expire(self, today: date) -> list[Subscription]:
        rows = (await self.session.execute(select(subscriptions).where(
            subscriptions.c.status == SubscriptionStatus.ACTIVE.value, subscriptions.c.valid_until < today)
            # The scheduled job, the owner's mutation and other replicas may run at once: each row is
            # expired by exactly one of them (the others skip it; its status is no longer active after).
            .with_for_update(skip_locked=True))).all()
        return [_subscription(r) for r in rows]

    async def announce_ending(self, subscription_ids: Sequence[str], lessons: int, now: datetime
                              ) -> list[Subscription]:
        s = subscriptions
        # Subscription.ending_at in SQL, and the mark: one conditional UPDATE under the rows' locks (the charge's
        # credit UPDATE took them), so two batches never both announce one subscription.
        rows = (await self.session.execute(
            update(s).where(any_of(s.c.id, sorted(subscription_ids)), s.c.ending_announced_at.is_(None),
                            s.c.status == SubscriptionStatus.ACTIVE.value, s.c.trial.is_(False),
                            s.c.lessons_total > lessons, s.c.lessons_left <= lessons)
            .values(ending_announced_at=now).returning(*s.c))).all()
        return sorted((_subscription(r) for r in rows), key=lambda sub: sub.id)
