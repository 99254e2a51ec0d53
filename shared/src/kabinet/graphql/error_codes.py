"""Each subgraph's ``enum ErrorCode``, built from its error classes, and the payload errors that carry one.

A subgraph declares the codes its mutations can return — the ``code`` of every :class:`KabinetError` subclass
defined in its domain errors module plus the kit's own (``kabinet.errors`` always; ``kabinet.idempotency``,
``kabinet.phone``, ... when the service raises them) — and a shareable ``UserError`` whose ``code`` is that
enum. No list is kept by hand: a new domain error is a new enum value::

    ErrorCode = error_code_enum(errors, kabinet.idempotency)

    @strawberry.federation.type(shareable=True, description=USER_ERROR_DESCRIPTION)
    class UserError(UserErrorFields):
        code: str = strawberry.field(graphql_type=ErrorCode)

Not signed in / not allowed (``UNAUTHENTICATED``, ``FORBIDDEN``) are never payload errors (they stay GraphQL
errors, see :mod:`kabinet.graphql.mutations`), so they are not in the enum. The gateway composes the subgraphs'
enums by union (an output-only enum), so a client sees every code of every service in one ``ErrorCode``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Iterable
from enum import Enum
from functools import cache
from types import ModuleType
from typing import Protocol, TypeVar, cast

import strawberry

from kabinet import errors as kit_errors
from kabinet import phone
from kabinet.errors import Forbidden, KabinetError, Unauthenticated
from kabinet.outages import SERVICE_UNAVAILABLE

E_co = TypeVar("E_co", covariant=True)

# Errors about the caller, not the input: they stay GraphQL errors and are never a payload's code.
PASS_THROUGH: tuple[type[KabinetError], ...] = (Unauthenticated, Forbidden)
PASS_THROUGH_CODES = frozenset(cls.code for cls in PASS_THROUGH)


def _graphql_error_codes() -> frozenset[str]:
    return frozenset({cls.code for cls in error_classes(kit_errors, phone)} | {
        "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED",  # the document (kabinet.graphql.errors.ErrorCodes)
        SERVICE_UNAVAILABLE, "INTERNAL_SERVER_ERROR",  # a dependency down; an unexpected error, its text masked
        "GATEWAY_ONLY", "PAYLOAD_TOO_LARGE",  # the kit's web layer (kabinet.web)
    })


USER_ERROR_DESCRIPTION = "A problem with a mutation's input or state."
ERROR_CODE_DESCRIPTION = ("Why a mutation refused: the codes of this service's domain errors (a payload's "
                          "errors[].code). The gateway's enum is the union of the services' enums.")


class UnknownErrorCode(LookupError):
    """A domain error whose code is not in the subgraph's ``ErrorCode``: a programming error (never masked as
    the client's fault). Add the error class to a module the enum is built from."""


@strawberry.type(description="The fields of every subgraph's UserError (never in a schema by itself).")
class UserErrorFields:
    field: str | None
    message: str
    code: str  # a subgraph's UserError narrows it to its ErrorCode enum


class UserErrorType(Protocol[E_co]):
    """A subgraph's ``UserError`` class (its ``code`` field typed by its ``ErrorCode`` enum)."""

    def __call__(self, *, field: str | None, message: str, code: str) -> E_co: ...


def error_classes(*modules: ModuleType) -> list[type[KabinetError]]:
    """The :class:`KabinetError` subclasses *defined* in ``modules`` (not the ones they import)."""
    found: list[type[KabinetError]] = []
    for module in modules:
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, KabinetError) and value.__module__ == module.__name__ and value not in found:
                found.append(value)
    return found


def error_codes(*modules: ModuleType) -> tuple[str, ...]:
    """The payload codes of ``modules`` and of ``kabinet.errors``: sorted, each once, without the pass-through."""
    classes = error_classes(kit_errors, *modules)
    return tuple(sorted({cls.code for cls in classes} - PASS_THROUGH_CODES))


def error_code_enum(*modules: ModuleType, name: str = "ErrorCode") -> type[Enum]:
    """The GraphQL enum of the codes of ``modules`` (plus the kit's), each value named and valued by its code."""
    make_enum = cast(Callable[[str, Iterable[tuple[str, str]]], type[Enum]], Enum)
    return strawberry.enum(make_enum(name, [(code, code) for code in error_codes(*modules)]),
                           name=name, description=ERROR_CODE_DESCRIPTION)


@cache
def codes_of(error_type: Hashable) -> frozenset[str]:
    """The values of the enum that types ``error_type``'s ``code`` field (a Strawberry type)."""
    definition = getattr(error_type, "__strawberry_definition__", None)
    field = definition.get_field("code") if definition is not None else None
    values = getattr(getattr(field, "type", None), "values", None)
    if values is None:
        raise TypeError(f"{error_type!r} is not a Strawberry type whose `code` is an enum")
    return frozenset(str(v.value) for v in values)


def user_error(exc: KabinetError, error_type: UserErrorType[E_co]) -> E_co:
    """The payload error for a domain error; :class:`UnknownErrorCode` if its code is not in the enum."""
    if exc.code not in codes_of(cast(Hashable, error_type)):
        raise UnknownErrorCode(f"{type(exc).__name__}: code {exc.code!r} is not in the ErrorCode enum of "
                               f"{getattr(error_type, '__module__', '?')}") from exc
    return error_type(field=exc.field, message=exc.message, code=exc.code)


# The codes a Kabinet subgraph's GraphQL errors carry besides its domain errors' (those are its ``ErrorCode``
# enum, composed into the API schema): the gateway passes on the message of an error with one of either, and
# masks any other (gateway.subgraph_errors). Every message under these codes was written for the client.
GRAPHQL_ERROR_CODES = _graphql_error_codes()
