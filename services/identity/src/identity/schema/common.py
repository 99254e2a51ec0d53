"""Glue between resolvers and use cases: the runtime's dependencies, the caller's IP, typed payload errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, cast

from strawberry.types import Info

from identity.service.deps import IdentityDeps
from kabinet.errors import KabinetError
from kabinet.graphql.context import RequestContext
from kabinet.graphql.errors import user_error
from kabinet.graphql.types import UserError
from kabinet.web.gateway_only import client_address

if TYPE_CHECKING:
    from identity.bootstrap import IdentityRuntime

T = TypeVar("T")
Ctx = Info[RequestContext, None]


def runtime(info: Ctx) -> IdentityRuntime:
    return cast("IdentityRuntime", info.context.runtime)


def deps(info: Ctx) -> IdentityDeps:
    return runtime(info).deps


def client_ip(info: Ctx) -> str | None:
    """The client's address as the gateway forwarded it (never a header the client wrote itself)."""
    return client_address(info.context.request)


async def attempt(fn: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Domain errors become payload errors; not signed in / not allowed stay GraphQL errors (extensions.code)."""
    try:
        return await fn(), []
    except KabinetError as exc:
        if exc.code in ("UNAUTHENTICATED", "FORBIDDEN"):
            raise
        return None, [user_error(exc)]
