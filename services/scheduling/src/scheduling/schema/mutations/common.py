"""What every mutation module shares: running a use case in its own unit of work (``attempt``), id helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from kabinet.auth.principal import Principal
from kabinet.errors import KabinetError
from kabinet.graphql.context import RequestContext
from kabinet.graphql.errors import user_error
from kabinet.graphql.types import UserError
from scheduling.schema.context import app
from scheduling.service.unit_of_work import SchedulingUnitOfWork

C = TypeVar("C")
T = TypeVar("T")
FromDate = Annotated[dt.date, strawberry.argument(name="from")]
PASS_THROUGH = ("UNAUTHENTICATED", "FORBIDDEN")
UseCase = Callable[[C, SchedulingUnitOfWork, Principal], Awaitable[T]]


async def attempt(info: Info[RequestContext, None], use_case: UseCase[C, T], cmd: C
                  ) -> tuple[T | None, list[UserError]]:
    """Run a use case in its own unit of work; domain errors become payload errors (nothing was committed)."""
    try:
        async with app(info).unit_of_work() as uow:
            return await use_case(cmd, uow, info.context.principal), []
    except KabinetError as exc:
        if exc.code in PASS_THROUGH:
            raise
        return None, [user_error(exc)]


def id_or_none(v: str | None) -> strawberry.ID | None:
    return strawberry.ID(v) if v else None


def str_or_none(v: strawberry.ID | None) -> str | None:
    return str(v) if v else None
