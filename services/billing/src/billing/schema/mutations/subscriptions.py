"""Mutations: Subscription plans, sales, freezing, closing, expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from billing.domain.model import PaymentMethod
from billing.schema.context import GInfo, uows
from billing.schema.errors import UserError
from billing.schema.mutations.common import opt, subscription_of
from billing.schema.types import (
    PaymentMethodGQL,
    StudentSubscription,
    StudentSubscriptionPayload,
    SubscriptionExpiryPayload,
    SubscriptionPlan,
    SubscriptionPlanPayload,
)
from billing.service import (
    subscriptions,
)
from kabinet.graphql.mutations import attempt
from kabinet.graphql.types import Money


@strawberry.input
class CreateSubscriptionPlanInput:
    name: str
    lessons: int | None
    validity_days: int
    price: Decimal
    lesson_types: list[str]
    course_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    trial: bool = False
    branch_id: strawberry.ID | None = None


@strawberry.input
class SellSubscriptionInput:
    plan_id: strawberry.ID
    student_id: strawberry.ID
    on_credit: bool = False
    paid_with: PaymentMethodGQL | None = None
    starts_on: dt.date | None = None
    idempotency_key: str | None = None


@strawberry.type
class SubscriptionMutations:
    @strawberry.mutation(description="Define a subscription type (branch admins for their branch; owner for all).")
    async def create_subscription_plan(self, info: GInfo, input: CreateSubscriptionPlanInput
                                       ) -> SubscriptionPlanPayload:
        cmd = subscriptions.CreateSubscriptionType(
            input.name, input.lessons, input.validity_days, input.price, input.lesson_types,
            [str(c) for c in input.course_ids], input.trial, opt(input.branch_id))
        t, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.create_subscription_type(
            cmd, uow, info.context.principal), error=UserError)
        return SubscriptionPlanPayload(subscription_plan=SubscriptionPlan.from_model(t) if t else None, errors=errors)

    @strawberry.mutation(description="Sell a subscription for a student: paid now, from the balance, or on credit.")
    async def sell_subscription(self, info: GInfo, input: SellSubscriptionInput) -> StudentSubscriptionPayload:
        cmd = subscriptions.SellSubscription(
            str(input.plan_id), str(input.student_id), input.on_credit,
            PaymentMethod(input.paid_with.value) if input.paid_with else None, input.starts_on, input.idempotency_key)
        res, errors = await attempt(error=UserError, within=uows(info), fn=lambda uow: subscriptions.sell_subscription(
            cmd, uow, info.context.principal))
        if res is None:
            return StudentSubscriptionPayload(subscription=None, balance_after=None, errors=errors)
        return StudentSubscriptionPayload(subscription=await subscription_of(info, res.subscription_id),
                                          balance_after=Money.of(res.balance_after), errors=[])

    @strawberry.mutation(description="Freeze a subscription (no charges; validity paused). Safe to repeat.")
    async def freeze_subscription(self, info: GInfo, subscription_id: strawberry.ID,
                                  idempotency_key: str | None = None) -> StudentSubscriptionPayload:
        cmd = subscriptions.FreezeSubscription(str(subscription_id))
        sub, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.freeze_subscription(
            cmd, uow, info.context.principal), error=UserError)
        return StudentSubscriptionPayload(subscription=StudentSubscription.from_model(sub) if sub else None,
                                          balance_after=None, errors=errors)

    @strawberry.mutation(description="Resume a frozen subscription; validity extends by the days frozen.")
    async def unfreeze_subscription(self, info: GInfo, subscription_id: strawberry.ID,
                                    idempotency_key: str | None = None) -> StudentSubscriptionPayload:
        cmd = subscriptions.UnfreezeSubscription(str(subscription_id))
        sub, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.unfreeze_subscription(
            cmd, uow, info.context.principal), error=UserError)
        return StudentSubscriptionPayload(subscription=StudentSubscription.from_model(sub) if sub else None,
                                          balance_after=None, errors=errors)

    @strawberry.mutation(description="Close a subscription; unused lessons are refunded to the balance.")
    async def close_subscription(self, info: GInfo, subscription_id: strawberry.ID,
                                 idempotency_key: str | None = None) -> StudentSubscriptionPayload:
        cmd = subscriptions.CloseSubscription(str(subscription_id), idempotency_key)
        res, errors = await attempt(error=UserError, within=uows(info), fn=lambda uow: subscriptions.close_subscription(
            cmd, uow, info.context.principal))
        sub = await subscription_of(info, str(subscription_id)) if res else None
        return StudentSubscriptionPayload(subscription=sub, balance_after=None, errors=errors)

    @strawberry.mutation(description="Expire subscriptions past validity (the owner; normally a scheduled job).")
    async def run_subscription_expiry(self, info: GInfo, as_of: dt.date) -> SubscriptionExpiryPayload:
        cmd = subscriptions.RunExpiry(as_of)
        n, errors = await attempt(error=UserError, within=uows(info),
                                  fn=lambda uow: subscriptions.run_expiry(cmd, uow, info.context.principal))
        return SubscriptionExpiryPayload(expired=n or 0, errors=errors)
