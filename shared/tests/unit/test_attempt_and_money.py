"""The kit's ``attempt`` helper and the three forms of money (domain, GraphQL, event payload)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import ClassVar

import pytest
import strawberry

from kabinet.errors import Forbidden, InvalidInput, KabinetError, NotFound, Unauthenticated
from kabinet.events import EventContract, MoneyPayload
from kabinet.graphql.error_codes import UserErrorFields, error_code_enum
from kabinet.graphql.mutations import attempt
from kabinet.graphql.types import Money as MoneyType
from kabinet.money import Money


class LessonNotFound(NotFound):
    code = "LESSON_NOT_FOUND"
    message = "No such lesson."


ErrorCode = error_code_enum(sys.modules[__name__])


@strawberry.type
class UserError(UserErrorFields):
    code: str = strawberry.field(graphql_type=ErrorCode)


async def _ok() -> int:
    return 7


async def test_attempt_returns_the_result_and_no_errors():
    assert await attempt(_ok, error=UserError) == (7, [])


async def test_attempt_turns_domain_errors_into_user_errors():
    async def refuse() -> int:
        raise LessonNotFound(field="lessonId")

    result, errors = await attempt(refuse, error=UserError)
    assert result is None
    assert errors == [UserError(field="lessonId", message="No such lesson.", code="LESSON_NOT_FOUND")]


@pytest.mark.parametrize("exc", [Unauthenticated(), Forbidden(), KabinetError(code="FORBIDDEN"), RuntimeError("x")])
async def test_attempt_lets_access_and_unexpected_errors_through(exc: Exception):
    async def fail() -> int:
        raise exc

    with pytest.raises(type(exc)):
        await attempt(fail, error=UserError)


async def test_attempt_within_a_unit_of_work_leaves_it_on_refusal():
    log: list[str] = []

    @asynccontextmanager
    async def uow() -> AsyncIterator[str]:
        log.append("enter")
        try:
            yield "uow"
        finally:
            log.append("exit")

    async def use(u: str) -> str:
        return u + "!"

    async def refuse(u: str) -> str:
        raise InvalidInput(field="x")

    assert await attempt(use, error=UserError, within=uow) == ("uow!", [])
    result, errors = await attempt(refuse, error=UserError, within=uow)
    assert result is None and errors[0].code == "INVALID_INPUT" and errors[0].field == "x"
    assert log == ["enter", "exit", "enter", "exit"]


def test_money_comparisons_and_product():
    assert Money.of(3) > Money.of(2) and Money.of(2) >= Money.of(2)
    assert Money.of("12.50") * 3 == Money.of("37.50")
    assert Money.of(-1).is_negative and not Money.zero().is_negative
    with pytest.raises(ValueError, match="currency"):
        _ = Money.of(1, "RUB") > Money.of(1, "EUR")


def test_graphql_money_keeps_the_domain_value():
    value = Money.of("1200.5", "EUR")
    gql = MoneyType.from_value(value)
    assert (gql.amount, gql.currency) == (Decimal("1200.50"), "EUR")
    assert MoneyType.of("1200.5", "EUR").to_value() == value
    assert MoneyType.of(5).currency == "RUB"


class Charged(EventContract):
    event_type: ClassVar[str] = "test.account.charged"
    event_version: ClassVar[int] = 1
    amount: MoneyPayload


def test_event_money_is_a_two_decimal_string_and_reads_back():
    event = Charged(amount=MoneyPayload.of(Money.of("1200.5")))
    assert event.to_payload() == {"amount": {"amount": "1200.50", "currency": "RUB"}}
    back = Charged.model_validate(event.to_payload())
    assert back.amount.to_money() == Money.of("1200.50")
    # Consumers are tolerant: a number, no currency, unknown fields.
    read = MoneyPayload.model_validate({"amount": 12.5, "extra": 1})
    assert read.to_money() == Money.of("12.50", "RUB")
    for mode in ("serialization", "validation"):  # the catalogue documents the validation schema
        schema = MoneyPayload.model_json_schema(mode=mode)  # type: ignore[arg-type]
        assert schema["properties"]["amount"]["type"] == "string"


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_alembic_helpers_write_offline_sql(dialect: str):
    import io

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from kabinet.db import migrations

    out = io.StringIO()
    ctx = MigrationContext.configure(dialect_name=dialect, opts={"as_sql": True, "output_buffer": out})
    with Operations.context(ctx):
        migrations.create_messaging_tables()
        migrations.create_idempotency_table()
    sql = out.getvalue()
    for expected in ("CREATE TABLE outbox", "CREATE TABLE inbox", "CREATE TABLE idempotency_keys",
                     "CREATE INDEX ix_outbox_unpublished", "CONSTRAINT pk_idempotency_keys PRIMARY KEY (scope, "):
        assert expected in sql, sql
