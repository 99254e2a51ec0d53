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

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar, overload

from kabinet.db.races import lost_a_race
from kabinet.errors import KabinetError
from kabinet.graphql.error_codes import PASS_THROUGH, PASS_THROUGH_CODES, UserErrorType, user_error

log = logging.getLogger(__name__)

# How many times a unit of work the database rolled back to break a deadlock runs again (its victim, once, is the
# common case; a third deadlock in a row means something else is wrong: the error goes up).
RACE_RETRIES = 2

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
        for tries_left in range(RACE_RETRIES, -1, -1):
            try:
                async with within() as uow:
                    return await fn(uow), []
            except Exception as exc:
                # PostgreSQL rolled the whole unit of work back to break a deadlock (or a serialization
                # conflict): nothing of it is left, so it runs again on a fresh one rather than failing the
                # caller with an internal error. Anything sent out waits for the commit (the outbox).
                if tries_left == 0 or not lost_a_race(exc):
                    raise
                log.info("unit of work rolled back by the database (%s); running it again", type(exc).__name__)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
    except KabinetError as exc:
        if _passes_through(exc):
            raise
        return None, [user_error(exc, error)]
