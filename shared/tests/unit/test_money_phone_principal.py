"""Money, phone normalisation (R-FAM-9) and the principal's token claims."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from kabinet.auth.principal import ANONYMOUS, Principal, Role
from kabinet.errors import InvalidInput
from kabinet.money import Money
from kabinet.phone import InvalidPhone, normalise_phone, phone_region


def test_money_is_exact_and_rounds_half_even_to_cents():
    assert Money.of("0.1") + Money.of("0.2") == Money.of("0.3")
    assert Money.of("1.005").amount == Decimal("1.00")
    assert Money.of("1.015").amount == Decimal("1.02")
    assert Money.of(1200).amount == Decimal("1200.00")
    assert -Money.of("5") == Money.of("-5.00")
    assert Money.of("10") - Money.of("2.5") == Money.of("7.50")
    assert Money.zero() == Money.of(0, "RUB")
    assert Money.of(1) < Money.of(2) and Money.of(2) <= Money.of(2)


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(cast(Any, 0.1))
    with pytest.raises(ValueError, match="currency"):
        Money.of(1, "RUB") + Money.of(1, "EUR")
    with pytest.raises(ValueError):
        _ = Money.of(1, "RUB") < Money.of(1, "USD")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+49 30 901820", "+4930901820"),
    ],
)
def test_phone_normalised_to_e164(raw: str, e164: str):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "abc", "+7 000 000 00 00", "8 (912) 345-67", "+999 123"])
def test_invalid_phone_is_a_typed_error(raw: str):
    with pytest.raises(InvalidPhone) as info:
        normalise_phone(raw)
    assert isinstance(info.value, InvalidInput)
    assert info.value.code == "INVALID_PHONE" and info.value.field == "phone"


def test_phone_region():
    assert phone_region("+79123456789") == "RU"


def test_principal_claims_round_trip():
    p = Principal(user_id="u1", role=Role.GUARDIAN, family_id="f1", student_ids=frozenset({"s2", "s1"}),
                  branch_ids=frozenset({"b1"}), staff_id=None)
    claims = p.claims()
    assert claims == {"sub": "u1", "role": "guardian", "fam": "f1", "stu": ["s1", "s2"], "br": ["b1"], "stf": None}
    assert Principal.from_claims(claims) == p


def test_principal_from_minimal_and_bad_claims():
    teacher = Principal.from_claims({"sub": "u2", "role": "teacher", "stf": "t1"})
    assert teacher.staff_id == "t1" and teacher.is_staff and teacher.is_authenticated
    assert teacher.student_ids == frozenset() and teacher.family_id is None
    assert not ANONYMOUS.is_authenticated
    assert Principal.from_claims({"sub": "x"}).role is Role.ANONYMOUS
    with pytest.raises(ValueError):
        Principal.from_claims({"sub": "x", "role": "superuser"})
