"""What a resolver reaches through the request's context: units of work (writes), read models, loaders."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, cast, runtime_checkable

from strawberry.types import Info

from billing.service.payment_provider import PaymentProvider
from billing.service.read_models import BillingReads
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.graphql.context import RequestContext

GInfo = Info[RequestContext, None]


@runtime_checkable
class BillingServices(Protocol):
    """What billing's runtime (bootstrap's BillingRuntime) gives the schema besides units of work."""

    payment_provider: PaymentProvider | None  # None: online payments are not configured

    def read_models(self, context: RequestContext) -> BillingReads:
        """The read models of one request."""
        ...


def uows(info: GInfo) -> Callable[[], AbstractAsyncContextManager[BillingUnitOfWork]]:
    """New units of work of the runtime serving the request: billing's (bootstrap's BillingRuntime), which
    implement BillingUnitOfWork; the kit's context only knows the kit's runtime."""
    return cast("Callable[[], AbstractAsyncContextManager[BillingUnitOfWork]]", info.context.runtime.uow)


def services(info: GInfo) -> BillingServices:
    runtime = info.context.runtime
    if not isinstance(runtime, BillingServices):
        raise TypeError(f"not billing's runtime: {type(runtime).__name__}")
    return runtime


def reads(info: GInfo) -> BillingReads:
    """The request's read models, on its one read connection."""
    return services(info).read_models(info.context)
