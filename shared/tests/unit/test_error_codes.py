"""Each subgraph's ``ErrorCode`` enum is built from its error classes; an unknown code fails loudly."""

from __future__ import annotations

import sys
from enum import Enum

import pytest
import strawberry

from kabinet import idempotency, phone
from kabinet.errors import Conflict, KabinetError, NotFound
from kabinet.graphql.error_codes import (
    UnknownErrorCode,
    UserErrorFields,
    codes_of,
    error_classes,
    error_code_enum,
    error_codes,
)
from kabinet.graphql.mutations import attempt


class RoomNotFound(NotFound):
    code = "ROOM_NOT_FOUND"


class RoomTaken(Conflict):
    code = "ROOM_TAKEN"


ErrorCode = error_code_enum(sys.modules[__name__], idempotency)


@strawberry.type
class UserError(UserErrorFields):
    code: str = strawberry.field(graphql_type=ErrorCode)


@strawberry.type
class Query:
    @strawberry.field
    def errors(self, code: str) -> list[UserError]:
        return [UserError(field=None, message="refused", code=code)]


schema = strawberry.Schema(query=Query)


def test_the_codes_are_those_of_the_modules_classes_and_the_kits_without_pass_through():
    codes = error_codes(sys.modules[__name__], idempotency)
    assert {"ROOM_NOT_FOUND", "ROOM_TAKEN", "IDEMPOTENCY_KEY_IN_PROGRESS"} <= set(codes)
    assert {"NOT_FOUND", "CONFLICT", "INVALID_INPUT", "BAD_USER_INPUT", "BAD_REQUEST",
            "IDEMPOTENCY_KEY_REUSED"} <= set(codes)
    assert not {"UNAUTHENTICATED", "FORBIDDEN"} & set(codes)
    assert list(codes) == sorted(set(codes))
    assert "INVALID_PHONE" not in codes and "INVALID_PHONE" in error_codes(phone)


def test_only_classes_defined_in_a_module_count():
    # This module imports NotFound and Conflict; they come from kabinet.errors, not from here.
    assert error_classes(sys.modules[__name__]) == [RoomNotFound, RoomTaken]


def test_the_enum_is_a_graphql_enum_named_error_code():
    assert issubclass(ErrorCode, Enum)
    assert "enum ErrorCode {" in schema.as_str()
    assert "code: ErrorCode!" in schema.as_str()
    assert codes_of(UserError) == frozenset(error_codes(sys.modules[__name__], idempotency))


def test_a_known_code_serializes():
    result = schema.execute_sync('{ errors(code: "ROOM_TAKEN") { code } }')
    assert result.errors is None and result.data == {"errors": [{"code": "ROOM_TAKEN"}]}


def test_serializing_an_unknown_code_is_an_error_not_a_silent_null():
    result = schema.execute_sync('{ errors(code: "NO_SUCH_CODE") { code } }')
    assert result.data is None
    assert result.errors and "cannot represent value: 'NO_SUCH_CODE'" in result.errors[0].message


async def test_attempt_refuses_a_domain_error_whose_code_is_not_in_the_enum():
    async def refuse() -> int:
        raise KabinetError("Somewhere else.", code="NOT_IN_THE_ENUM")

    with pytest.raises(UnknownErrorCode, match="NOT_IN_THE_ENUM"):
        await attempt(refuse, error=UserError)
