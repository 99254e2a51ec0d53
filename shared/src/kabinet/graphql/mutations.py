"""The one ``attempt`` helper of every subgraph's mutations.

A mutation runs its use case through ``attempt``: the domain's refusals (a :class:`KabinetError` such as
``InvalidInput`` or a service's own ``LessonNotFound``) become the payload's ``errors: [UserError!]!``;
not signed in / not allowed stay GraphQL errors (``extensions.code``), and anything else propagates (masked
by ``ErrorCodes``)::

    result, errors = await attempt(lambda: cancel_lesson(cmd, uow, principal), error=UserError)
    # or, a unit of work per attempt (nothing is committed when the use case refuses):
    result, errors = await attempt(lambda uow: cancel_lesson(cmd, uow, principal), error=UserError,
                                   within=runtime.uow)

``UserError`` is the subgraph's own (see :mod:`kabinet.graphql.error_codes`): a code missing from its
``ErrorCode`` enum raises :class:`~kabinet.graphql.error_codes.UnknownErrorCode` (an internal error, logged).
    return CancelLessonPayload(lesson=Lesson.of(result) if result else None, errors=errors)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar, overload

from kabinet.errors import KabinetError
from kabinet.graphql.error_codes import PASS_THROUGH, PASS_THROUGH_CODES, UserErrorType, user_error

T = TypeVar("T")
U = TypeVar("U")
E = TypeVar("E")

Attempted = tuple[T | None, list[E]]


def _passes_through(exc: KabinetError) -> bool:
    return isinstance(exc, PASS_THROUGH) or exc.code in PASS_THROUGH_CODES


@overload
async def attempt(fn: Callable[[], Awaitable[T]], *, error: UserErrorType[E]) -> Attempted[T, E]: ...


@overload
async def attempt(fn: Callable[[U], Awaitable[T]], *, error: UserErrorType[E],
                  within: Callable[[], AbstractAsyncContextManager[U]]) -> Attempted[T, E]: ...


async def attempt(fn: Callable[..., Awaitable[T]], *, error: UserErrorType[E],
                  within: Callable[[], AbstractAsyncContextManager[Any]] | None = None) -> Attempted[T, E]:
    """``(result, [])`` or ``(None, [error])``; with ``within``, ``fn`` gets a fresh unit of work from it.

    ``error`` is the subgraph's ``UserError`` type (its ``code`` typed by the subgraph's ``ErrorCode``)."""
    try:
        if within is None:
            return await fn(), []
        async with within() as uow:
            return await fn(uow), []
    except KabinetError as exc:
        if _passes_through(exc):
            raise
        return None, [user_error(exc, error)]
