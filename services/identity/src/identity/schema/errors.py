"""Identity's ``enum ErrorCode`` (from its domain errors and the kit's it raises) and its payloads' ``UserError``."""

from __future__ import annotations

import strawberry

from identity.domain import errors
from kabinet import idempotency, phone
from kabinet.graphql.error_codes import USER_ERROR_DESCRIPTION, UserErrorFields, error_code_enum

ErrorCode = error_code_enum(errors, idempotency, phone)


@strawberry.federation.type(shareable=True, description=USER_ERROR_DESCRIPTION)
class UserError(UserErrorFields):
    code: str = strawberry.field(graphql_type=ErrorCode)
