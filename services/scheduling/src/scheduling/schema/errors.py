"""Scheduling's ``enum ErrorCode`` (from its domain errors and the kit's it raises) and its payloads' ``UserError``."""

from __future__ import annotations

import strawberry

from kabinet import idempotency
from kabinet.graphql.error_codes import USER_ERROR_DESCRIPTION, UserErrorFields, error_code_enum
from scheduling.domain import errors

ErrorCode = error_code_enum(errors, idempotency)


@strawberry.federation.type(shareable=True, description=USER_ERROR_DESCRIPTION)
class UserError(UserErrorFields):
    code: str = strawberry.field(graphql_type=ErrorCode)
