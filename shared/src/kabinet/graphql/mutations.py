"""The one ``attempt`` helper of every subgraph's mutations.

A mutation runs its use case through ``attempt``: the domain's refusals (a :class:`KabinetError` such as
``InvalidInput`` or a service's own ``LessonNotFound``) become the payload's ``errors: [UserError!]!``;
not signed in / not allowed stay GraphQL errors (``extensions.code``), and anything else propagates (masked
by ``ErrorCodes``)::

    result, errors = await attempt(lambda: cancel_lesson(cmd, uow, principal))
    # or, a unit of work per attempt (nothing is committed when the use case refuses):
    result, errors = await attempt(lambda uow: cancel_lesson(cmd, uow, principal), within=runtime.uow)
    return CancelLessonPayload(lesson=Lesson.of(result) if result else None, errors=errors)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar, overload

from kabinet.errors import Forbidden, KabinetError, Unauthenticated
from kabinet.graphql.errors import user_error
from kabinet.graphql.types import UserError

T = TypeVar("T")
U = TypeVar("U")

# Errors that are about the caller, not the input: they stay GraphQL errors.
PASS_THROUGH: tuple[type[KabinetError], ...] = (Unauthenticated, Forbidden)
PASS_THROUGH_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN"})

Attempted = tuple[T | None, list[UserError]]


def _passes_through(exc: KabinetError) -> bool:
    return isinstance(exc, PASS_THROUGH) or exc.code in PASS_THROUGH_CODES


@overload
async def attempt(fn: Callable[[], Awaitable[T]]) -> Attempted[T]: ...


@overload
async def attempt(fn: Callable[[U], Awaitable[T]], *,
                  within: Callable[[], AbstractAsyncContextManager[U]]) -> Attempted[T]: ...


async def attempt(fn: Callable[..., Awaitable[T]], *,
                  within: Callable[[], AbstractAsyncContextManager[Any]] | None = None) -> Attempted[T]:
    """``(result, [])`` or ``(None, [UserError])``; with ``within``, ``fn`` gets a fresh unit of work from it."""
    try:
        if within is None:
            return await fn(), []
        async with within() as uow:
            return await fn(uow), []
    except KabinetError as exc:
        if _passes_through(exc):
            raise
        return None, [user_error(exc)]
