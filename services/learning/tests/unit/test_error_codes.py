"""Every error learning defines can reach a client: its code is a value of learning's GraphQL ``ErrorCode``."""

from __future__ import annotations

from kabinet.graphql.error_codes import error_classes
from kabinet.testing.error_codes import codes_missing_from_enum
from learning.domain import errors
from learning.schema.errors import ErrorCode, UserError


def test_every_error_class_of_the_service_has_its_code_in_the_enum():
    assert codes_missing_from_enum("learning", UserError) == {}


def test_every_domain_error_code_is_an_enum_value():
    assert {cls.code for cls in error_classes(errors)} <= {code.value for code in ErrorCode}
