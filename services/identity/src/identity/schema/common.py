"""Glue between resolvers and use cases: the runtime's unit of work, ports and read models, the caller's IP;
use cases run through the kit's ``attempt`` (domain errors become the payload's typed errors)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import strawberry
from strawberry.types import Info

from identity.schema.errors import UserError
from identity.service.ports import IdentityPorts
from identity.service.unit_of_work import IdentityReads, IdentityUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.graphql.context import RequestContext
from kabinet.graphql.mutations import attempt
from kabinet.web.gateway_only import client_address

if TYPE_CHECKING:
    from identity.bootstrap import IdentityRuntime

T = TypeVar("T")
Ctx = Info[RequestContext, None]


def _runtime(ctx: RequestContext) -> IdentityRuntime:
    return cast("IdentityRuntime", ctx.runtime)


def ports(info: Ctx) -> IdentityPorts:
    return _runtime(info.context).ports


def reads_of(ctx: RequestContext) -> IdentityReads:
    """The request's read models (bootstrap's IdentityRuntime.reads), one object per request."""
    return cast(IdentityReads, ctx.loader("identity.reads", _runtime(ctx).reads))


def reads(info: Ctx) -> IdentityReads:
    return reads_of(info.context)


async def in_uow(info: Ctx, fn: Callable[[IdentityUnitOfWork], Awaitable[T]]) -> T:
    """Run a use case in a fresh unit of work (one transaction; leaving without commit rolls back)."""
    async with _runtime(info.context).unit_of_work() as uow:
        return await fn(uow)


def client_ip(info: Ctx) -> str | None:
    """The client's address as the gateway forwarded it (never a header the client wrote itself)."""
    return client_address(info.context.request)




C = TypeVar("C")


async def run(info: Ctx, use_case: Callable[[C, IdentityUnitOfWork, Principal], Awaitable[T]],
              cmd: C) -> tuple[T | None, list[UserError]]:
    """A use case for the caller, in its own unit of work; domain errors come back as payload errors."""
    principal = info.context.principal
    return await attempt(lambda uow: use_case(cmd, uow, principal), error=UserError,
                         within=_runtime(info.context).unit_of_work)


async def run_anonymous(info: Ctx, use_case: Callable[[C, IdentityUnitOfWork], Awaitable[T]],
                        cmd: C) -> tuple[T | None, list[UserError]]:
    """A use case of signing in (whoever calls): the same, without a principal."""
    return await attempt(lambda uow: use_case(cmd, uow), error=UserError, within=_runtime(info.context).unit_of_work)


def optional_id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)
