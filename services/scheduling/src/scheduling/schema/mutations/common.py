"""What every mutation module shares: a use case run in its own unit of work through the kit's ``attempt``
(domain errors become payload errors, nothing is committed), and id helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from kabinet.auth.principal import Principal
from kabinet.graphql.context import RequestContext
from kabinet.graphql.mutations import Attempted, attempt
from scheduling.schema.context import app
from scheduling.schema.errors import UserError
from scheduling.service.unit_of_work import SchedulingUnitOfWork

C = TypeVar("C")
T = TypeVar("T")
FromDate = Annotated[dt.date, strawberry.argument(name="from")]
UseCase = Callable[[C, SchedulingUnitOfWork, Principal], Awaitable[T]]


async def run(info: Info[RequestContext, None], use_case: UseCase[C, T], cmd: C) -> Attempted[T, UserError]:
    """``use_case(cmd, uow, principal)`` through the kit's ``attempt``, in a unit of work of scheduling's."""
    p = info.context.principal
    return await attempt(lambda uow: use_case(cmd, uow, p), error=UserError, within=app(info).unit_of_work)


def id_or_none(v: str | None) -> strawberry.ID | None:
    return strawberry.ID(v) if v else None


def str_or_none(v: strawberry.ID | None) -> str | None:
    return str(v) if v else None
